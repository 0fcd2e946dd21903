// LoadReport: what one sidecar tells the operator about load, once per report interval.
//
// A sidecar plays two roles and a report carries one part for each:
//
//  * Publisher part (`backlog`): sent by every sidecar whose app publishes. One entry per
//    Subscription the sidecar's outbox feeds: how many events wait in THIS sidecar's outbox for
//    that subscription and have not been sent yet. Events already sent and awaiting an ACK are NOT
//    counted here (the consumer counts them as in-flight), so lag + in-flight counts each event once.
//    The entry names the consuming app-id, which the publisher knows from its routing table.
//  * Consumer part (`consumer`): sent by every sidecar whose app consumes at least one
//    Subscription, even when idle (all zeros), because the number of sidecars sending it is the
//    number of running consumer replicas. The figures cover all subscriptions of the sidecar's own
//    app-id: events in flight to the app, arrival and completion rates, delivery latency.
//
// Sidecars send a full report each interval: every subscription they publish for (zero backlog
// included) and the consumer part if they consume. Entries not refreshed are dropped by the
// aggregator after its staleness timeout.
//
// The struct carries no transport: the operator's report receiver decodes the wire message, sets
// `received_at` from its Clock, and hands the report to LoadAggregator::Ingest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/util/clock.h"
#include "common/util/status.h"

namespace zroute::scaling {

// Limits that bound what one (possibly hostile) report can make the operator store.
inline constexpr size_t kMaxReportIdBytes = 253;        // a DNS subdomain, like Kubernetes names
inline constexpr size_t kMaxBacklogEntriesPerReport = 4096;
inline constexpr int64_t kMaxReportedCount = int64_t{1} << 50;  // events; far above any real backlog
inline constexpr double kMaxReportedRate = 1e12;                // events per second
inline constexpr double kMaxReportedLatencySeconds = 1e9;

// Publisher part: one subscription's backlog in one publisher's outbox.
struct SubscriptionBacklog {
  std::string subscription;     // "namespace/name" of the Subscription
  std::string consumer_app_id;  // the Subscription's appId (consumer lives in its namespace)
  int64_t lag = 0;              // events waiting in this outbox, not yet sent to the subscription
  bool operator==(const SubscriptionBacklog&) const = default;
};

// Consumer part: one replica of the consuming app.
struct ConsumerLoad {
  int64_t in_flight = 0;            // events handed to the app (or sent to it) and not yet acked
  double arrival_rate = 0;          // events/s received from publishers
  double completion_rate = 0;       // events/s acked (delivered or dead-lettered)
  double latency_p50_seconds = 0;   // publish-to-ack delivery latency
  double latency_p99_seconds = 0;
  bool operator==(const ConsumerLoad&) const = default;
};

struct LoadReport {
  std::string sidecar_id;   // unique per sidecar (e.g. the pod uid); the aggregation key
  std::string namespace_ = "default";  // the sidecar's pod namespace
  std::string app_id;       // the sidecar's own app-id
  std::vector<SubscriptionBacklog> backlog;  // publisher part; empty if the app publishes nothing
  std::optional<ConsumerLoad> consumer;      // consumer part; absent if the app consumes nothing
  // Set by the receiver from the operator's Clock. Left at MonoTime{} it is stamped on ingest.
  MonoTime received_at{};
};

// OK when the report is well formed: non-empty bounded ids, "ns/name" subscription keys, finite
// non-negative figures within the limits above, no more than kMaxBacklogEntriesPerReport entries,
// no subscription listed twice. The message names the first offending field.
Status ValidateLoadReport(const LoadReport& report);

}  // namespace zroute::scaling
