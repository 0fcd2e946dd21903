// AppLoad: the load on one consuming service, aggregated over its replicas and its publishers.
// The input of the replica calculation (replica_calculator.h), produced by LoadAggregator.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace zroute::scaling {

// App-ids are scoped by namespace, like the Subscriptions that name them.
struct AppKey {
  std::string namespace_;
  std::string app_id;
  std::string ToString() const { return namespace_ + "/" + app_id; }
  auto operator<=>(const AppKey&) const = default;
};

struct AppLoad {
  // Sum over publisher sidecars of the backlog of every subscription consumed by this app.
  int64_t lag = 0;
  // Sums over the app's reporting replicas.
  int64_t in_flight = 0;
  double arrival_rate = 0;     // events/s
  double completion_rate = 0;  // events/s
  // Worst replica (percentiles cannot be averaged).
  double latency_p50_seconds = 0;
  double latency_p99_seconds = 0;
  // Sidecars of this app with a fresh consumer part: the running consumer replicas.
  int consumer_replicas = 0;
  // Fresh backlog entries (publisher sidecar × subscription) summed into `lag`.
  int backlog_sources = 0;
  bool operator==(const AppLoad&) const = default;
};

}  // namespace zroute::scaling
