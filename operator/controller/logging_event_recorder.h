// LoggingEventRecorder: the EventRecorder of standalone mode, where there is no Event API. Each
// event is one structured log line (component "events"): Normal at info, Warning at warn, with the
// object, reason and message as fields. No rate limiting or aggregation.
// Threads: thread-safe (logging is). Stateless.
#pragma once

#include "operator/controller/event_recorder.h"

namespace zroute {

class LoggingEventRecorder final : public EventRecorder {
 public:
  void Record(const InvolvedObject& object, EventType type, const std::string& reason,
              const std::string& message) override;
};

}  // namespace zroute
