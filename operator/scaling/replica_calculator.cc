#include "operator/scaling/replica_calculator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace zroute::scaling {
namespace {

bool IsPositive(double target) { return std::isfinite(target) && target > 0; }

int CeilToInt(double demand) {
  // Demand may come from absurd (but valid) inputs; any value above int range means "as many as
  // allowed", which the clamp to maxReplicas turns into a real number.
  constexpr double kMax = static_cast<double>(std::numeric_limits<int>::max());
  if (!(demand > 0)) return 0;
  return demand >= kMax ? std::numeric_limits<int>::max() : static_cast<int>(std::ceil(demand));
}

std::string Describe(const Recommendation& r) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "demand %.2f replicas (lag %lld, in-flight %lld, arrival %.2f/s); desired %d, "
                "current %d, recommended %d",
                r.demand, static_cast<long long>(r.inputs.lag),
                static_cast<long long>(r.inputs.in_flight), r.inputs.arrival_rate,
                r.raw_desired_replicas, r.current_replicas, r.recommended_replicas);
  return buf;
}

}  // namespace

Recommendation ReplicaCalculator::Compute(const ScalingPolicySpec& spec, const AppLoad& load,
                                          int current_replicas) {
  const MonoTime now = clock_.Now();
  Recommendation rec;
  rec.inputs = load;
  rec.current_replicas = std::max(0, current_replicas);
  rec.computed_at = now;
  const int current = rec.current_replicas;

  const bool use_lag = IsPositive(spec.target_lag_per_replica);
  const bool use_rate = IsPositive(spec.target_events_per_second_per_replica);
  if ((!use_lag && !use_rate) || spec.min_replicas < 0 || spec.min_replicas > spec.max_replicas) {
    // Nothing sound to compute from: hold the current count, within bounds if they make sense.
    rec.recommended_replicas =
        spec.min_replicas <= spec.max_replicas && spec.min_replicas >= 0
            ? std::clamp(current, spec.min_replicas, spec.max_replicas)
            : current;
    rec.raw_desired_replicas = current;
    rec.reason = reason::kNoTarget;
    rec.message = "the policy has no usable target or its replica bounds are inconsistent";
    return rec;
  }

  // Step 1: demand in replicas.
  const double lag = static_cast<double>(std::max<int64_t>(0, load.lag));
  const double in_flight = static_cast<double>(std::max<int64_t>(0, load.in_flight));
  double demand = 0;
  if (use_lag) demand = (lag + in_flight) / spec.target_lag_per_replica;
  if (use_rate) {
    demand = std::max(demand, std::max(0.0, load.arrival_rate) /
                                  spec.target_events_per_second_per_replica);
  }
  rec.demand = demand;
  rec.raw_desired_replicas = CeilToInt(demand);
  int desired = rec.raw_desired_replicas;

  // Step 2: tolerance, on the unrounded ratio so that rounding does not turn noise into a step.
  bool within_tolerance = false;
  // The epsilon keeps a change of exactly `tolerance` (1100 vs 1000) inside despite rounding.
  constexpr double kEpsilon = 1e-9;
  if (current > 0 &&
      std::abs(demand / current - 1.0) <= std::max(0.0, spec.tolerance) + kEpsilon) {
    desired = current;
    within_tolerance = true;
  }

  // Step 3: activation. Above zero replicas, a demand of 0 already means lag == in-flight == 0.
  bool below_activation = false;
  bool activated = false;
  if (spec.min_replicas == 0 && current == 0) {
    if (lag > spec.activation_lag) {
      desired = std::max(1, desired);
      activated = true;
    } else {
      desired = 0;
      below_activation = true;
    }
  }

  // Step 4: stabilization windows.
  if (history_.empty() && spec.scale_down_stabilization.count() > 0) {
    history_.push_back(Sample{now, current, /*scale_down_only=*/true});
  }
  const MonoTime up_cutoff = now - spec.scale_up_stabilization;
  const MonoTime down_cutoff = now - spec.scale_down_stabilization;
  int up_limit = desired;    // lowest recent recommendation: how far up we may go
  int down_limit = desired;  // highest recent recommendation: how far down we may go
  for (const Sample& s : history_) {
    if (s.at > up_cutoff && !s.scale_down_only) up_limit = std::min(up_limit, s.replicas);
    if (s.at > down_cutoff) down_limit = std::max(down_limit, s.replicas);
  }
  int stabilized = current;
  if (stabilized < up_limit) stabilized = up_limit;
  if (stabilized > down_limit) stabilized = down_limit;
  history_.push_back(Sample{now, desired, false});
  Trim(spec, now);

  // Step 5: bounds.
  const int final_replicas = std::clamp(stabilized, spec.min_replicas, spec.max_replicas);
  rec.recommended_replicas = final_replicas;

  if (final_replicas == spec.max_replicas && (desired > spec.max_replicas || stabilized > spec.max_replicas)) {
    rec.reason = reason::kAtMaxReplicas;
  } else if (final_replicas == spec.min_replicas &&
             (desired < spec.min_replicas || stabilized < spec.min_replicas)) {
    rec.reason = reason::kAtMinReplicas;
  } else if (below_activation) {
    rec.reason = reason::kBelowActivationLag;
  } else if (stabilized < desired) {
    rec.reason = reason::kScaleUpLimitedByWindow;
  } else if (stabilized > desired) {
    rec.reason = reason::kScaleDownLimitedByWindow;
  } else if (within_tolerance) {
    rec.reason = reason::kWithinTolerance;
  } else if (final_replicas > current) {
    rec.reason = activated ? reason::kActivated : reason::kScaleUp;
  } else if (final_replicas < current) {
    rec.reason = final_replicas == 0 ? reason::kScaledToZero : reason::kScaleDown;
  } else {
    rec.reason = reason::kSteady;
  }
  rec.message = Describe(rec);
  return rec;
}

void ReplicaCalculator::Trim(const ScalingPolicySpec& spec, MonoTime now) {
  const MonoTime cutoff =
      now - std::max(spec.scale_up_stabilization, spec.scale_down_stabilization);
  while (!history_.empty() && history_.front().at <= cutoff) history_.pop_front();
}

}  // namespace zroute::scaling
