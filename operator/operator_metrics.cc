#include "operator/operator_metrics.h"

namespace zroute {
namespace {

prometheus::Family<prometheus::Counter>& Counter(Metrics& m, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(m.registry());
}
prometheus::Family<prometheus::Histogram>& Histogram(Metrics& m, const char* name, const char* help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(m.registry());
}
prometheus::Family<prometheus::Gauge>& Gauge(Metrics& m, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(m.registry());
}

}  // namespace

OperatorMetrics::OperatorMetrics()
    : sidecars(Gauge(metrics_, "zroute_operator_sidecars", "Sidecars registered with this operator."), {}),
      table_version(Gauge(metrics_, "zroute_operator_routing_table_version", "Version of the routing table served."), {}),
      table_updates(Counter(metrics_, "zroute_operator_routing_updates_total", "Routing table versions published."), {}),
      registrations(Counter(metrics_, "zroute_operator_registrations_total", "Sidecar registrations received."), {}),
      sidecars_expired(Counter(metrics_, "zroute_operator_sidecars_expired_total", "Sidecars dropped for missing heartbeats."), {}),
      control_rejected(Counter(metrics_, "zroute_operator_control_rejected_total", "Control messages refused, by reason."), {"reason"}),
      resources(Gauge(metrics_, "zroute_operator_resources", "Valid resources loaded, by kind."), {"kind"}),
      invalid_resources(Gauge(metrics_, "zroute_operator_invalid_resources", "Resource documents rejected as invalid."), {}),
      leader(Gauge(metrics_, "zroute_operator_leader", "1 when this operator replica is the leader."), {}),
      subscription_lag(Gauge(metrics_, "zroute_subscription_lag_events", "Events published and not yet acknowledged, summed over publishers."), {"subscription"}),
      reconcile_total(Counter(metrics_, "zroute_operator_reconcile_total", "Status reconciles, by resource kind and result (success or error)."), {"kind", "result"}),
      reconcile_duration(Histogram(metrics_, "zroute_operator_reconcile_duration_seconds", "Time one status reconcile took, including the status write."), {"kind"}),
      status_writes(Counter(metrics_, "zroute_operator_status_writes_total", "Status subresource patches written, by resource kind."), {"kind"}),
      workqueue_depth(Gauge(metrics_, "zroute_operator_workqueue_depth", "Keys waiting in the work queue."), {"queue"}),
      workqueue_adds(Counter(metrics_, "zroute_operator_workqueue_adds_total", "Keys added to the work queue (after de-duplication)."), {"queue"}),
      workqueue_retries(Counter(metrics_, "zroute_operator_workqueue_retries_total", "Keys re-queued with backoff after a failed reconcile."), {"queue"}),
      events(Counter(metrics_, "zroute_operator_events_total", "Kubernetes Events recorded, by result (created, patched, rate_limited, queue_full, failed, discarded)."), {"result"}) {}

}  // namespace zroute
