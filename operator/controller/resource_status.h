// Resource status: what the operator reports in `.status` of a Topic, Subscription or
// ScalingPolicy, computed from what it knows (docs/kubernetes.md, "Status"). Pure: no Kubernetes
// I/O, no clock (the caller passes `now`), so the same inputs always give the same status.
//
// Every kind gets `observedGeneration` and a `conditions` list (type, status, reason, message,
// observedGeneration, lastTransitionTime). A condition's lastTransitionTime is kept from the
// current status while its status (True/False/Unknown) does not change, so a status computed
// twice from the same world is equal to the first, and the writer sends nothing.
//
//   Topic:         Valid, Ready; subscriptions (count), publishers (app-ids that report backlog
//                  for one of its subscriptions).
//   Subscription:  Valid, TopicFound, EndpointsReady, Ready; readyReplicas, lag.
//   ScalingPolicy: Valid, AbleToScale, Ready; recommendedReplicas, desiredReplicas, reason,
//                  inputs{lag, eventsPerSecond, currentReplicas, readyReplicas}, lastScaleTime.
//
// Lag and rates change on every load report; written as they are they would make a status write
// per object per tick. They are rounded down to 1-2-5 steps (RoundForStatus): a steady system
// writes nothing, a moving one writes when the lag crosses a step. The exact figures are on
// /metrics. Every field written here is in the CRD's status schema (an unknown field would be
// pruned by the API server and the operator would write it again on every pass).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/routing/routing_table.h"
#include "common/util/clock.h"
#include "common/util/status.h"
#include "operator/controlplane/membership.h"

namespace zroute {

enum class ResourceKind { kTopic, kSubscription, kScalingPolicy };

// "Topic", "Subscription", "ScalingPolicy" (the Kubernetes kind) and the metric label
// ("topic", "subscription", "scalingpolicy").
const char* KindName(ResourceKind kind);
const char* KindLabel(ResourceKind kind);

// Condition types and reasons: the one place they are spelled.
namespace condition {
inline constexpr const char* kValid = "Valid";
inline constexpr const char* kTopicFound = "TopicFound";
inline constexpr const char* kEndpointsReady = "EndpointsReady";
inline constexpr const char* kAbleToScale = "AbleToScale";
inline constexpr const char* kReady = "Ready";

inline constexpr const char* kReasonValid = "Valid";
inline constexpr const char* kReasonInvalid = "Invalid";
inline constexpr const char* kReasonTopicFound = "TopicFound";
inline constexpr const char* kReasonTopicNotFound = "TopicNotFound";
inline constexpr const char* kReasonEndpointsReady = "EndpointsReady";
inline constexpr const char* kReasonNoReadyEndpoints = "NoReadyEndpoints";
inline constexpr const char* kReasonRouted = "Routed";
inline constexpr const char* kReasonPending = "Pending";
inline constexpr const char* kReasonRecommending = "Recommending";
inline constexpr const char* kReasonNoRecommendation = "NoRecommendation";
inline constexpr const char* kReasonFailedGetScale = "FailedGetScale";
inline constexpr const char* kReasonReady = "Ready";
}  // namespace condition

struct StatusInputs {
  ResourceKind kind = ResourceKind::kSubscription;
  // The object as the API serves it: metadata (generation), spec, and the current status.
  const nlohmann::json* object = nullptr;
  Status validation;  // OK, or why the operator leaves the object out
  // The control plane's view. A null table or members list counts as empty.
  const RoutingTable* table = nullptr;
  const std::vector<Member>* members = nullptr;
  // Subscription lag by "ns/name" (SubscriptionLag of the members); null counts as none.
  const std::map<std::string, double>* lag = nullptr;
  // ScalingPolicy: the policy's latest outcome as ScalingService::StatusJson() lists it; null
  // when there is none yet.
  const nlohmann::json* scaling_outcome = nullptr;
  WallTime now{};
};

// The desired `.status` object. REQUIRES: inputs.object non-null.
nlohmann::json ComputeStatus(const StatusInputs& inputs);

// False while the control plane's table has not caught up with a valid Topic or Subscription yet
// (absent, or built from another metadata.generation): the table is rebuilt asynchronously after
// each resource change, and a status computed from the old one would flap (e.g. TopicNotFound for
// a topic created together with the subscription). Always true for invalid objects and policies.
bool TableReflects(ResourceKind kind, const nlohmann::json& object, const Status& validation, const RoutingTable* table);

// Lag summed per subscription ("ns/name") over every member's load report (backlog in publishers'
// outboxes). Malformed entries are skipped.
std::map<std::string, double> SubscriptionLag(const std::vector<Member>& members);

// Rounds a non-negative figure down to 0, 1, 2, 5, 10, 20, 50, ... (NaN and negatives → 0).
int64_t RoundForStatus(double value);

// A merge patch for the status subresource that turns `current` into `desired`: {"status": desired}
// plus null for every top-level field `current` has and `desired` does not.
nlohmann::json StatusMergePatch(const nlohmann::json& current, const nlohmann::json& desired);

// An Event the writer records after a status write that made a transition.
struct StatusEvent {
  bool warning = false;
  std::string reason;
  std::string message;
  bool operator==(const StatusEvent&) const = default;
};

// Transitions from `current` to `desired` that deserve an Event: Valid → False (Invalid),
// TopicFound → False (TopicNotFound), Ready → True (Ready) and Ready True → False (NotReady).
std::vector<StatusEvent> TransitionEvents(const nlohmann::json& current, const nlohmann::json& desired);

// RFC 3339 in whole seconds, as Kubernetes serialises metav1.Time ("2026-12-01T18:00:00Z").
std::string FormatKubeTime(WallTime t);

}  // namespace zroute
