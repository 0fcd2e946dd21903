// Test-only TLS material: a self-signed certificate (CA:TRUE, SAN IP:127.0.0.1 and DNS:localhost)
// and its EC P-256 key, written as PEM files, so the fake API server can serve HTTPS and the client
// can verify it against a CA file. Never use outside tests.
#pragma once

#include <string>

#include "common/util/status.h"

namespace zroute::testing {

struct TestCert {
  std::string cert_path;  // PEM certificate; also the CA bundle clients trust
  std::string key_path;   // PEM private key
  std::string cert_pem;
};

// Writes `<dir>/<stem>.crt` and `<dir>/<stem>.key`.
StatusOr<TestCert> WriteSelfSignedCert(const std::string& dir, const std::string& stem = "fake-kube");

}  // namespace zroute::testing
