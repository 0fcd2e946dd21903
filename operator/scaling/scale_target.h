// ScaleTarget: reads and sets the replica count of a ScalingPolicy's target workload.
//
// The scaling controller's only way to act on a workload. In a cluster it is implemented over the
// Kubernetes /scale subresource of `ref` in `namespace_`; standalone mode has none (hint only).
// Calls may block on the network; the controller calls them from its tick, one at a time.
#pragma once

#include <string>

#include "common/resources/resource_model.h"
#include "common/util/status.h"

namespace zroute::scaling {

class ScaleTarget {
 public:
  virtual ~ScaleTarget() = default;

  // The target's desired replica count (spec.replicas of the scale subresource).
  // NotFound when the workload does not exist; Unavailable when the API cannot be reached.
  virtual StatusOr<int> GetReplicas(const std::string& namespace_, const ScaleTargetRef& ref) = 0;

  // Sets the target's desired replica count. OK once the API server accepted the write.
  virtual Status SetReplicas(const std::string& namespace_, const ScaleTargetRef& ref,
                             int replicas) = 0;
};

}  // namespace zroute::scaling
