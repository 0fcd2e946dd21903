// MemoryOutbox: an Outbox kept in memory. Not durable: for tests and for `--outbox-dir ""`
// (an explicit choice to trade durability for a diskless sidecar). Same contract otherwise,
// including retention below the lowest cursor and the byte quota.
#pragma once

#include <deque>
#include <map>
#include <mutex>

#include "sidecar/outbox/outbox.h"

namespace zroute {

class MemoryOutbox final : public Outbox {
 public:
  explicit MemoryOutbox(uint64_t quota_bytes = 1ull << 30) : quota_bytes_(quota_bytes) {}

  StatusOr<std::vector<uint64_t>> Append(const std::string& topic, std::vector<OutboxRecord> records) override;
  StatusOr<std::vector<StoredRecord>> Read(const std::string& topic, uint64_t from, size_t max_records,
                                           size_t max_bytes) const override;
  uint64_t EndOffset(const std::string& topic) const override;
  uint64_t BeginOffset(const std::string& topic) const override;
  uint64_t OffsetForTime(const std::string& topic, WallTime t) const override;
  Status CommitCursor(const std::string& topic, const std::string& subscription, uint64_t offset) override;
  uint64_t Cursor(const std::string& topic, const std::string& subscription) const override;
  Status DropCursor(const std::string& topic, const std::string& subscription) override;
  std::vector<std::string> Topics() const override;
  StatusOr<uint64_t> ApplyRetention(const std::string& topic, const TopicRetention& retention, WallTime now,
                                    uint64_t keep_from) override;
  uint64_t DiskBytes() const override;
  uint64_t TopicDiskBytes(const std::string& topic) const override;
  Status Close() override;

 private:
  struct Log {
    uint64_t begin = 0;  // offset of records.front()
    std::deque<OutboxRecord> records;
    std::map<std::string, uint64_t> cursors;
  };
  static size_t RecordBytes(const OutboxRecord& r) { return r.key.size() + r.payload.size() + 24; }

  const uint64_t quota_bytes_;
  mutable std::mutex mu_;  // guards everything below
  std::map<std::string, Log> logs_;
  uint64_t bytes_ = 0;
  bool closed_ = false;
};

}  // namespace zroute
