#include "sidecar/sidecar_metrics.h"

namespace zroute {
namespace {

prometheus::Family<prometheus::Counter>& Counter(Metrics& m, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(m.registry());
}
prometheus::Family<prometheus::Gauge>& Gauge(Metrics& m, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(m.registry());
}
prometheus::Family<prometheus::Histogram>& Histogram(Metrics& m, const char* name, const char* help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(m.registry());
}

}  // namespace

SidecarMetrics::SidecarMetrics()
    : published(Counter(metrics_, "zroute_events_published_total", "Events accepted on publish (durable)."), {"topic"}),
      publish_rejected(Counter(metrics_, "zroute_publish_rejected_total", "Publish requests refused, by reason."), {"reason"}),
      dispatched(Counter(metrics_, "zroute_events_dispatched_total", "Events sent to a consumer replica."), {"subscription"}),
      redelivered(Counter(metrics_, "zroute_events_redelivered_total", "Events sent again after a failure, timeout or hand-back."), {"subscription"}),
      acked(Counter(metrics_, "zroute_events_acked_total", "Events acknowledged by the consumer replica."), {"subscription"}),
      delivered(Counter(metrics_, "zroute_events_delivered_total", "Events the local app accepted with 2xx."), {"subscription"}),
      delivery_failed(Counter(metrics_, "zroute_delivery_failures_total", "Failed delivery attempts to the local app."), {"subscription"}),
      retried(Counter(metrics_, "zroute_delivery_retries_total", "Failed delivery attempts to the local app scheduled again after a backoff."), {"subscription"}),
      dead_lettered(Counter(metrics_, "zroute_events_dead_lettered_total", "Events moved to a dead-letter topic."), {"subscription"}),
      duplicates(Counter(metrics_, "zroute_events_duplicate_total", "Redeliveries suppressed as already acknowledged."), {"subscription"}),
      outbox_removed(Counter(metrics_, "zroute_outbox_removed_bytes_total", "Bytes of acknowledged events removed from the outbox: past the topic's retention, or to keep the outbox under its quota."), {"reason"}),
      link_rejected(Counter(metrics_, "zroute_link_rejected_total", "Link messages refused, by reason."), {"reason"}),
      link_resyncs(Counter(metrics_, "zroute_link_resyncs_total", "Links reset because the consumer sidecar had not received event frames sent to it (their events are sent again)."), {}),
      lag(Gauge(metrics_, "zroute_outbox_lag_events", "Events in this outbox not yet acknowledged, per subscription."), {"subscription"}),
      in_flight(Gauge(metrics_, "zroute_in_flight_events", "Events sent to consumers and not yet acknowledged."), {"subscription"}),
      peers(Gauge(metrics_, "zroute_link_peers", "Peer sidecars this sidecar keeps links to."), {}),
      peers_connected(Gauge(metrics_, "zroute_link_peers_connected", "Peer sidecars whose link is up (they answered HELLO and are not lost)."), {}),
      link_credit(Gauge(metrics_, "zroute_link_credit", "Delivery credit granted by consumer sidecars and not yet spent, summed over peers."), {}),
      outbox_bytes(Gauge(metrics_, "zroute_outbox_bytes", "Bytes of the outbox on disk, all topics."), {}),
      outbox_events(Gauge(metrics_, "zroute_outbox_events", "Events retained in the outbox, per topic."), {"topic"}),
      table_version(Gauge(metrics_, "zroute_routing_table_version", "Version of the routing table in use."), {}),
      operator_connected(Gauge(metrics_, "zroute_control_connected", "1 while this sidecar's control channel to the operator is up, else 0."), {}),
      publish_latency(Histogram(metrics_, "zroute_publish_latency_seconds", "Time from publish request to durable."), {}),
      delivery_latency(Histogram(metrics_, "zroute_delivery_latency_seconds", "Duration of the HTTP call to the local app."), {"subscription"}),
      fsync_latency(Histogram(metrics_, "zroute_outbox_fsync_duration_seconds", "Duration of one outbox group commit's fdatasync."), {}) {
  // Exported at 0 from the start: the outbox-full alert takes increase() of the quota reason.
  for (const char* reason : {"quota", "storage"}) publish_rejected.With({reason});
}

}  // namespace zroute
