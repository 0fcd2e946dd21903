#include "tests/support/test_ca.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace zroute::testing {
namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "TestCa: %s failed\n", what);
  ERR_print_errors_fp(stderr);
  std::abort();
}

void Check(bool ok, const char* what) {
  if (!ok) Die(what);
}

EVP_PKEY* NewKey() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  Check(key != nullptr, "keygen");
  return key;
}

void AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  Check(ext != nullptr && X509_add_ext(cert, ext, -1) == 1, "extension");
  X509_EXTENSION_free(ext);
}

X509* NewCert(const char* cn, EVP_PKEY* key, long serial) {
  X509* cert = X509_new();
  Check(cert != nullptr && X509_set_version(cert, X509_VERSION_3) == 1, "X509_new");
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  const time_t now = std::time(nullptr);
  Check(ASN1_TIME_set(X509_getm_notBefore(cert), now - 3600) != nullptr, "notBefore");
  Check(ASN1_TIME_set(X509_getm_notAfter(cert), now + 30L * 24 * 3600) != nullptr, "notAfter");
  Check(X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(cn), -1, -1, 0) == 1,
        "subject");
  Check(X509_set_pubkey(cert, key) == 1, "pubkey");
  return cert;
}

std::string Pem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  Check(bio != nullptr && PEM_write_bio_X509(bio, cert) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

std::string Pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  Check(bio != nullptr && PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  Check(out.good(), "writing a certificate file");
}

}  // namespace

TestCa::TestCa(const std::vector<std::string>& dns_names) {
  std::string pattern = (std::filesystem::temp_directory_path() / "zroute-test-ca-XXXXXX").string();
  Check(mkdtemp(pattern.data()) != nullptr, "mkdtemp");
  dir_ = pattern;

  EVP_PKEY* ca_key = NewKey();
  X509* ca = NewCert("zroute test CA", ca_key, 1);
  Check(X509_set_issuer_name(ca, X509_get_subject_name(ca)) == 1, "issuer");
  AddExt(ca, ca, NID_basic_constraints, "critical,CA:TRUE");
  AddExt(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExt(ca, ca, NID_subject_key_identifier, "hash");
  Check(X509_sign(ca, ca_key, EVP_sha256()) > 0, "sign CA");

  EVP_PKEY* key = NewKey();
  X509* leaf = NewCert(dns_names.empty() ? "localhost" : dns_names.front().c_str(), key, 2);
  Check(X509_set_issuer_name(leaf, X509_get_subject_name(ca)) == 1, "issuer");
  std::string san = "IP:127.0.0.1";
  for (const auto& n : dns_names) san += ",DNS:" + n;
  AddExt(leaf, ca, NID_basic_constraints, "critical,CA:FALSE");
  AddExt(leaf, ca, NID_ext_key_usage, "serverAuth");
  AddExt(leaf, ca, NID_subject_alt_name, san);
  Check(X509_sign(leaf, ca_key, EVP_sha256()) > 0, "sign leaf");

  ca_cert_pem_ = Pem(ca);
  server_cert_pem_ = Pem(leaf);
  server_key_pem_ = Pem(key);
  X509_free(leaf);
  X509_free(ca);
  EVP_PKEY_free(key);
  EVP_PKEY_free(ca_key);

  ca_cert_path_ = dir_ + "/ca.pem";
  server_cert_path_ = dir_ + "/server.pem";
  server_key_path_ = dir_ + "/server-key.pem";
  WriteFile(ca_cert_path_, ca_cert_pem_);
  WriteFile(server_cert_path_, server_cert_pem_);
  WriteFile(server_key_path_, server_key_pem_);
}

TestCa::~TestCa() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace zroute::testing
