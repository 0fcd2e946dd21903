#include "operator/scaling/scaling_service.h"

#include <set>

namespace zroute::scaling {

ScalingService::ScalingService(const Clock& clock, Metrics& metrics, ScalingEventRecorder& events,
                               ScaleTarget* target, ScalingServiceOptions options)
    : aggregator_(clock, LoadAggregatorOptions{.staleness_timeout = options.staleness_timeout}),
      sink_(metrics, clock),
      controller_(clock, aggregator_, sink_, events, target) {}

Status ScalingService::OnLoad(const ReporterIdentity& reporter, const nlohmann::json& load,
                              MonoTime received_at) {
  StatusOr<LoadReport> report = DecodeLoadReport(load, reporter);
  if (!report.ok()) return report.status().WithContext("load report of " + reporter.sidecar_id);
  report->received_at = received_at;
  return aggregator_.Ingest(std::move(report).value());
}

void ScalingService::OnSidecarGone(const std::string& sidecar_id) {
  aggregator_.RemoveSidecar(sidecar_id);
}

std::vector<Status> ScalingService::SetPolicies(const std::vector<ScalingPolicy>& policies) {
  std::vector<Status> errors;
  std::set<std::string> valid;
  for (const ScalingPolicy& policy : policies) {
    Status s = controller_.UpsertPolicy(policy);
    if (s.ok()) {
      valid.insert(policy.meta.Key());
    } else {
      errors.push_back(std::move(s));
    }
  }
  for (const std::string& key : controller_.PolicyKeys()) {
    if (!valid.count(key)) controller_.RemovePolicy(key);
  }
  return errors;
}

void ScalingService::Tick() { controller_.Tick(); }

}  // namespace zroute::scaling
