// CertificateAuthority: a self-signed CA that issues the webhook's TLS serving certificate.
//
// The API server calls the webhook at https://<svc>.<ns>.svc and trusts it through the caBundle
// of the MutatingWebhookConfiguration, so the operator runs its own small CA instead of depending
// on a certificate manager being installed. Keys are EC P-256 (default) or RSA 2048; signatures
// SHA-256. Validity starts kClockSkewAllowance before the clock's WallNow() so that an API server
// whose clock lags slightly still accepts a fresh certificate.
//
// A CertificateAuthority is immutable after construction and safe to use from several threads.
// The Clock must outlive it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/clock.h"
#include "common/util/status.h"
#include "operator/webhook/openssl_pem.h"

namespace zroute::webhook {

enum class KeyAlgorithm { kEcP256, kRsa2048 };

inline constexpr Duration kClockSkewAllowance = std::chrono::minutes(5);

struct ServingCertificateRequest {
  std::vector<std::string> dns_names;     // lowercase RFC 1123 names; the first is the subject CN
  std::vector<std::string> ip_addresses;  // optional IPv4/IPv6 literals
  Duration validity = std::chrono::hours(24 * 365);
  KeyAlgorithm key_algorithm = KeyAlgorithm::kEcP256;
};

// <svc>, <svc>.<ns>, <svc>.<ns>.svc, <svc>.<ns>.svc.cluster.local.
std::vector<std::string> ServiceDnsNames(std::string_view service, std::string_view ns);

class CertificateAuthority {
 public:
  static StatusOr<CertificateAuthority> Generate(const std::string& common_name, Duration validity,
                                                 const Clock& clock, KeyAlgorithm algorithm = KeyAlgorithm::kEcP256);
  // Loads an existing CA (from the stored Secret); fails unless the key matches and the
  // certificate is a CA.
  static StatusOr<CertificateAuthority> FromPem(const PemKeyPair& pem, const Clock& clock);

  // A serving certificate (serverAuth) for the request's names, signed by this CA. Its notAfter is
  // capped at the CA's notAfter: a leaf that outlives its issuer would fail verification anyway.
  StatusOr<PemKeyPair> IssueServingCertificate(const ServingCertificateRequest& request) const;

  const PemKeyPair& pem() const { return pem_; }

 private:
  CertificateAuthority(std::shared_ptr<X509> cert, std::shared_ptr<EVP_PKEY> key, PemKeyPair pem, const Clock& clock)
      : cert_(std::move(cert)), key_(std::move(key)), pem_(std::move(pem)), clock_(&clock) {}

  std::shared_ptr<X509> cert_;
  std::shared_ptr<EVP_PKEY> key_;
  PemKeyPair pem_;
  const Clock* clock_;
};

}  // namespace zroute::webhook
