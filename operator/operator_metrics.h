// The operator's Prometheus metrics.
#pragma once

#include "common/metrics/metrics.h"

namespace zroute {

class OperatorMetrics {
 private:
  Metrics metrics_;  // first: the families below are registered in it

 public:
  OperatorMetrics();
  Metrics& metrics() { return metrics_; }

  GaugeVec sidecars;             // {} registered sidecars
  GaugeVec table_version;        // {}
  CounterVec table_updates;      // {} versions published
  CounterVec registrations;      // {}
  CounterVec sidecars_expired;   // {} dropped for missing heartbeats
  CounterVec control_rejected;   // {reason}
  GaugeVec resources;            // {kind} valid resources loaded
  GaugeVec invalid_resources;    // {} documents rejected
  GaugeVec leader;               // {} 1 when this replica leads
  GaugeVec subscription_lag;     // {subscription} summed over publishers
  // Status reconciles (cluster mode, leader only).
  CounterVec reconcile_total;       // {kind, result}: kind topic|subscription|scalingpolicy, result success|error
  HistogramVec reconcile_duration;  // {kind} seconds (use With(..., LatencyBuckets()))
  CounterVec status_writes;         // {kind} merge patches sent to /status that succeeded
  GaugeVec workqueue_depth;         // {queue} keys waiting
  CounterVec workqueue_adds;        // {queue}
  CounterVec workqueue_retries;     // {queue}
  CounterVec events;             // {result} Kubernetes Events: created, patched, or why dropped
};

}  // namespace zroute
