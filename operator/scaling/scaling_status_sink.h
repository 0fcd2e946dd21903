// ScalingStatusSink: the ScalingSink of the operator's HTTP surface. Every outcome sets Prometheus
// gauges on the operator's /metrics and replaces the policy's entry in a table served as JSON on
// GET /v1/scaling. In standalone mode this is where the hints are read (docs/autoscaling.md).
//
// Gauges, labelled {namespace, app_id, policy} (policy = the ScalingPolicy's name):
//   zroute_scaling_recommended_replicas   the recommendation (windowed, tolerated, clamped)
//   zroute_scaling_desired_replicas       ceil(demand) before tolerance, windows and bounds
//   zroute_scaling_current_replicas       the current count it was computed from
//   zroute_scaling_lag                    events waiting in publishers' outboxes for the app
//   zroute_scaling_in_flight              events sent to the app's replicas, not yet acked
//   zroute_scaling_arrival_rate           events/s arriving at the app's replicas
//   zroute_scaling_completion_rate        events/s acked by the app's replicas
//   zroute_scaling_delivery_latency_p99_seconds   worst replica's receive-to-ack p99
// A removed policy's series are removed; so are a policy's old series when its app-id changes.
//
// Threads: OnOutcome / OnPolicyRemoved come from the scaling controller's tick; ToJson from HTTP
// threads. mu_ guards latest_. Lifetime: metrics and clock must outlive the sink.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/metrics/metrics.h"
#include "common/util/clock.h"
#include "operator/scaling/scaling_sink.h"

namespace zroute::scaling {

class ScalingStatusSink final : public ScalingSink {
 public:
  // Registers the gauge families in `metrics` (once per registry).
  ScalingStatusSink(Metrics& metrics, const Clock& clock);

  void OnOutcome(const ScalingOutcome& outcome) override;
  void OnPolicyRemoved(const std::string& policy_key, const std::string& namespace_,
                       const std::string& app_id) override;

  // The latest outcome of every policy, sorted by policy key (format in docs/autoscaling.md).
  nlohmann::json ToJson() const;

  // One outcome as JSON (exposed for tests).
  static nlohmann::json OutcomeToJson(const ScalingOutcome& outcome);

 private:
  struct Entry {
    ScalingOutcome outcome;
    WallTime updated_at;
  };
  static std::vector<std::string> Labels(const std::string& policy_key,
                                         const std::string& namespace_, const std::string& app_id);
  void RemoveSeries(const std::vector<std::string>& labels);

  const Clock& clock_;
  GaugeVec recommended_;
  GaugeVec desired_;
  GaugeVec current_;
  GaugeVec lag_;
  GaugeVec in_flight_;
  GaugeVec arrival_rate_;
  GaugeVec completion_rate_;
  GaugeVec latency_p99_;

  mutable std::mutex mu_;              // guards latest_
  std::map<std::string, Entry> latest_;  // by policy key
};

}  // namespace zroute::scaling
