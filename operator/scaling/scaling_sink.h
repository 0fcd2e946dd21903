// The scaling controller's outputs: ScalingSink (status + metrics) and ScalingEventRecorder
// (Kubernetes Events, or log lines in standalone mode). Implemented by the operator.
//
// Threads: the controller calls both from its tick (or from RemovePolicy) with its own mutex
// held; implementations must not call back into the controller and should return quickly.
#pragma once

#include <optional>
#include <string>

#include "common/resources/resource_model.h"
#include "common/util/status.h"
#include "operator/scaling/replica_calculator.h"

namespace zroute::scaling {

// Where the current replica count came from.
enum class ReplicaSource {
  kScaleTarget,        // ScaleTarget::GetReplicas
  kReportingSidecars,  // the number of consumer sidecars reporting (standalone, first tick)
  kLastRecommendation, // standalone after the first tick: the hint itself (see ScalingController)
};

// The result of one policy's evaluation on one tick.
struct ScalingOutcome {
  std::string policy_key;  // "namespace/name" of the ScalingPolicy
  std::string namespace_;
  std::string app_id;
  ScalingMode mode = ScalingMode::kHint;
  // Absent when no recommendation could be computed (the current count could not be read).
  std::optional<Recommendation> recommendation;
  ReplicaSource replica_source = ReplicaSource::kReportingSidecars;
  // True when SetReplicas was called on this tick and succeeded.
  bool applied = false;
  // OK, or why reading or applying failed (the recommendation, if any, is still valid).
  Status status;
};

class ScalingSink {
 public:
  virtual ~ScalingSink() = default;
  // Once per policy per tick.
  virtual void OnOutcome(const ScalingOutcome& outcome) = 0;
  // The policy was removed: drop its status and metric series. No outcome for it follows.
  virtual void OnPolicyRemoved(const std::string& policy_key, const std::string& namespace_,
                               const std::string& app_id) = 0;
};

struct ScalingEvent {
  std::string policy_key;  // the involved ScalingPolicy, "namespace/name"
  std::string type;        // kEventNormal or kEventWarning
  std::string reason;      // CamelCase, one of the kEvent* reasons below
  std::string message;
  bool operator==(const ScalingEvent&) const = default;
};

inline constexpr const char* kEventNormal = "Normal";
inline constexpr const char* kEventWarning = "Warning";
inline constexpr const char* kEventSuccessfulRescale = "SuccessfulRescale";
inline constexpr const char* kEventFailedRescale = "FailedRescale";
inline constexpr const char* kEventFailedGetScale = "FailedGetScale";
inline constexpr const char* kEventRecommendationChanged = "RecommendationChanged";
inline constexpr const char* kEventCannotApply = "CannotApply";

class ScalingEventRecorder {
 public:
  virtual ~ScalingEventRecorder() = default;
  virtual void Record(const ScalingEvent& event) = 0;
};

}  // namespace zroute::scaling
