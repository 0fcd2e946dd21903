// The sidecar's Prometheus metrics. Label values are topics, subscriptions and reasons: bounded
// by the resources the operator distributes, never by event content.
#pragma once

#include "common/metrics/metrics.h"

namespace zroute {

class SidecarMetrics {
 private:
  Metrics metrics_;  // first: the families below are registered in it

 public:
  SidecarMetrics();

  Metrics& metrics() { return metrics_; }

  CounterVec published;         // {topic}
  CounterVec publish_rejected;  // {reason}
  CounterVec dispatched;        // {subscription} events sent to a consumer replica
  CounterVec redelivered;       // {subscription} sends after the first
  CounterVec acked;             // {subscription} acknowledged by the consumer
  CounterVec delivered;         // {subscription} 2xx from this sidecar's app
  CounterVec delivery_failed;   // {subscription} failed attempts to this sidecar's app
  CounterVec retried;           // {subscription} failed attempts scheduled again after a backoff
  CounterVec dead_lettered;     // {subscription}
  CounterVec duplicates;        // {subscription} suppressed duplicate deliveries
  CounterVec outbox_removed;    // {reason} bytes of acknowledged events removed from the outbox
  CounterVec link_rejected;     // {reason} link messages refused
  CounterVec link_resyncs;      // {} links reset because the consumer missed event frames sent to it
  GaugeVec lag;                 // {subscription} events in this outbox not yet acked
  GaugeVec in_flight;           // {subscription} events sent and not yet acked
  GaugeVec peers;               // {} peer sidecars this sidecar keeps links to
  GaugeVec peers_connected;     // {} of those, the ones answering (HELLO answered, not lost)
  GaugeVec link_credit;         // {} credit granted by all peers and not yet spent
  GaugeVec outbox_bytes;        // {} bytes of the outbox on disk, all topics
  GaugeVec outbox_events;       // {topic} events retained in the outbox
  GaugeVec table_version;       // {} routing table version
  GaugeVec operator_connected;  // {} 1 while the control channel to the operator is up
  HistogramVec publish_latency;   // {} seconds from request to durable
  HistogramVec delivery_latency;  // {subscription} seconds of the app's HTTP call
  HistogramVec fsync_latency;     // {} seconds of one outbox group commit's fdatasync
};

}  // namespace zroute
