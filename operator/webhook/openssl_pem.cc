#include "operator/webhook/openssl_pem.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <ctime>

namespace zroute::webhook {
namespace {

struct BioDeleter {
  void operator()(BIO* p) const { BIO_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

BioPtr ReadBio(const std::string& data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string DrainMemBio(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

Status OpenSslError(const std::string& what) {
  std::string message = what;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    message += "; ";
    message += buf;
  }
  return Status::Internal(message);
}

StatusOr<X509Ptr> ParseCertificatePem(const std::string& pem) {
  if (pem.size() > (1 << 20)) return Status::InvalidArgument("certificate PEM over 1 MiB");
  BioPtr bio = ReadBio(pem);
  if (!bio) return OpenSslError("BIO_new_mem_buf");
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    Status s = OpenSslError("not a PEM certificate");
    return Status::InvalidArgument(s.message());
  }
  return cert;
}

StatusOr<EvpPkeyPtr> ParsePrivateKeyPem(const std::string& pem) {
  if (pem.size() > (1 << 20)) return Status::InvalidArgument("private key PEM over 1 MiB");
  BioPtr bio = ReadBio(pem);
  if (!bio) return OpenSslError("BIO_new_mem_buf");
  // An empty passphrase callback result makes an encrypted key fail instead of prompting on a tty.
  pem_password_cb* no_password = [](char*, int, int, void*) { return 0; };
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
  if (!key) {
    Status s = OpenSslError("not a PEM private key");
    return Status::InvalidArgument(s.message());
  }
  return key;
}

StatusOr<std::string> CertificateToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return OpenSslError("PEM_write_bio_X509");
  return DrainMemBio(bio.get());
}

StatusOr<std::string> PrivateKeyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError("PEM_write_bio_PrivateKey");
  }
  return DrainMemBio(bio.get());
}

WallTime Asn1TimeToWallTime(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return WallTime{};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

Status CheckKeyPair(const PemKeyPair& pair) {
  ZR_ASSIGN_OR_RETURN(X509Ptr cert, ParseCertificatePem(pair.cert_pem));
  ZR_ASSIGN_OR_RETURN(EvpPkeyPtr key, ParsePrivateKeyPem(pair.key_pem));
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    Status s = OpenSslError("the private key does not match the certificate");
    return Status::InvalidArgument(s.message());
  }
  return Status::OK();
}

}  // namespace zroute::webhook
