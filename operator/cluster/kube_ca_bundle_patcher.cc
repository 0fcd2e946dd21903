#include "operator/cluster/kube_ca_bundle_patcher.h"

#include <optional>

#include "operator/kube/kube_config.h"
#include "operator/webhook/sidecar_injector.h"

namespace zroute::cluster {

KubeCaBundlePatcher::KubeCaBundlePatcher(kube::KubeClient& client, std::string config_name)
    : client_(client), ref_{kMutatingWebhookConfigurationsGvr, "", std::move(config_name)} {}

StatusOr<kube::Json> KubeCaBundlePatcher::Webhooks() {
  StatusOr<kube::Json> config = client_.Get(ref_);
  if (!config.ok()) return config.status().WithContext("reading MutatingWebhookConfiguration " + ref_.name);
  auto webhooks = config->find("webhooks");
  if (webhooks == config->end() || !webhooks->is_array() || webhooks->empty()) {
    return Status::FailedPrecondition("MutatingWebhookConfiguration " + ref_.name + " has no webhooks");
  }
  return *webhooks;
}

StatusOr<std::string> KubeCaBundlePatcher::CurrentCaBundle() {
  ZR_ASSIGN_OR_RETURN(kube::Json webhooks, Webhooks());
  std::optional<std::string> common;
  for (const kube::Json& webhook : webhooks) {
    std::string encoded;
    if (webhook.is_object()) {
      auto client_config = webhook.find("clientConfig");
      if (client_config != webhook.end() && client_config->is_object()) {
        auto bundle = client_config->find("caBundle");
        if (bundle != client_config->end() && bundle->is_string()) encoded = bundle->get<std::string>();
      }
    }
    if (common && *common != encoded) return std::string();
    common = encoded;
  }
  if (!common || common->empty()) return std::string();
  StatusOr<std::string> pem = kube::DecodeBase64(*common);
  return pem.ok() ? *pem : std::string();  // undecodable counts as unset: it gets replaced
}

Status KubeCaBundlePatcher::PatchCaBundle(const std::string& ca_bundle_pem) {
  ZR_ASSIGN_OR_RETURN(kube::Json webhooks, Webhooks());
  const std::string encoded = webhook::Base64Encode(ca_bundle_pem);
  kube::Json patch = kube::Json::array();
  for (std::size_t i = 0; i < webhooks.size(); ++i) {
    const std::string at = "/webhooks/" + std::to_string(i);
    const kube::Json& webhook = webhooks[i];
    if (!webhook.is_object() || !webhook.contains("name") || !webhook["name"].is_string()) {
      return Status::FailedPrecondition("MutatingWebhookConfiguration " + ref_.name + ": webhook " +
                                        std::to_string(i) + " has no name");
    }
    patch.push_back({{"op", "test"}, {"path", at + "/name"}, {"value", webhook["name"]}});
    if (!webhook.contains("clientConfig") || !webhook["clientConfig"].is_object()) {
      patch.push_back({{"op", "add"}, {"path", at + "/clientConfig"}, {"value", kube::Json::object()}});
    }
    patch.push_back({{"op", "add"}, {"path", at + "/clientConfig/caBundle"}, {"value", encoded}});
  }
  StatusOr<kube::Json> patched = client_.Patch(ref_, kube::PatchType::kJson, patch);
  if (!patched.ok()) return patched.status().WithContext("patching caBundle of " + ref_.name);
  return Status::OK();
}

}  // namespace zroute::cluster
