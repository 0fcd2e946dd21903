// EventRecorder: how the operator reports important transitions on a resource (Kubernetes Events
// in cluster mode, log lines in standalone mode). Reconcilers and the scaling controller depend on
// this interface only; implementations decide about rate limiting and aggregation.
//
// Threads: implementations are thread-safe and return quickly (no blocking network call on the
// caller's thread).
#pragma once

#include <string>

namespace zroute {

// The object an event is about (an ObjectReference in Kubernetes terms).
struct InvolvedObject {
  std::string api_version;  // e.g. "zroute.io/v1alpha1"
  std::string kind;         // "Topic", "Subscription", "ScalingPolicy", ...
  std::string namespace_;
  std::string name;
  std::string uid;  // may be empty (standalone mode)
  bool operator==(const InvolvedObject&) const = default;
};

enum class EventType { kNormal, kWarning };

class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  // `reason` is CamelCase and short ("TopicNotFound"); `message` is for humans.
  virtual void Record(const InvolvedObject& object, EventType type, const std::string& reason,
                      const std::string& message) = 0;
};

}  // namespace zroute
