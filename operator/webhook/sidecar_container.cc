#include "operator/webhook/sidecar_container.h"

#include <string>

namespace zroute::webhook {
namespace {

using json = nlohmann::json;

json FieldRefEnv(const char* name, const char* field_path) {
  return {{"name", name}, {"valueFrom", {{"fieldRef", {{"apiVersion", "v1"}, {"fieldPath", field_path}}}}}};
}

json HttpProbe(const char* path, int period_seconds, int failure_threshold) {
  // The kubelet dials the pod IP: the probes use the metrics listener (the API is on loopback).
  return {{"httpGet", {{"path", path}, {"port", kSidecarMetricsPort}, {"scheme", "HTTP"}}},
          {"periodSeconds", period_seconds},
          {"timeoutSeconds", 1},
          {"failureThreshold", failure_threshold}};
}

}  // namespace

json BuildSidecarContainer(const InjectionSpec& spec, const InjectorConfig& config, bool native) {
  json env = json::array({FieldRefEnv("POD_NAME", "metadata.name"),
                          FieldRefEnv("POD_NAMESPACE", "metadata.namespace"),
                          FieldRefEnv("POD_IP", "status.podIP")});
  if (!config.operator_public_key.empty()) {
    env.push_back({{"name", kEnvOperatorPublicKey}, {"value", config.operator_public_key}});
  }
  if (spec.api_token_secret) {
    env.push_back({{"name", kEnvApiToken},
                   {"valueFrom", {{"secretKeyRef", {{"name", *spec.api_token_secret}, {"key", kApiTokenSecretKey}}}}}});
  }

  json container = {
      {"name", kSidecarContainerName},
      {"image", config.sidecar_image},
      {"imagePullPolicy", config.image_pull_policy},
      // $(VAR) is expanded by the kubelet from the env below: the sidecar speaks for its own pod
      // and namespace, and binds the link port on every interface while telling peers the pod IP.
      {"args", json::array({"--app-id", spec.app_id, "--app-port", std::to_string(spec.app_port), "--operator",
                            config.operator_address, "--namespace", "$(POD_NAMESPACE)", "--pod", "$(POD_NAME)",
                            "--http-port", std::to_string(kSidecarHttpPort), "--data-host", "0.0.0.0",
                            "--data-advertise-host", "$(POD_IP)", "--data-port", std::to_string(kSidecarDataPort),
                            "--metrics-host", "0.0.0.0", "--metrics-port", std::to_string(kSidecarMetricsPort),
                            "--outbox-dir", kOutboxMountPath, "--log-level", spec.log_level})},
      {"ports", json::array({{{"name", "zroute-http"}, {"containerPort", kSidecarHttpPort}, {"protocol", "TCP"}},
                             {{"name", "zroute-data"}, {"containerPort", kSidecarDataPort}, {"protocol", "TCP"}},
                             {{"name", kSidecarMetricsPortName}, {"containerPort", kSidecarMetricsPort}, {"protocol", "TCP"}}})},
      {"env", std::move(env)},
      {"resources",
       {{"requests", {{"cpu", spec.cpu_request}, {"memory", spec.memory_request}}},
        {"limits", {{"cpu", spec.cpu_limit}, {"memory", spec.memory_limit}}}}},
      {"volumeMounts", json::array({{{"name", kOutboxVolumeName}, {"mountPath", kOutboxMountPath}}})},
      {"livenessProbe", HttpProbe("/healthz", 10, 3)},
      {"readinessProbe", HttpProbe("/readyz", 5, 3)},
      {"securityContext",
       {{"runAsNonRoot", true},
        {"runAsUser", kSidecarUid},
        {"runAsGroup", kSidecarUid},
        {"readOnlyRootFilesystem", true},
        {"allowPrivilegeEscalation", false},
        {"privileged", false},
        {"capabilities", {{"drop", json::array({"ALL"})}}},
        {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
      {"terminationMessagePolicy", "FallbackToLogsOnError"},
  };
  // Only when annotated: otherwise the sidecar's own defaults apply, kept in one place.
  json& args = container["args"];
  if (spec.outbox_sync) {
    args.push_back("--outbox-sync");
    args.push_back(*spec.outbox_sync);
  }
  if (spec.outbox_sync_interval) {
    // The sidecar's duration flags need a unit: a bare "10" would make it exit at start.
    args.push_back("--outbox-sync-interval");
    args.push_back(std::to_string(spec.outbox_sync_interval->count()) + "ms");
  }
  if (native) {
    // Init containers run one after another: the kubelet starts the next one (and finally the app
    // containers) only once this one's startup probe passes, so the app never starts before its
    // sidecar listens. Up to 60 s for the sidecar to open its HTTP port.
    container["restartPolicy"] = "Always";
    container["startupProbe"] = HttpProbe("/healthz", 1, 60);
  }
  return container;
}

json BuildOutboxVolume(const InjectionSpec& spec) {
  if (spec.outbox_claim) {
    return {{"name", kOutboxVolumeName}, {"persistentVolumeClaim", {{"claimName", *spec.outbox_claim}}}};
  }
  return {{"name", kOutboxVolumeName}, {"emptyDir", {{"sizeLimit", spec.outbox_size}}}};
}

json AppEnvironment() {
  return json::array({{{"name", kEnvHttpPort}, {"value", std::to_string(kSidecarHttpPort)}},
                      {{"name", kEnvPublishUrl},
                       {"value", "http://127.0.0.1:" + std::to_string(kSidecarHttpPort) + "/v1/publish"}}});
}

}  // namespace zroute::webhook
