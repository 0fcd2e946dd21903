#include "sidecar/outbox/memory_outbox.h"

#include <algorithm>

namespace zroute {

StatusOr<std::vector<uint64_t>> MemoryOutbox::Append(const std::string& topic, std::vector<OutboxRecord> records) {
  std::vector<uint64_t> offsets;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::FailedPrecondition("outbox is closed");
    uint64_t add = 0;
    for (const auto& r : records) add += RecordBytes(r);
    if (bytes_ + add > quota_bytes_) return Status::ResourceExhausted("outbox quota reached");
    Log& log = logs_[topic];
    offsets.reserve(records.size());
    for (auto& r : records) {
      offsets.push_back(log.begin + log.records.size());
      log.records.push_back(std::move(r));
    }
    bytes_ += add;
  }
  if (!offsets.empty()) NotifyReadable(topic);
  return offsets;
}

StatusOr<std::vector<StoredRecord>> MemoryOutbox::Read(const std::string& topic, uint64_t from, size_t max_records,
                                                       size_t max_bytes) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<StoredRecord> out;
  auto it = logs_.find(topic);
  if (it == logs_.end()) return out;
  const Log& log = it->second;
  uint64_t start = std::max(from, log.begin);
  size_t bytes = 0;
  for (uint64_t off = start; off < log.begin + log.records.size() && out.size() < max_records; ++off) {
    const OutboxRecord& r = log.records[off - log.begin];
    if (!out.empty() && bytes + r.payload.size() > max_bytes) break;
    bytes += r.payload.size();
    out.push_back({off, r});
  }
  return out;
}

uint64_t MemoryOutbox::EndOffset(const std::string& topic) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = logs_.find(topic);
  return it == logs_.end() ? 0 : it->second.begin + it->second.records.size();
}

uint64_t MemoryOutbox::BeginOffset(const std::string& topic) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = logs_.find(topic);
  return it == logs_.end() ? 0 : it->second.begin;
}

uint64_t MemoryOutbox::OffsetForTime(const std::string& topic, WallTime t) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = logs_.find(topic);
  if (it == logs_.end()) return 0;
  const Log& log = it->second;
  for (size_t i = 0; i < log.records.size(); ++i) {
    if (log.records[i].publish_time >= t) return log.begin + i;
  }
  return log.begin + log.records.size();
}

Status MemoryOutbox::CommitCursor(const std::string& topic, const std::string& subscription, uint64_t offset) {
  std::lock_guard<std::mutex> lock(mu_);
  logs_[topic].cursors[subscription] = offset;
  return Status::OK();
}

uint64_t MemoryOutbox::Cursor(const std::string& topic, const std::string& subscription) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = logs_.find(topic);
  if (it == logs_.end()) return 0;
  auto c = it->second.cursors.find(subscription);
  return c == it->second.cursors.end() ? 0 : c->second;
}

Status MemoryOutbox::DropCursor(const std::string& topic, const std::string& subscription) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = logs_.find(topic);
  if (it != logs_.end()) it->second.cursors.erase(subscription);
  return Status::OK();
}

std::vector<std::string> MemoryOutbox::Topics() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, _] : logs_) out.push_back(name);
  return out;
}

StatusOr<uint64_t> MemoryOutbox::ApplyRetention(const std::string& topic, const TopicRetention& retention,
                                                WallTime now, uint64_t keep_from) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = logs_.find(topic);
  if (it == logs_.end()) return uint64_t{0};
  Log& log = it->second;
  uint64_t min_cursor = std::min<uint64_t>(keep_from, log.begin + log.records.size());
  for (const auto& [_, c] : log.cursors) min_cursor = std::min(min_cursor, c);
  uint64_t log_bytes = 0;
  for (const auto& r : log.records) log_bytes += RecordBytes(r);
  uint64_t removed = 0;
  while (!log.records.empty() && log.begin < min_cursor) {
    const OutboxRecord& r = log.records.front();
    bool too_old = retention.max_age.count() > 0 && now - r.publish_time > retention.max_age;
    bool too_big = retention.max_bytes > 0 && log_bytes > static_cast<uint64_t>(retention.max_bytes);
    if (!too_old && !too_big) break;
    log_bytes -= RecordBytes(r);
    bytes_ -= RecordBytes(r);
    removed += RecordBytes(r);
    log.records.pop_front();
    ++log.begin;
  }
  return removed;
}

uint64_t MemoryOutbox::TopicDiskBytes(const std::string& topic) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = logs_.find(topic);
  if (it == logs_.end()) return 0;
  uint64_t bytes = 0;
  for (const auto& r : it->second.records) bytes += RecordBytes(r);
  return bytes;
}

uint64_t MemoryOutbox::DiskBytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

Status MemoryOutbox::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  return Status::OK();
}

}  // namespace zroute
