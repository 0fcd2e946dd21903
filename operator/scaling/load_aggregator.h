// LoadAggregator: the latest load reports of all sidecars, summed per consuming app.
//
// Keeps, per sidecar, the latest backlog per subscription (publisher part) and the latest
// consumer part (load_report.h). Each piece carries the time it was received; a piece older than
// the staleness timeout is dropped, so a sidecar that vanished without deregistering stops
// counting once its last report ages out (lag it reported is not counted forever, nor is it
// counted as a running replica).
//
// Threads: every method is thread-safe. Ingest is typically called by the report receiver's
// thread and Aggregate by the scaling tick; mu_ guards all state. No callbacks are made.
// Lifetime: the Clock must outlive the aggregator.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/util/clock.h"
#include "common/util/status.h"
#include "operator/scaling/app_load.h"
#include "operator/scaling/load_report.h"

namespace zroute::scaling {

struct LoadAggregatorOptions {
  // A piece of a report older than this is ignored and then forgotten. A few report intervals.
  Duration staleness_timeout = std::chrono::seconds(30);
  // Bounds on stored state, against a flood of ids: new sidecars beyond the first limit and new
  // subscriptions of one sidecar beyond the second are refused (ResourceExhausted).
  size_t max_sidecars = 100000;
  size_t max_subscriptions_per_sidecar = kMaxBacklogEntriesPerReport;
};

class LoadAggregator {
 public:
  explicit LoadAggregator(const Clock& clock, LoadAggregatorOptions options = {});

  LoadAggregator(const LoadAggregator&) = delete;
  LoadAggregator& operator=(const LoadAggregator&) = delete;

  // Validates (ValidateLoadReport) and stores the report: replaces the sidecar's consumer part
  // when the report has one, and upserts one backlog entry per subscription it lists. A report
  // received before what is stored (out of order) changes nothing and returns OK. A sidecar that
  // changes its app-id or namespace is treated as a new sidecar (its old state is dropped).
  // received_at left unset is stamped with Now(); one in the future is clamped to Now().
  // Returns InvalidArgument / TooLarge for a malformed report, ResourceExhausted past the bounds;
  // an error changes nothing.
  Status Ingest(LoadReport report);

  // Forgets a sidecar at once (it deregistered or its pod was deleted). Unknown ids are ignored.
  void RemoveSidecar(const std::string& sidecar_id);

  // The load on one app from the fresh pieces only; zeros when nothing fresh is known.
  AppLoad Aggregate(const AppKey& app) const;
  // Every app that has at least one fresh piece (as a consumer or as a backlog target).
  std::map<AppKey, AppLoad> AggregateAll() const;

  // Drops stale pieces and sidecars left empty. Aggregate ignores stale pieces anyway; this only
  // frees memory, and Ingest calls it at most once per staleness timeout.
  void PruneStale();

  size_t SidecarCount() const;  // sidecars with at least one piece stored (stale or not)

 private:
  struct BacklogEntry {
    std::string consumer_app_id;
    int64_t lag = 0;
    MonoTime received_at;
  };
  struct SidecarState {
    std::string namespace_;
    std::string app_id;
    std::map<std::string, BacklogEntry> backlog;  // by subscription "ns/name"
    std::optional<ConsumerLoad> consumer;
    MonoTime consumer_received_at;
    MonoTime last_received_at;
  };

  bool IsFresh(MonoTime received_at, MonoTime now) const;
  void PruneLocked(MonoTime now);
  void AddToAggregates(MonoTime now, std::map<AppKey, AppLoad>& out) const;

  const Clock& clock_;
  const LoadAggregatorOptions options_;

  mutable std::mutex mu_;  // guards sidecars_ and last_prune_
  std::map<std::string, SidecarState> sidecars_;  // by sidecar_id
  MonoTime last_prune_{};
};

}  // namespace zroute::scaling
