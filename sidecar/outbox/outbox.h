// Outbox: the publishing sidecar's durable log of events, one log per topic, plus the
// per-subscription cursors that say how far each subscription has been acknowledged.
//
// Contract:
//  - Append returns OK only after the records are durable under the configured sync policy
//    (kEveryBatch: fdatasync'd; group commit lets many concurrent appends share one fdatasync).
//  - Offsets are per topic, dense, starting at 0; the offset of an acknowledged record is never
//    given again.
//  - A record is readable once it is written, which may be before the Append that wrote it
//    returns (under kEveryBatch: while its fdatasync is under way), so readers may dispatch it
//    early. After a machine crash, a record that was readable but never acknowledged may be gone
//    and its offset given to the next append.
//  - A record stays readable until retention removes it; retention never removes a record at or
//    after the lowest cursor of the topic's subscriptions (an unacknowledged event is never lost),
//    so the disk quota, not retention, bounds a stuck subscription: Append then answers
//    ResourceExhausted and the publish endpoint answers 429.
//  - After a crash, Open recovers every record that Append acknowledged; a torn or corrupt tail is
//    truncated, and a cursor past the recovered end of its log is lowered to that end (durably,
//    before Open returns), so that the offsets given again are delivered.
// Thread-safety: all methods are safe to call from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/util/clock.h"
#include "common/util/status.h"

namespace zroute {

class FileSystem;  // common/util/file_system.h

struct OutboxRecord {
  WallTime publish_time;
  std::string key;      // partition key, empty when none
  std::string payload;  // the encoded event (common/cloudevents/binary_format.h)
};

struct StoredRecord {
  uint64_t offset = 0;
  OutboxRecord record;
};

enum class SyncPolicy {
  kEveryBatch,  // fdatasync before acknowledging each group commit (default)
  kInterval,    // acknowledge after write(); fdatasync at most every sync_interval
};

struct OutboxOptions {
  std::string dir;
  SyncPolicy sync_policy = SyncPolicy::kEveryBatch;
  Duration sync_interval = std::chrono::milliseconds(10);
  uint64_t segment_bytes = 64ull << 20;
  uint64_t disk_quota_bytes = 1ull << 30;  // all topics together
  // Called on the thread that wrote the batch (an Append caller or the writer thread) with the
  // duration of every durable flush of one topic's log (write + fdatasync): the sidecar's fsync
  // latency histogram. May be empty.
  std::function<void(Duration)> on_sync;
};

struct TopicRetention {
  std::chrono::seconds max_age{0};  // 0 = no age limit
  int64_t max_bytes = 0;            // 0 = no size limit
};

class Outbox {
 public:
  virtual ~Outbox() = default;

  // Appends records to a topic's log, in order. Returns their offsets. See the contract above.
  virtual StatusOr<std::vector<uint64_t>> Append(const std::string& topic,
                                                 std::vector<OutboxRecord> records) = 0;

  // Stages records like Append (the same checks, the quota, their offsets) without waiting for
  // them to be written: they are not readable until CommitStaged writes them (or an Append of the
  // same topic does), nor durable until it returns OK. For a caller that gathers many publishes and has them
  // share one write and one fdatasync: the sidecar's event-loop API answers a round's publishes
  // only after its CommitStaged. The default appends at once.
  virtual StatusOr<std::vector<uint64_t>> Stage(const std::string& topic, std::vector<OutboxRecord> records) {
    return Append(topic, std::move(records));
  }
  // Writes everything staged so far and makes it durable under the sync policy, as Append would.
  // An error is the outbox's failure: what was staged may be lost and must not be acknowledged.
  virtual Status CommitStaged() { return Status::OK(); }

  // Reads up to max_records records (and about max_bytes) with offset >= from. An offset below
  // the first retained one starts at the first retained one.
  virtual StatusOr<std::vector<StoredRecord>> Read(const std::string& topic, uint64_t from,
                                                   size_t max_records, size_t max_bytes) const = 0;

  // The offset the next Append will get (= number of records ever appended to the topic).
  virtual uint64_t EndOffset(const std::string& topic) const = 0;
  // The first offset still retained.
  virtual uint64_t BeginOffset(const std::string& topic) const = 0;
  // The first offset whose publish_time >= t (EndOffset when none): for replay by time.
  virtual uint64_t OffsetForTime(const std::string& topic, WallTime t) const = 0;

  // Cursor: every offset below it is acknowledged by the subscription. Persisted; may lag the
  // in-memory value by a short interval (a redelivery after a crash is allowed, a loss is not).
  virtual Status CommitCursor(const std::string& topic, const std::string& subscription,
                              uint64_t offset) = 0;
  virtual uint64_t Cursor(const std::string& topic, const std::string& subscription) const = 0;
  // Forgets a subscription's cursor (the subscription was deleted).
  virtual Status DropCursor(const std::string& topic, const std::string& subscription) = 0;

  // Topics that have a log on disk.
  virtual std::vector<std::string> Topics() const = 0;

  // Removes the oldest records past `retention` at `now` (FileOutbox: whole closed segments),
  // never one at or past the topic's lowest cursor, nor one at or past `keep_from`: the caller's
  // bound for subscriptions that have no cursor yet (kKeepNothingBack: none). Returns the bytes
  // removed.
  static constexpr uint64_t kKeepNothingBack = UINT64_MAX;
  virtual StatusOr<uint64_t> ApplyRetention(const std::string& topic, const TopicRetention& retention,
                                            WallTime now, uint64_t keep_from) = 0;

  virtual uint64_t DiskBytes() const = 0;
  // The bytes of one topic's log (0 for a topic without one).
  virtual uint64_t TopicDiskBytes(const std::string& topic) const = 0;

  // Flushes and fsyncs everything; further Appends fail. Idempotent.
  virtual Status Close() = 0;

  // Wakes the readers: `fn(topic)` runs on the writing thread each time records of `topic` become
  // readable — before the Append (or CommitStaged) that wrote them returns and, under kEveryBatch,
  // before their fdatasync, so a dispatcher can send them while the disk syncs. It must not block
  // or call back into the outbox. Set once, before the first Append.
  void set_on_readable(std::function<void(const std::string& topic)> fn) { on_readable_ = std::move(fn); }

 protected:
  void NotifyReadable(const std::string& topic) const {
    if (on_readable_) on_readable_(topic);
  }

 private:
  std::function<void(const std::string&)> on_readable_;
};

// The file-backed outbox (segment files in options.dir/<topic>/). Recovers on open.
StatusOr<std::unique_ptr<Outbox>> OpenOutbox(const OutboxOptions& options, Clock& clock);
// The same on another file system (tests: in memory, fault-injecting). REQUIRES: fs outlives it.
StatusOr<std::unique_ptr<Outbox>> OpenOutbox(const OutboxOptions& options, Clock& clock,
                                             FileSystem& fs);

}  // namespace zroute
