// ScalingController: evaluates every ScalingPolicy on each tick and hands on the results.
//
// On Tick(), for each policy (keyed by "namespace/name"):
//  1. reads the app's load from the LoadAggregator (app = policy namespace + spec.appId);
//  2. reads the current replica count: from the ScaleTarget when there is one, otherwise (standalone
//     mode) the number of the app's consumer sidecars that are reporting;
//  3. computes a Recommendation with the policy's own ReplicaCalculator (history kept across ticks);
//  4. in mode apply, calls ScaleTarget::SetReplicas only when the recommendation differs from the
//     current count, and records a SuccessfulRescale / FailedRescale event;
//     in mode hint, records a RecommendationChanged event when the recommendation moves;
//  5. passes a ScalingOutcome to the ScalingSink (status and metrics).
// Warnings (FailedGetScale, FailedRescale, CannotApply) are recorded when they first occur or their
// message changes, not on every tick. Apply mode without a ScaleTarget still produces hints, with a
// FailedPrecondition status.
//
// Threads: all methods are thread-safe; mu_ serialises them, and is held while calling the sink,
// the event recorder and the scale target (so an outcome is never delivered for a policy after its
// OnPolicyRemoved). Those must not call back into the controller.
// Lifetime: clock, aggregator, sink, events and target (if not null) must outlive the controller.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/resources/resource_model.h"
#include "common/util/clock.h"
#include "common/util/status.h"
#include "operator/scaling/load_aggregator.h"
#include "operator/scaling/replica_calculator.h"
#include "operator/scaling/scale_target.h"
#include "operator/scaling/scaling_sink.h"

namespace zroute::scaling {

// The checks the calculation relies on: appId set, 0 <= min <= max, max >= 1, finite non-negative
// targets with at least one positive, finite tolerance >= 0, non-negative windows.
Status CheckScalingPolicySpec(const ScalingPolicySpec& spec);

class ScalingController {
 public:
  // `target` may be null: standalone mode, hints only.
  ScalingController(const Clock& clock, const LoadAggregator& aggregator, ScalingSink& sink,
                    ScalingEventRecorder& events, ScaleTarget* target);

  ScalingController(const ScalingController&) = delete;
  ScalingController& operator=(const ScalingController&) = delete;

  // Adds or replaces the policy with key policy.meta.Key(). Its recommendation history is kept
  // across spec updates unless the app-id or the scale target changes.
  // InvalidArgument (nothing changes) when CheckScalingPolicySpec fails.
  Status UpsertPolicy(const ScalingPolicy& policy);

  // Removes the policy; the sink gets OnPolicyRemoved and no further outcome for it.
  // Returns false when the key was unknown.
  bool RemovePolicy(const std::string& policy_key);

  // Evaluates every policy at clock.Now(). Called periodically by the operator (a report interval).
  void Tick();

  // The last recommendation computed for the policy, if any.
  std::optional<Recommendation> LastRecommendation(const std::string& policy_key) const;
  std::vector<std::string> PolicyKeys() const;

 private:
  struct PolicyState {
    explicit PolicyState(const Clock& clock) : calculator(clock) {}
    ScalingPolicy policy;
    ReplicaCalculator calculator;
    std::optional<Recommendation> last;
    std::string last_warning;  // reason + message of the last warning recorded, to avoid repeats
  };

  ScalingOutcome Evaluate(PolicyState& state, const std::map<AppKey, AppLoad>& loads);
  void Warn(PolicyState& state, const char* reason, const std::string& message);

  const Clock& clock_;
  const LoadAggregator& aggregator_;
  ScalingSink& sink_;
  ScalingEventRecorder& events_;
  ScaleTarget* const target_;

  mutable std::mutex mu_;  // guards policies_ and serialises calls to sink_, events_, target_
  std::map<std::string, std::unique_ptr<PolicyState>> policies_;  // by "namespace/name"
};

}  // namespace zroute::scaling
