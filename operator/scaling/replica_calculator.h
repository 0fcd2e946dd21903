// ReplicaCalculator: turns one app's load into a recommended replica count for one ScalingPolicy.
//
// Steps of Compute (docs/autoscaling.md explains them for users):
//  1. Demand, in replicas (unrounded):
//       by lag  = (lag + in_flight) / targetLagPerReplica
//       by rate = arrival_rate / targetEventsPerSecondPerReplica   (only when that target > 0)
//       demand  = max(by lag, by rate);  raw desired = ceil(demand)
//  2. Tolerance: when current > 0 and |demand / current - 1| <= tolerance, desired = current.
//  3. Activation (minReplicas == 0 only): from 0 replicas, desired stays 0 unless
//     lag > activationLag, and is then at least 1. Above 0, desired falls to 0 only when lag and
//     in-flight are both 0 (and no rate demand); step 4 then holds it for the scale-down window.
//  4. Stabilization: desired is recorded with its time. The recommendation moves from current up
//     to at most the MIN of the recommendations in the scale-up window, or down to at least the MAX
//     of those in the scale-down window. The first Compute seeds the history with current, so a new
//     calculator (operator restart, new policy) does not scale down before one window has passed.
//  5. Clamp to [minReplicas, maxReplicas].
//
// Threads: not thread-safe; one calculator per policy, owned and called by one thread (the
// scaling controller holds it under its mutex). Lifetime: the Clock must outlive it.
#pragma once

#include <deque>
#include <string>

#include "common/resources/resource_model.h"
#include "common/util/clock.h"
#include "operator/scaling/app_load.h"

namespace zroute::scaling {

// Reasons, as CamelCase constants shared by status conditions, events and tests.
namespace reason {
inline constexpr const char* kScaleUp = "ScaleUp";
inline constexpr const char* kScaleDown = "ScaleDown";
inline constexpr const char* kSteady = "Steady";
inline constexpr const char* kWithinTolerance = "WithinTolerance";
inline constexpr const char* kScaleUpLimitedByWindow = "ScaleUpLimitedByWindow";
inline constexpr const char* kScaleDownLimitedByWindow = "ScaleDownLimitedByWindow";
inline constexpr const char* kAtMaxReplicas = "AtMaxReplicas";
inline constexpr const char* kAtMinReplicas = "AtMinReplicas";
inline constexpr const char* kBelowActivationLag = "BelowActivationLag";
inline constexpr const char* kActivated = "Activated";
inline constexpr const char* kScaledToZero = "ScaledToZero";
inline constexpr const char* kNoTarget = "NoTarget";
}  // namespace reason

struct Recommendation {
  int recommended_replicas = 0;  // what the target should run now
  int raw_desired_replicas = 0;  // step 1 only: ceil(demand), before tolerance, windows, clamp
  int current_replicas = 0;      // the input current count
  double demand = 0;             // step 1, unrounded
  AppLoad inputs;                // the load the recommendation was computed from
  std::string reason;            // one of reason::*
  std::string message;           // one human-readable sentence with the numbers
  MonoTime computed_at{};
  bool operator==(const Recommendation&) const = default;
};

class ReplicaCalculator {
 public:
  explicit ReplicaCalculator(const Clock& clock) : clock_(clock) {}

  // Computes a recommendation at clock.Now() and records it in the history.
  // REQUIRES: current_replicas >= 0. A spec with min > max or no positive target is not
  // rejected here (the controller validates): it yields current clamped, reason NoTarget.
  Recommendation Compute(const ScalingPolicySpec& spec, const AppLoad& load, int current_replicas);

  // Forgets the history (the policy's target or app changed).
  void Reset() { history_.clear(); }

  struct Sample {
    MonoTime at;
    int replicas;
    bool scale_down_only;  // the seed: holds scale-down back, must not hold scale-up back
  };
  const std::deque<Sample>& history() const { return history_; }

 private:
  void Trim(const ScalingPolicySpec& spec, MonoTime now);

  const Clock& clock_;
  std::deque<Sample> history_;  // oldest first; desired (after steps 2-3) per Compute
};

}  // namespace zroute::scaling
