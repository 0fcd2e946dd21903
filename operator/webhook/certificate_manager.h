// CertificateManager: keeps the webhook's CA and serving certificate fresh and the webhook
// configuration's caBundle in step with them.
//
// Storage and the caBundle live in the Kubernetes API (a Secret and the
// MutatingWebhookConfiguration); this class sees them only through CertificateStore and
// CaBundlePatcher, so the renewal rules are tested with in-memory fakes and a SimulatedClock.
//
// EnsureFresh() is level-based and idempotent: call it at start-up and then periodically (hourly is
// plenty next to renewal windows of days), from the leader only. It
//   - creates a CA and serving certificate when the store holds none (or holds garbage),
//   - rotates the CA when it expires within ca_renew_before, keeping the old CA in the caBundle
//     until it expires so API servers that still hold the old bundle keep trusting the old
//     serving certificate while the new one rolls out,
//   - reissues the serving certificate when it expires within serving_renew_before, does not chain
//     to the CA, or does not name the service,
//   - patches the caBundle only when it differs from the desired one.
// When the CA rotates, the caBundle is patched before the new bundle is saved, so no replica ever
// serves a certificate the API server cannot verify yet.
//
// Not thread-safe: one caller at a time. Store, patcher and clock must outlive the manager.
#pragma once

#include <optional>
#include <string>

#include "common/util/clock.h"
#include "common/util/status.h"
#include "operator/webhook/certificate_authority.h"
#include "operator/webhook/openssl_pem.h"

namespace zroute::webhook {

// What the Secret holds.
struct CertificateBundle {
  PemKeyPair ca;
  PemKeyPair serving;
  std::string previous_ca_cert_pem;  // empty when there is none

  // The PEM the webhook configuration's caBundle should hold: the CA, then the previous CA.
  std::string CaBundle() const { return ca.cert_pem + previous_ca_cert_pem; }
  bool operator==(const CertificateBundle&) const = default;
};

class CertificateStore {
 public:
  virtual ~CertificateStore() = default;
  // nullopt when nothing is stored yet.
  virtual StatusOr<std::optional<CertificateBundle>> Load() = 0;
  // Succeeds only once the bundle is durably stored. kConflict when another writer got there first.
  virtual Status Save(const CertificateBundle& bundle) = 0;
};

class CaBundlePatcher {
 public:
  virtual ~CaBundlePatcher() = default;
  // The PEM currently in the webhook configuration ("" when unset).
  virtual StatusOr<std::string> CurrentCaBundle() = 0;
  virtual Status PatchCaBundle(const std::string& ca_bundle_pem) = 0;
};

struct CertificateManagerOptions {
  std::string service_name = "zroute-webhook";
  std::string service_namespace = "zroute-system";
  Duration ca_validity = std::chrono::hours(24 * 365 * 10);
  Duration ca_renew_before = std::chrono::hours(24 * 365);
  Duration serving_validity = std::chrono::hours(24 * 365);
  Duration serving_renew_before = std::chrono::hours(24 * 30);
  KeyAlgorithm key_algorithm = KeyAlgorithm::kEcP256;
};

struct EnsureResult {
  CertificateBundle bundle;        // what the webhook server should serve (bundle.serving)
  bool ca_rotated = false;         // a new CA was created
  bool serving_renewed = false;    // bundle.serving differs from what was stored: reload the server
  bool ca_bundle_patched = false;  // PatchCaBundle was called
};

class CertificateManager {
 public:
  CertificateManager(CertificateStore& store, CaBundlePatcher& patcher, const Clock& clock,
                     CertificateManagerOptions options);

  StatusOr<EnsureResult> EnsureFresh();

 private:
  StatusOr<PemKeyPair> IssueServing(const CertificateAuthority& ca) const;
  bool ServingIsUsable(const CertificateBundle& bundle) const;

  CertificateStore& store_;
  CaBundlePatcher& patcher_;
  const Clock& clock_;
  const CertificateManagerOptions options_;
};

}  // namespace zroute::webhook
