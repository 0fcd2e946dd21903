#include "sidecar/outbox/retention_keeper.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "common/util/logging.h"
#include "common/util/thread_name.h"

namespace zroute {

RetentionKeeper::RetentionKeeper(Outbox& outbox, TableHolder& table, Clock& clock, SidecarMetrics& metrics,
                                 Options options)
    : outbox_(outbox), table_(table), clock_(clock), metrics_(metrics), options_(options) {
  // Exported at 0 from the start, so rate() sees the first removal.
  for (const char* reason : {"retention", "quota"}) metrics_.outbox_removed.With({reason});
}

RetentionKeeper::~RetentionKeeper() { Stop(); }

Status RetentionKeeper::RunOnce() {
  RoutingTablePtr table = table_.Get();
  if (!table) return Status::OK();  // which subscriptions exist is unknown: keep everything
  const WallTime now = clock_.WallNow();
  Status first_error;
  auto note = [&](const StatusOr<uint64_t>& removed, const char* reason) {
    if (removed.ok()) {
      if (*removed > 0) metrics_.outbox_removed.With({reason}).Increment(static_cast<double>(*removed));
    } else if (first_error.ok()) {
      first_error = removed.status();
    }
  };
  // Offset 0 for a topic with a subscription that has acknowledged nothing yet.
  auto keep_from = [&](const std::string& topic) {
    uint64_t keep = Outbox::kKeepNothingBack;
    for (const Subscription* sub : table->SubscriptionsOf(topic)) {
      keep = std::min(keep, outbox_.Cursor(topic, sub->meta.Key()));
    }
    return keep;
  };

  const std::vector<std::string> topics = outbox_.Topics();
  for (const std::string& topic : topics) {
    const Topic* spec = table->FindTopic(topic);
    if (spec == nullptr) continue;
    TopicRetention retention;
    retention.max_age = spec->spec.retention_max_age;
    retention.max_bytes = spec->spec.retention_max_bytes;
    note(outbox_.ApplyRetention(topic, retention, now, keep_from(topic)), "retention");
  }

  const uint64_t total = outbox_.DiskBytes();
  if (total > high_water_bytes()) {
    // Each topic gives up its share of the excess (whole segments, so a little more).
    const uint64_t excess = total - low_water_bytes();
    for (const std::string& topic : topics) {
      const uint64_t bytes = outbox_.TopicDiskBytes(topic);
      if (bytes == 0) continue;
      const uint64_t share = static_cast<uint64_t>(static_cast<long double>(excess) * bytes / total) + 1;
      TopicRetention pressure;
      pressure.max_bytes = static_cast<int64_t>(std::max<uint64_t>(1, bytes > share ? bytes - share : 1));
      note(outbox_.ApplyRetention(topic, pressure, now, keep_from(topic)), "quota");
    }
  }
  if (!first_error.ok()) {
    ZR_LOG(kWarn, "retention", "removing outbox segments failed", {{"error", first_error.ToString()}});
  }
  return first_error;
}

void RetentionKeeper::Start() {
  thread_ = std::thread([this] {
    SetCurrentThreadName("zr-retention");
    Loop();
  });
}

void RetentionKeeper::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait_for(lock, options_.interval, [this] { return stop_ || run_soon_; });
    if (stop_) return;
    run_soon_ = false;
    lock.unlock();
    (void)RunOnce();  // logged; retried on the next pass
    lock.lock();
    // A burst of RunSoon calls (an app retrying its 429s) costs at most one pass per kMinGap.
    if (cv_.wait_for(lock, kMinGap, [this] { return stop_; })) return;
  }
}

void RetentionKeeper::RunSoon() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    run_soon_ = true;
  }
  cv_.notify_all();
}

void RetentionKeeper::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace zroute
