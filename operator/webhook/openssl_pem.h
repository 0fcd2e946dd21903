// Owning handles for OpenSSL objects and PEM conversion, shared by the certificate authority, the
// certificate checks and the HTTPS server.
//
// Every failure is a Status carrying OpenSSL's error text; the thread's OpenSSL error queue is
// cleared on the way out so that a stale entry never misleads a later TLS call on the same thread.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "common/util/clock.h"
#include "common/util/status.h"

namespace zroute::webhook {

struct X509Deleter {
  void operator()(X509* p) const { X509_free(p); }
};
struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// A certificate and its private key, both PEM ("-----BEGIN CERTIFICATE-----", PKCS#8 key).
struct PemKeyPair {
  std::string cert_pem;
  std::string key_pem;
  bool operator==(const PemKeyPair&) const = default;
};

// The first certificate of `pem`.
StatusOr<X509Ptr> ParseCertificatePem(const std::string& pem);
StatusOr<EvpPkeyPtr> ParsePrivateKeyPem(const std::string& pem);
StatusOr<std::string> CertificateToPem(X509* cert);
StatusOr<std::string> PrivateKeyToPem(EVP_PKEY* key);

// Status with `what` plus the drained OpenSSL error queue.
Status OpenSslError(const std::string& what);

WallTime Asn1TimeToWallTime(const ASN1_TIME* t);

// Parses both PEMs and checks that the key belongs to the certificate.
Status CheckKeyPair(const PemKeyPair& pair);

}  // namespace zroute::webhook
