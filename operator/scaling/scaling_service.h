// ScalingService: autoscaling hints wired into the operator. Load reports go into a LoadAggregator,
// ScalingPolicies into a ScalingController, and each tick's outcomes into a ScalingStatusSink
// (/metrics gauges + the /v1/scaling table) and a ScalingEventRecorder.
//
// The operator calls it from three places, each on its own thread:
//   OnLoad / OnSidecarGone   the control server's loop (every heartbeat, every expiry);
//   SetPolicies              the resource source's thread (after every change, level-based);
//   Tick                     the operator's periodic thread (every --scaling-interval);
// and StatusJson from HTTP threads. All are thread-safe: the aggregator, controller and sink each
// guard their own state; the service adds none.
// Lifetime: clock, metrics, events and target (if not null) must outlive the service.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/metrics/metrics.h"
#include "common/resources/resource_model.h"
#include "common/util/clock.h"
#include "common/util/status.h"
#include "operator/scaling/load_aggregator.h"
#include "operator/scaling/load_report_json.h"
#include "operator/scaling/scaling_controller.h"
#include "operator/scaling/scaling_status_sink.h"

namespace zroute::scaling {

struct ScalingServiceOptions {
  // Load figures older than this stop counting (a sidecar that vanished). The operator uses its
  // heartbeat timeout, after which it drops the sidecar from the membership too.
  Duration staleness_timeout = std::chrono::seconds(30);
};

class ScalingService {
 public:
  // `target` may be null (standalone mode: hints only). Registers the scaling gauges in metrics.
  ScalingService(const Clock& clock, Metrics& metrics, ScalingEventRecorder& events,
                 ScaleTarget* target, ScalingServiceOptions options = {});

  ScalingService(const ScalingService&) = delete;
  ScalingService& operator=(const ScalingService&) = delete;

  // One heartbeat's `load` object (load_report_json.h) from the sidecar `reporter`, as
  // authenticated by the control server, received at `received_at`. An error (malformed or
  // hostile report, bounds reached) changes nothing; the caller counts it.
  Status OnLoad(const ReporterIdentity& reporter, const nlohmann::json& load, MonoTime received_at);
  // The sidecar left: its backlog and its replica stop counting at once.
  void OnSidecarGone(const std::string& sidecar_id);

  // The complete current set of policies. New and changed ones are upserted, missing ones
  // removed. A policy that fails CheckScalingPolicySpec is removed too (its old hints would be
  // misleading) and its error returned; the others are applied regardless.
  std::vector<Status> SetPolicies(const std::vector<ScalingPolicy>& policies);

  // Evaluates every policy now and publishes the outcomes.
  void Tick();

  // GET /v1/scaling: the latest outcome per policy.
  nlohmann::json StatusJson() const { return sink_.ToJson(); }

  const ScalingController& controller() const { return controller_; }
  const LoadAggregator& aggregator() const { return aggregator_; }

 private:
  LoadAggregator aggregator_;
  ScalingStatusSink sink_;
  ScalingController controller_;
};

}  // namespace zroute::scaling
