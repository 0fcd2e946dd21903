// The Kubernetes objects the injector adds to a pod: the sidecar container, the outbox volume and
// the environment every app container gets. Pure builders over InjectionSpec + InjectorConfig;
// they never look at the pod (the injector decides where things go). Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "operator/webhook/injection_annotations.h"
#include "operator/webhook/injector_config.h"

namespace zroute::webhook {

inline constexpr char kSidecarContainerName[] = "zroute-sidecar";
inline constexpr char kOutboxVolumeName[] = "zroute-outbox";
inline constexpr char kOutboxMountPath[] = "/var/lib/zroute/outbox";
inline constexpr int kSidecarHttpPort = 3500;
inline constexpr int kSidecarDataPort = 3600;
// GET /metrics, /healthz, /readyz on the pod IP: the API port listens on loopback only.
inline constexpr int kSidecarMetricsPort = 3501;
inline constexpr char kSidecarMetricsPortName[] = "zroute-metrics";
inline constexpr int kSidecarUid = 65532;
// Environment the injector adds to every app container so the app finds its sidecar.
inline constexpr char kEnvHttpPort[] = "ZROUTE_HTTP_PORT";
inline constexpr char kEnvPublishUrl[] = "ZROUTE_PUBLISH_URL";
// Environment of the sidecar holding the API token when zroute.io/api-token-secret is set.
inline constexpr char kEnvApiToken[] = "ZROUTE_API_TOKEN";
inline constexpr char kEnvOperatorPublicKey[] = "ZROUTE_OPERATOR_PUBLIC_KEY";
inline constexpr char kApiTokenSecretKey[] = "token";

// The sidecar container. `native` makes it an init container entry with restartPolicy Always and a
// startup probe (Kubernetes >= 1.29), otherwise a plain app-style container.
nlohmann::json BuildSidecarContainer(const InjectionSpec& spec, const InjectorConfig& config, bool native);

// The `zroute-outbox` volume: the named PersistentVolumeClaim, or an emptyDir with a size limit.
nlohmann::json BuildOutboxVolume(const InjectionSpec& spec);

// {"name": ..., "value": ...} entries for ZROUTE_HTTP_PORT and ZROUTE_PUBLISH_URL.
nlohmann::json AppEnvironment();

}  // namespace zroute::webhook
