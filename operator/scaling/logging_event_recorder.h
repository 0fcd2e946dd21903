// LoggingEventRecorder: the ScalingEventRecorder of standalone mode, where there is no Kubernetes
// Event API. Each event becomes one structured log line (component "scaling"): Normal events at
// info, Warning events at warn, with the policy, type, reason and message as fields.
// Threads: thread-safe (logging is). Stateless.
#pragma once

#include "operator/scaling/scaling_sink.h"

namespace zroute::scaling {

class LoggingEventRecorder final : public ScalingEventRecorder {
 public:
  void Record(const ScalingEvent& event) override;
};

}  // namespace zroute::scaling
