// TestCa: a throwaway certificate authority and server certificate for TLS tests.
//
// Written straight against OpenSSL, independent of the operator's own CertificateAuthority, so that
// a TLS test of a server does not trust the code it is testing to make its certificates. The CA
// and the server certificate (SAN: the given DNS names plus IP 127.0.0.1) are valid from one hour
// before to 30 days after the real time: TLS stacks check validity against the system clock, which
// a SimulatedClock cannot move. Files live in a fresh temporary directory removed by the destructor.
// Any OpenSSL failure aborts: a test cannot continue without its certificates.
#pragma once

#include <string>
#include <vector>

namespace zroute::testing {

class TestCa {
 public:
  explicit TestCa(const std::vector<std::string>& dns_names = {"localhost"});
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& ca_cert_path() const { return ca_cert_path_; }  // for SSLClient::set_ca_cert_path
  const std::string& server_cert_path() const { return server_cert_path_; }
  const std::string& server_key_path() const { return server_key_path_; }
  const std::string& ca_cert_pem() const { return ca_cert_pem_; }
  const std::string& server_cert_pem() const { return server_cert_pem_; }
  const std::string& server_key_pem() const { return server_key_pem_; }

 private:
  std::string dir_;
  std::string ca_cert_path_, server_cert_path_, server_key_path_;
  std::string ca_cert_pem_, server_cert_pem_, server_key_pem_;
};

}  // namespace zroute::testing
