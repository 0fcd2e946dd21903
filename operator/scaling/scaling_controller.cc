#include "operator/scaling/scaling_controller.h"

#include <cmath>
#include <utility>

namespace zroute::scaling {
namespace {

bool FiniteNonNegative(double v) { return std::isfinite(v) && v >= 0; }

}  // namespace

Status CheckScalingPolicySpec(const ScalingPolicySpec& spec) {
  if (spec.app_id.empty()) return Status::InvalidArgument("appId is empty");
  if (spec.min_replicas < 0) return Status::InvalidArgument("minReplicas is negative");
  if (spec.max_replicas < 1) return Status::InvalidArgument("maxReplicas must be at least 1");
  if (spec.min_replicas > spec.max_replicas) {
    return Status::InvalidArgument("minReplicas is greater than maxReplicas");
  }
  if (!FiniteNonNegative(spec.target_lag_per_replica) ||
      !FiniteNonNegative(spec.target_events_per_second_per_replica)) {
    return Status::InvalidArgument("targets must be finite and non-negative");
  }
  if (spec.target_lag_per_replica == 0 && spec.target_events_per_second_per_replica == 0) {
    return Status::InvalidArgument(
        "one of targetLagPerReplica and targetEventsPerSecondPerReplica must be positive");
  }
  if (!FiniteNonNegative(spec.activation_lag)) {
    return Status::InvalidArgument("activationLag must be finite and non-negative");
  }
  if (!FiniteNonNegative(spec.tolerance)) {
    return Status::InvalidArgument("tolerance must be finite and non-negative");
  }
  if (spec.scale_up_stabilization.count() < 0 || spec.scale_down_stabilization.count() < 0) {
    return Status::InvalidArgument("stabilization windows must be non-negative");
  }
  return Status::OK();
}

ScalingController::ScalingController(const Clock& clock, const LoadAggregator& aggregator,
                                     ScalingSink& sink, ScalingEventRecorder& events,
                                     ScaleTarget* target)
    : clock_(clock), aggregator_(aggregator), sink_(sink), events_(events), target_(target) {}

Status ScalingController::UpsertPolicy(const ScalingPolicy& policy) {
  ZR_RETURN_IF_ERROR(CheckScalingPolicySpec(policy.spec).WithContext("ScalingPolicy " +
                                                                     policy.meta.Key()));
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = policies_[policy.meta.Key()];
  if (!slot) {
    slot = std::make_unique<PolicyState>(clock_);
  } else if (slot->policy.spec.app_id != policy.spec.app_id ||
             !(slot->policy.spec.scale_target_ref == policy.spec.scale_target_ref)) {
    // Recommendations made for another app or workload say nothing about this one.
    slot->calculator.Reset();
    slot->last.reset();
    slot->last_warning.clear();
  }
  slot->policy = policy;
  return Status::OK();
}

bool ScalingController::RemovePolicy(const std::string& policy_key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = policies_.find(policy_key);
  if (it == policies_.end()) return false;
  const ScalingPolicy policy = std::move(it->second->policy);
  policies_.erase(it);
  sink_.OnPolicyRemoved(policy_key, policy.meta.namespace_, policy.spec.app_id);
  return true;
}

void ScalingController::Tick() {
  std::lock_guard<std::mutex> lock(mu_);
  const std::map<AppKey, AppLoad> loads = aggregator_.AggregateAll();
  for (auto& [key, state] : policies_) sink_.OnOutcome(Evaluate(*state, loads));
}

ScalingOutcome ScalingController::Evaluate(PolicyState& state,
                                           const std::map<AppKey, AppLoad>& loads) {
  const ScalingPolicy& policy = state.policy;
  ScalingOutcome out;
  out.policy_key = policy.meta.Key();
  out.namespace_ = policy.meta.namespace_;
  out.app_id = policy.spec.app_id;
  out.mode = policy.spec.mode;

  const auto load_it = loads.find(AppKey{policy.meta.namespace_, policy.spec.app_id});
  const AppLoad load = load_it == loads.end() ? AppLoad{} : load_it->second;

  // Without a scale target nothing applies the hint, so the running count says nothing about what
  // a consumer of the hint (an HPA or KEDA scaling on it) runs. Stabilizing against the last hint
  // instead makes the windows hold the hint itself: it rises at once and falls only after the
  // scale-down window, as the replicas would if the hint were applied.
  int current = load.consumer_replicas;
  if (target_ == nullptr && state.last) {
    current = state.last->recommended_replicas;
    out.replica_source = ReplicaSource::kLastRecommendation;
  }
  if (target_ != nullptr) {
    StatusOr<int> replicas = target_->GetReplicas(policy.meta.namespace_,
                                                  policy.spec.scale_target_ref);
    if (!replicas.ok()) {
      // Without the current count neither tolerance nor windows mean anything: skip this tick.
      out.status = replicas.status();
      Warn(state, kEventFailedGetScale, replicas.status().ToString());
      return out;
    }
    current = *replicas;
    out.replica_source = ReplicaSource::kScaleTarget;
  }

  Recommendation rec = state.calculator.Compute(policy.spec, load, current);
  const bool moved = state.last && state.last->recommended_replicas != rec.recommended_replicas;

  if (policy.spec.mode == ScalingMode::kApply) {
    if (target_ == nullptr) {
      out.status = Status::FailedPrecondition("mode apply needs a scale target; giving hints only");
      Warn(state, kEventCannotApply, out.status.message());
    } else if (rec.recommended_replicas != current) {
      Status set = target_->SetReplicas(policy.meta.namespace_, policy.spec.scale_target_ref,
                                        rec.recommended_replicas);
      if (set.ok()) {
        out.applied = true;
        state.last_warning.clear();
        events_.Record(ScalingEvent{out.policy_key, kEventNormal, kEventSuccessfulRescale,
                                    "New size: " + std::to_string(rec.recommended_replicas) +
                                        "; reason: " + rec.reason + "; " + rec.message});
      } else {
        out.status = set;
        Warn(state, kEventFailedRescale, set.ToString());
      }
    } else {
      state.last_warning.clear();
    }
  } else {
    state.last_warning.clear();
    if (moved) {
      events_.Record(ScalingEvent{out.policy_key, kEventNormal, kEventRecommendationChanged,
                                  "Recommended replicas: " +
                                      std::to_string(state.last->recommended_replicas) + " -> " +
                                      std::to_string(rec.recommended_replicas) + "; reason: " +
                                      rec.reason + "; " + rec.message});
    }
  }

  state.last = rec;
  out.recommendation = std::move(rec);
  return out;
}

void ScalingController::Warn(PolicyState& state, const char* reason, const std::string& message) {
  std::string key = std::string(reason) + ": " + message;
  if (key == state.last_warning) return;
  state.last_warning = std::move(key);
  events_.Record(ScalingEvent{state.policy.meta.Key(), kEventWarning, reason, message});
}

std::optional<Recommendation> ScalingController::LastRecommendation(
    const std::string& policy_key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = policies_.find(policy_key);
  if (it == policies_.end()) return std::nullopt;
  return it->second->last;
}

std::vector<std::string> ScalingController::PolicyKeys() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> keys;
  keys.reserve(policies_.size());
  for (const auto& [key, state] : policies_) keys.push_back(key);
  return keys;
}

}  // namespace zroute::scaling
