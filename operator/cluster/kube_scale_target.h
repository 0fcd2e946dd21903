// KubeScaleTarget: scaling::ScaleTarget over the Kubernetes /scale subresource of a ScalingPolicy's
// scaleTargetRef, in the policy's namespace.
//
// Supported targets (the chart's ClusterRole grants get + patch on exactly these /scale
// subresources, nothing else):
//   apiVersion apps/v1, kind Deployment   → apps/v1 deployments/{name}/scale
//   apiVersion apps/v1, kind StatefulSet  → apps/v1 statefulsets/{name}/scale
// Any other apiVersion/kind is refused with InvalidArgument naming the supported ones.
//
// GetReplicas reads the autoscaling/v1 Scale's spec.replicas (absent means 0, as the API omits a
// zero). SetReplicas sends the merge patch {"spec":{"replicas":N}} to /scale: the API server then
// changes only spec.replicas of the workload (bumping its generation), never anything else.
// Errors keep the KubeClient mapping: NotFound when the workload does not exist, Unavailable /
// DeadlineExceeded when the API cannot be reached, PermissionDenied when RBAC forbids it,
// ResourceExhausted on 429; a Scale without a usable spec.replicas is Internal.
//
// Threads: thread-safe (stateless; the KubeClient is). Calls block on the network.
// Lifetime: `client` must outlive the target.
#pragma once

#include <string>

#include "operator/kube/kube_client.h"
#include "operator/scaling/scale_target.h"

namespace zroute::cluster {

// The resource behind a scaleTargetRef, or InvalidArgument when the kind is not supported.
StatusOr<kube::GroupVersionResource> ScaleTargetResource(const ScaleTargetRef& ref);

class KubeScaleTarget final : public scaling::ScaleTarget {
 public:
  explicit KubeScaleTarget(kube::KubeClient& client) : client_(client) {}

  StatusOr<int> GetReplicas(const std::string& namespace_, const ScaleTargetRef& ref) override;
  Status SetReplicas(const std::string& namespace_, const ScaleTargetRef& ref, int replicas) override;

 private:
  kube::KubeClient& client_;
};

}  // namespace zroute::cluster
