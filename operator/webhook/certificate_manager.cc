#include "operator/webhook/certificate_manager.h"

#include <utility>

#include "operator/webhook/certificate_checks.h"

namespace zroute::webhook {

CertificateManager::CertificateManager(CertificateStore& store, CaBundlePatcher& patcher, const Clock& clock,
                                       CertificateManagerOptions options)
    : store_(store), patcher_(patcher), clock_(clock), options_(std::move(options)) {}

StatusOr<PemKeyPair> CertificateManager::IssueServing(const CertificateAuthority& ca) const {
  ServingCertificateRequest request;
  request.dns_names = ServiceDnsNames(options_.service_name, options_.service_namespace);
  request.validity = options_.serving_validity;
  request.key_algorithm = options_.key_algorithm;
  return ca.IssueServingCertificate(request);
}

bool CertificateManager::ServingIsUsable(const CertificateBundle& bundle) const {
  const WallTime now = clock_.WallNow();
  if (NeedsRenewal(bundle.serving.cert_pem, now, options_.serving_renew_before)) return false;
  if (!CheckKeyPair(bundle.serving).ok()) return false;
  const std::string host = options_.service_name + "." + options_.service_namespace + ".svc";
  if (!VerifyIssuedBy(bundle.serving.cert_pem, bundle.ca.cert_pem, now, host).ok()) return false;
  StatusOr<CertificateInfo> info = InspectCertificate(bundle.serving.cert_pem);
  return info.ok() && info->dns_names == ServiceDnsNames(options_.service_name, options_.service_namespace);
}

StatusOr<EnsureResult> CertificateManager::EnsureFresh() {
  const WallTime now = clock_.WallNow();
  ZR_ASSIGN_OR_RETURN(std::optional<CertificateBundle> stored, store_.Load());

  EnsureResult result;
  std::optional<CertificateAuthority> ca;
  if (stored) {
    StatusOr<CertificateAuthority> loaded = CertificateAuthority::FromPem(stored->ca, clock_);
    if (loaded.ok() && !NeedsRenewal(stored->ca.cert_pem, now, options_.ca_renew_before)) ca = std::move(*loaded);
    result.bundle = *stored;
  }

  if (!ca) {
    ZR_ASSIGN_OR_RETURN(CertificateAuthority fresh,
                        CertificateAuthority::Generate("zroute-webhook-ca", options_.ca_validity, clock_,
                                                       options_.key_algorithm));
    // The outgoing CA stays trusted while it is still valid (it signed the certificate the
    // replicas serve until they reload); an unparsable or expired one is dropped.
    std::string previous;
    if (stored && InspectCertificate(stored->ca.cert_pem).ok() && !NeedsRenewal(stored->ca.cert_pem, now, Duration(0))) {
      previous = stored->ca.cert_pem;
    }
    result.bundle = CertificateBundle{fresh.pem(), {}, std::move(previous)};
    result.ca_rotated = true;
    ca = std::move(fresh);
  } else if (!result.bundle.previous_ca_cert_pem.empty() &&
             NeedsRenewal(result.bundle.previous_ca_cert_pem, now, Duration(0))) {
    result.bundle.previous_ca_cert_pem.clear();  // expired: nothing it signed is valid any more
  }

  if (result.ca_rotated || !ServingIsUsable(result.bundle)) {
    ZR_ASSIGN_OR_RETURN(result.bundle.serving, IssueServing(*ca));
    result.serving_renewed = true;
  }

  const std::string desired = result.bundle.CaBundle();
  ZR_ASSIGN_OR_RETURN(std::string current, patcher_.CurrentCaBundle());
  // Trust first, then serve: with a new CA the caBundle is patched before the bundle is saved.
  if (current != desired && result.ca_rotated) {
    ZR_RETURN_IF_ERROR(patcher_.PatchCaBundle(desired).WithContext("patching caBundle"));
    result.ca_bundle_patched = true;
  }
  if (!stored || !(*stored == result.bundle)) {
    ZR_RETURN_IF_ERROR(store_.Save(result.bundle).WithContext("saving webhook certificates"));
  }
  if (current != desired && !result.ca_bundle_patched) {
    ZR_RETURN_IF_ERROR(patcher_.PatchCaBundle(desired).WithContext("patching caBundle"));
    result.ca_bundle_patched = true;
  }
  return result;
}

}  // namespace zroute::webhook
