#include "operator/scaling/scaling_status_sink.h"

#include "common/util/ids.h"

namespace zroute::scaling {
namespace {

prometheus::Family<prometheus::Gauge>& Gauge(Metrics& m, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(m.registry());
}

const std::vector<std::string> kLabelNames = {"namespace", "app_id", "policy"};

const char* ModeName(ScalingMode mode) { return mode == ScalingMode::kApply ? "apply" : "hint"; }

const char* SourceName(ReplicaSource source) {
  switch (source) {
    case ReplicaSource::kScaleTarget:
      return "scaleTarget";
    case ReplicaSource::kLastRecommendation:
      return "lastRecommendation";
    case ReplicaSource::kReportingSidecars:
      break;
  }
  return "reportingSidecars";
}

}  // namespace

ScalingStatusSink::ScalingStatusSink(Metrics& metrics, const Clock& clock)
    : clock_(clock),
      recommended_(Gauge(metrics, "zroute_scaling_recommended_replicas",
                         "Replicas recommended for the app by its ScalingPolicy."),
                   kLabelNames),
      desired_(Gauge(metrics, "zroute_scaling_desired_replicas",
                     "Replicas the load asks for before tolerance, stabilization windows and bounds."),
               kLabelNames),
      current_(Gauge(metrics, "zroute_scaling_current_replicas",
                     "Replica count the recommendation was computed from."),
               kLabelNames),
      lag_(Gauge(metrics, "zroute_scaling_lag",
                 "Events waiting in publishers' outboxes for the app, not yet sent."),
           kLabelNames),
      in_flight_(Gauge(metrics, "zroute_scaling_in_flight",
                       "Events sent to the app's replicas and not yet acknowledged."),
                 kLabelNames),
      arrival_rate_(Gauge(metrics, "zroute_scaling_arrival_rate",
                          "Events per second arriving at the app's replicas."),
                    kLabelNames),
      completion_rate_(Gauge(metrics, "zroute_scaling_completion_rate",
                             "Events per second acknowledged by the app's replicas."),
                       kLabelNames),
      latency_p99_(Gauge(metrics, "zroute_scaling_delivery_latency_p99_seconds",
                         "Receive-to-acknowledge latency p99 of the app's slowest replica."),
                   kLabelNames) {}

std::vector<std::string> ScalingStatusSink::Labels(const std::string& policy_key,
                                                   const std::string& namespace_,
                                                   const std::string& app_id) {
  const size_t slash = policy_key.find('/');
  std::string name = slash == std::string::npos ? policy_key : policy_key.substr(slash + 1);
  return {namespace_, app_id, std::move(name)};
}

void ScalingStatusSink::RemoveSeries(const std::vector<std::string>& labels) {
  for (GaugeVec* g : {&recommended_, &desired_, &current_, &lag_, &in_flight_, &arrival_rate_,
                      &completion_rate_, &latency_p99_}) {
    g->Remove(labels);
  }
}

void ScalingStatusSink::OnOutcome(const ScalingOutcome& outcome) {
  const auto labels = Labels(outcome.policy_key, outcome.namespace_, outcome.app_id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = latest_.find(outcome.policy_key);
    if (it != latest_.end() && (it->second.outcome.app_id != outcome.app_id ||
                                it->second.outcome.namespace_ != outcome.namespace_)) {
      // The policy now scales another app: the old app's series would otherwise stay forever.
      RemoveSeries(Labels(outcome.policy_key, it->second.outcome.namespace_,
                          it->second.outcome.app_id));
    }
    latest_[outcome.policy_key] = Entry{outcome, clock_.WallNow()};
  }
  // Without a recommendation (the current count could not be read) the last values stay.
  if (!outcome.recommendation) return;
  const Recommendation& r = *outcome.recommendation;
  recommended_.With(labels).Set(r.recommended_replicas);
  desired_.With(labels).Set(r.raw_desired_replicas);
  current_.With(labels).Set(r.current_replicas);
  lag_.With(labels).Set(static_cast<double>(r.inputs.lag));
  in_flight_.With(labels).Set(static_cast<double>(r.inputs.in_flight));
  arrival_rate_.With(labels).Set(r.inputs.arrival_rate);
  completion_rate_.With(labels).Set(r.inputs.completion_rate);
  latency_p99_.With(labels).Set(r.inputs.latency_p99_seconds);
}

void ScalingStatusSink::OnPolicyRemoved(const std::string& policy_key,
                                        const std::string& namespace_, const std::string& app_id) {
  std::lock_guard<std::mutex> lock(mu_);
  RemoveSeries(Labels(policy_key, namespace_, app_id));
  auto it = latest_.find(policy_key);
  if (it != latest_.end()) {
    // The last outcome may carry another app-id than the policy's final spec.
    RemoveSeries(Labels(policy_key, it->second.outcome.namespace_, it->second.outcome.app_id));
    latest_.erase(it);
  }
}

nlohmann::json ScalingStatusSink::OutcomeToJson(const ScalingOutcome& o) {
  nlohmann::json j = {{"policy", o.policy_key},
                      {"namespace", o.namespace_},
                      {"appId", o.app_id},
                      {"mode", ModeName(o.mode)},
                      {"currentReplicasSource", SourceName(o.replica_source)},
                      {"applied", o.applied},
                      {"status", o.status.ok() ? "OK" : o.status.ToString()}};
  if (o.recommendation) {
    const Recommendation& r = *o.recommendation;
    j["recommendedReplicas"] = r.recommended_replicas;
    j["desiredReplicas"] = r.raw_desired_replicas;
    j["currentReplicas"] = r.current_replicas;
    j["demand"] = r.demand;
    j["reason"] = r.reason;
    j["message"] = r.message;
    j["inputs"] = {{"lag", r.inputs.lag},
                   {"inFlight", r.inputs.in_flight},
                   {"arrivalRate", r.inputs.arrival_rate},
                   {"completionRate", r.inputs.completion_rate},
                   {"latencyP50Seconds", r.inputs.latency_p50_seconds},
                   {"latencyP99Seconds", r.inputs.latency_p99_seconds},
                   {"consumerReplicas", r.inputs.consumer_replicas},
                   {"backlogSources", r.inputs.backlog_sources}};
  }
  return j;
}

nlohmann::json ScalingStatusSink::ToJson() const {
  nlohmann::json out = nlohmann::json::array();
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, entry] : latest_) {
    nlohmann::json j = OutcomeToJson(entry.outcome);
    j["updatedAt"] = FormatRfc3339(entry.updated_at);
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace zroute::scaling
