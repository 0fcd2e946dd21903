// KubeCertificateStore: the webhook's CertificateStore, kept in one Secret of type
// kubernetes.io/tls in the operator's namespace. Keys (values base64 as the API requires):
//   tls.crt, tls.key     the serving certificate and key (what every replica serves; also the
//                        layout cert-manager writes, so external mode reads the same keys)
//   ca.crt, ca.key       the operator's CA
//   ca-previous.crt      the CA being phased out ("" when none)
//
// Load: a missing Secret is nullopt. A Secret that exists but holds something unusable (missing
// keys, bad base64, not PEM) loads as a bundle with those fields empty or as found: the
// CertificateManager treats that as garbage and replaces it. Only API errors are errors.
// Save: creates the Secret when the last Load found none, else updates the object the last Load
// returned, guarded by its resourceVersion (other keys, labels and annotations are kept). A writer
// that lost the race (409 AlreadyExists or Conflict) gets kConflict; Load again before retrying.
//
// Thread-safe (mu_ guards the last loaded object). `client` must outlive the store.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "operator/kube/kube_client.h"
#include "operator/webhook/certificate_manager.h"

namespace zroute::cluster {

inline const kube::GroupVersionResource kSecretsGvr{"", "v1", "secrets"};

inline constexpr char kTlsCertKey[] = "tls.crt";
inline constexpr char kTlsKeyKey[] = "tls.key";
inline constexpr char kCaCertKey[] = "ca.crt";
inline constexpr char kCaKeyKey[] = "ca.key";
inline constexpr char kPreviousCaCertKey[] = "ca-previous.crt";

// The serving pair (tls.crt, tls.key) of a Secret object; nullopt when either key is missing or
// empty or not base64. The PEM itself is not checked here (WebhookServer::SetCertificate does).
std::optional<webhook::PemKeyPair> ServingPairFromSecret(const kube::Json& secret);

class KubeCertificateStore final : public webhook::CertificateStore {
 public:
  KubeCertificateStore(kube::KubeClient& client, std::string ns, std::string name);

  StatusOr<std::optional<webhook::CertificateBundle>> Load() override;
  Status Save(const webhook::CertificateBundle& bundle) override;

  // GET of the Secret as the API returns it (kNotFound when missing); does not change what Save
  // writes over.
  StatusOr<kube::Json> Fetch() const;

 private:
  kube::KubeClient& client_;
  const kube::ResourceRef ref_;
  std::mutex mu_;                     // guards last_
  std::optional<kube::Json> last_;  // the Secret as the last Load saw it; nullopt: none existed
};

}  // namespace zroute::cluster
