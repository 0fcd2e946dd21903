// RetentionKeeper: applies each Topic's retention to this sidecar's outbox, and frees the space
// of acknowledged events when the outbox nears its disk quota.
//
// A pass (RunOnce), for every topic with a log in the outbox:
//  1. Retention: the topic's spec.retention (maxAge, maxBytes) from the current routing table.
//     A topic the table does not know (deleted, or no table yet) keeps its events.
//  2. Quota pressure: when the outbox holds more than 3/4 of its quota, acknowledged events are
//     removed, oldest first, from every topic in proportion to its size, until the outbox is back
//     at 1/2 of the quota, even where retention would keep them for replay. Without this a busy
//     topic fills the quota with events every subscriber has acknowledged and the sidecar answers
//     429 although nobody is behind: keeping new events matters more than replaying old ones.
// Neither step ever removes an event a subscription has not acknowledged: not past any cursor
// (the outbox's rule), and not past offset 0 of a topic with a subscription in the table that has
// no cursor yet (it has acknowledged nothing; Outbox::Cursor says 0). With no table, nothing is
// removed at all. So the quota, not the keeper, stops a subscriber that is behind: its publishers
// answer 429 (docs/outbox_format.md "Retention and quota").
//
// Threads: RunOnce may be called from any thread, one call at a time. Start() runs it on the
// thread "zr-retention" every `interval`, and early after RunSoon() (at most one pass per
// kMinGap), until Stop(). The pass reads time from the injected clock; the waits only pace it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "common/util/clock.h"
#include "common/util/status.h"
#include "sidecar/outbox/outbox.h"
#include "sidecar/routing/table_holder.h"
#include "sidecar/sidecar_metrics.h"

namespace zroute {

class RetentionKeeper {
 public:
  struct Options {
    uint64_t quota_bytes = 1ull << 30;  // the outbox's disk quota
    std::chrono::milliseconds interval{1000};
  };

  // REQUIRES: everything outlives the keeper.
  RetentionKeeper(Outbox& outbox, TableHolder& table, Clock& clock, SidecarMetrics& metrics, Options options);
  ~RetentionKeeper();  // Stop()

  // One pass at the clock's wall time. Returns the first error; the other topics are still done.
  Status RunOnce();

  static constexpr std::chrono::milliseconds kMinGap{100};

  void Start();
  void Stop();  // idempotent; waits for a pass in progress
  // Asks the thread for a pass now rather than at the end of its interval: the publisher calls it
  // when the quota refused an append, so that space comes back before the app's retry. Any thread.
  void RunSoon();

  // Above this the pass frees acknowledged events; it frees down to low_water_bytes().
  uint64_t high_water_bytes() const { return options_.quota_bytes / 4 * 3; }
  uint64_t low_water_bytes() const { return options_.quota_bytes / 2; }

 private:
  void Loop();

  Outbox& outbox_;
  TableHolder& table_;
  Clock& clock_;
  SidecarMetrics& metrics_;
  const Options options_;

  std::mutex mu_;
  std::condition_variable cv_;  // Stop wakes the loop
  bool stop_ = false;           // guarded by mu_
  bool run_soon_ = false;       // guarded by mu_
  std::thread thread_;
};

}  // namespace zroute
