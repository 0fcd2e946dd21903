// KubeCaBundlePatcher: the webhook's CaBundlePatcher over the MutatingWebhookConfiguration
// (admissionregistration.k8s.io/v1, cluster-scoped) that routes pod admissions to the operator.
//
// CurrentCaBundle: the decoded PEM when every webhook of the configuration carries the same
// clientConfig.caBundle; "" when any of them has none or they differ (so the manager patches them
// all). kFailedPrecondition when the configuration has no webhooks; kNotFound when it is missing
// (the chart creates it; the operator never does).
// PatchCaBundle: one JSON Patch (RFC 6902) that, for each webhook i, tests /webhooks/i/name
// against the name read just before and adds /webhooks/i/clientConfig/caBundle (add replaces an
// existing member and creates a missing one; replace would fail on a configuration the chart left
// without caBundle). A configuration edited in between fails the test (422, kInvalidArgument):
// the manager retries on its next run. The chart's RBAC grants get and patch on this one name.
//
// Thread-safe (no state beyond the constructor's). `client` must outlive the patcher.
#pragma once

#include <string>

#include "operator/kube/kube_client.h"
#include "operator/webhook/certificate_manager.h"

namespace zroute::cluster {

inline const kube::GroupVersionResource kMutatingWebhookConfigurationsGvr{"admissionregistration.k8s.io", "v1",
                                                                          "mutatingwebhookconfigurations"};

class KubeCaBundlePatcher final : public webhook::CaBundlePatcher {
 public:
  KubeCaBundlePatcher(kube::KubeClient& client, std::string config_name);

  StatusOr<std::string> CurrentCaBundle() override;
  Status PatchCaBundle(const std::string& ca_bundle_pem) override;

 private:
  StatusOr<kube::Json> Webhooks();

  kube::KubeClient& client_;
  const kube::ResourceRef ref_;
};

}  // namespace zroute::cluster
