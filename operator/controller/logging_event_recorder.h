// LoggingEventRecorder: an EventRecorder that writes each event as one structured log line
// (component "event"): Normal at info, Warning at warn, with the object, reason and message.
// Used where no Kubernetes Event API is wired (standalone mode; cluster mode until the Kubernetes
// recorder replaces it). Threads: thread-safe (logging is). Stateless.
#pragma once

#include "operator/controller/event_recorder.h"

namespace zroute {

class LoggingEventRecorder final : public EventRecorder {
 public:
  void Record(const InvolvedObject& object, EventType type, const std::string& reason,
              const std::string& message) override;
};

}  // namespace zroute
