// InjectorConfig: cluster-wide settings for sidecar injection, set once from the operator's flags
// (or Helm values) and read by every admission review. A plain value; copy freely.
#pragma once

#include <cstdint>
#include <string>

namespace zroute::webhook {

struct InjectorConfig {
  std::string sidecar_image = "zroute/zroute-sidecar:latest";
  std::string image_pull_policy = "IfNotPresent";
  // Kubernetes quantities. A pod's zroute.io/sidecar-cpu / -memory annotation replaces both the
  // request and the limit of that resource.
  std::string cpu_request = "50m";
  std::string cpu_limit = "500m";
  std::string memory_request = "64Mi";
  std::string memory_limit = "256Mi";
  // The operator's control-plane endpoint the sidecar registers with (--operator).
  std::string operator_address = "tcp://zroute-operator.zroute-system.svc:7400";
  // The operator's CURVE public key (Z85), given to every sidecar as ZROUTE_OPERATOR_PUBLIC_KEY;
  // empty = the sidecars run without CURVE (docs/security.md).
  std::string operator_public_key;
  // emptyDir sizeLimit of the outbox volume unless the pod names one (zroute.io/outbox-size).
  std::string default_outbox_size = "1Gi";
  std::string default_log_level = "info";
  // The sidecar's drain time: the pod's terminationGracePeriodSeconds is raised to at least this.
  std::int64_t termination_grace_seconds = 30;
  // The cluster's Kubernetes minor version (1.<minor>); >= 29 injects a native sidecar.
  int kubernetes_minor = 29;
};

// First minor version where native sidecars (init containers with restartPolicy Always) are on by
// default.
inline constexpr int kNativeSidecarMinMinor = 29;

}  // namespace zroute::webhook
