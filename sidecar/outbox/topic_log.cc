#include "sidecar/outbox/topic_log.h"

#include <algorithm>

#include "sidecar/outbox/outbox_format.h"
#include "sidecar/outbox/segment_reader.h"

namespace zroute {
namespace {

// One sparse index entry per this many bytes of segment: 64 MiB segments → ~16k entries.
constexpr uint64_t kIndexEveryBytes = 4096;

}  // namespace

StatusOr<std::unique_ptr<TopicLog>> TopicLog::Open(FileSystem& fs, std::string dir,
                                                   uint64_t segment_bytes) {
  std::unique_ptr<TopicLog> log(
      new TopicLog(fs, std::move(dir), std::max<uint64_t>(segment_bytes, 1)));
  ZR_RETURN_IF_ERROR(log->Recover());
  return log;
}

TopicLog::~TopicLog() { (void)CloseWriter(); }

StatusOr<std::shared_ptr<TopicLog::Segment>> TopicLog::CreateSegment(uint64_t base) {
  auto segment = std::make_shared<Segment>();
  segment->base = base;
  segment->end = base;
  segment->path = dir_ + "/" + SegmentFileName(base);
  ZR_ASSIGN_OR_RETURN(auto file, fs_.CreateTruncated(segment->path));
  ZR_RETURN_IF_ERROR(fs_.SyncDir(dir_));
  ZR_ASSIGN_OR_RETURN(auto reader, fs_.OpenRandomAccess(segment->path));
  segment->file = std::move(reader);
  SetWriter(std::make_unique<SegmentWriter>(std::move(file), 0, segment_bytes_), segment->path);
  return segment;
}

StatusOr<uint64_t> TopicLog::IndexSegment(Segment& segment, uint64_t file_size, bool verify) {
  SegmentScanner scanner(*segment.file, 0, file_size, verify);
  uint64_t expected = segment.base;
  uint64_t good_end = 0;
  uint64_t last_indexed = 0;
  DecodedRecord record;
  for (;;) {
    SegmentScanner::Result result = scanner.Next(&record);
    if (result == SegmentScanner::Result::kError) return scanner.status();
    if (result != SegmentScanner::Result::kRecord || record.offset != expected) break;
    const uint64_t position = scanner.record_position();
    if (segment.index.empty() || position - last_indexed >= kIndexEveryBytes) {
      segment.index.push_back({record.offset, position});
      last_indexed = position;
    }
    segment.min_time = std::min(segment.min_time, record.publish_time_ns);
    segment.max_time = std::max(segment.max_time, record.publish_time_ns);
    ++expected;
    good_end = scanner.position();
  }
  segment.end = expected;
  segment.size = good_end;
  return good_end;
}

Status TopicLog::Recover() {
  ZR_ASSIGN_OR_RETURN(auto names, fs_.ListDir(dir_));
  std::vector<uint64_t> bases;
  for (const auto& name : names) {
    uint64_t base = 0;
    if (ParseSegmentFileName(name, &base)) bases.push_back(base);
  }
  std::sort(bases.begin(), bases.end());
  if (bases.empty()) {
    ZR_ASSIGN_OR_RETURN(auto segment, CreateSegment(0));
    segments_.push_back(std::move(segment));
  }
  for (size_t i = 0; i < bases.size(); ++i) {
    const bool last = i + 1 == bases.size();
    auto segment = std::make_shared<Segment>();
    segment->base = bases[i];
    segment->path = dir_ + "/" + SegmentFileName(bases[i]);
    ZR_ASSIGN_OR_RETURN(auto file, fs_.OpenRandomAccess(segment->path));
    segment->file = std::move(file);
    ZR_ASSIGN_OR_RETURN(uint64_t file_size, fs_.FileSize(segment->path));
    // Only the last segment can hold a torn write: earlier ones were synced before the roll.
    ZR_ASSIGN_OR_RETURN(uint64_t good_end, IndexSegment(*segment, file_size, /*verify=*/last));
    segment->file_bytes = file_size;
    if (last) {
      if (good_end < file_size) {
        ZR_RETURN_IF_ERROR(fs_.Truncate(segment->path, good_end));
        segment->file_bytes = good_end;
      }
      ZR_ASSIGN_OR_RETURN(auto writable, fs_.OpenWritable(segment->path));
      SetWriter(std::make_unique<SegmentWriter>(std::move(writable), good_end, segment_bytes_), segment->path);
    } else if (segment->end != bases[i + 1]) {
      if (segment->end > bases[i + 1]) {
        return Status::Corruption("segments overlap in " + dir_ + " at offset " +
                                  std::to_string(bases[i + 1]));
      }
      // The unindexed rest of this segment answers kCorruption when read.
      segment->damaged_from = segment->end;
      segment->end = bases[i + 1];
    }
    disk_bytes_ += segment->file_bytes;
    segments_.push_back(std::move(segment));
  }
  next_offset_ = segments_.back()->end;
  ResetPending(segments_.back());
  return Status::OK();
}

void TopicLog::ResetPending(const std::shared_ptr<Segment>& active) {
  Pending pending;
  pending.segment = active;
  pending.end = active->end;
  pending.size = active->size;
  pending.min_time = active->min_time;
  pending.max_time = active->max_time;
  pending.has_index = !active->index.empty();
  pending.last_indexed = pending.has_index ? active->index.back().position : 0;
  pending_.clear();
  pending_.push_back(std::move(pending));
}

Status TopicLog::Stage(const std::vector<OutboxRecord>& records, std::vector<uint64_t>* offsets) {
  for (const OutboxRecord& record : records) {
    const size_t n = EncodedRecordSize(record);
    if (pending_.back().size > 0 && pending_.back().size + n > segment_bytes_) {
      ZR_RETURN_IF_ERROR(Roll());
    }
    Pending& p = pending_.back();
    const uint64_t offset = next_offset_++;
    const uint64_t position = p.size;
    EncodeRecord(offset, record, &buffer_);
    if (!p.has_index || position - p.last_indexed >= kIndexEveryBytes) {
      p.new_index.push_back({offset, position});
      p.last_indexed = position;
      p.has_index = true;
    }
    const int64_t t = ToStoredTime(record.publish_time);
    p.min_time = std::min(p.min_time, t);
    p.max_time = std::max(p.max_time, t);
    p.size += n;
    p.end = offset + 1;
    staged_bytes_ += n;
    offsets->push_back(offset);
  }
  return Status::OK();
}

Status TopicLog::Roll() {
  if (!buffer_.empty()) {
    ZR_RETURN_IF_ERROR(Failed(writer_->Append(buffer_)));
    buffer_.clear();
  }
  // The old segment is durable, without its zero fill, before the new one exists, so only the
  // last segment can be torn or end in zeros. This sync runs on the write side under every policy
  // (once per segment).
  ZR_RETURN_IF_ERROR(Failed(writer_->Sync()));
  ZR_RETURN_IF_ERROR(Failed(TrimZeroFill()));
  {
    // Waits for a SyncActive of this file on the syncer thread to finish: never close under it.
    std::lock_guard<std::mutex> lock(file_mu_);
    writer_open_ = false;
    ZR_RETURN_IF_ERROR(writer_->Close());
  }
  ZR_ASSIGN_OR_RETURN(auto segment, CreateSegment(next_offset_));
  Pending pending;
  pending.segment = std::move(segment);
  pending.is_new = true;
  pending.end = next_offset_;
  pending_.push_back(std::move(pending));
  return Status::OK();
}

StatusOr<uint64_t> TopicLog::Write() {
  if (staged_bytes_ == 0 && pending_.size() == 1) return uint64_t{0};
  if (!buffer_.empty()) {
    ZR_RETURN_IF_ERROR(Failed(writer_->Append(buffer_)));
    buffer_.clear();
    if (buffer_.capacity() > (4u << 20)) buffer_.shrink_to_fit();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Pending& p : pending_) {
      Segment& segment = *p.segment;
      if (p.is_new) segments_.push_back(p.segment);
      disk_bytes_ += p.size - segment.file_bytes;
      segment.end = p.end;
      segment.size = p.size;
      segment.file_bytes = p.size;
      segment.min_time = p.min_time;
      segment.max_time = p.max_time;
      segment.index.insert(segment.index.end(), p.new_index.begin(), p.new_index.end());
    }
  }
  Pending active = std::move(pending_.back());
  active.is_new = false;
  active.new_index.clear();
  pending_.clear();
  pending_.push_back(std::move(active));
  const uint64_t published = staged_bytes_;
  staged_bytes_ = 0;
  return published;
}

Status TopicLog::Sync() { return Failed(writer_->Sync()); }

void TopicLog::SetWriter(std::unique_ptr<SegmentWriter> writer, std::string path) {
  std::lock_guard<std::mutex> lock(file_mu_);
  writer_ = std::move(writer);
  writer_path_ = std::move(path);
  writer_open_ = true;
}

Status TopicLog::Failed(Status status) {
  if (!status.ok()) write_failed_.store(true);
  return status;
}

Status TopicLog::TrimZeroFill() {
  if (writer_->file_length() == writer_->size()) return Status::OK();
  return fs_.Truncate(writer_path_, writer_->size());
}

Status TopicLog::SyncActive() {
  // fdatasync concurrent with the write side's write() on the same descriptor is fine; file_mu_
  // only keeps the descriptor from being closed or replaced during the sync.
  std::lock_guard<std::mutex> lock(file_mu_);
  return writer_open_ ? Failed(writer_->Sync()) : Status::OK();
}

Status TopicLog::CloseWriter() {
  std::lock_guard<std::mutex> lock(file_mu_);
  if (!writer_open_) return Status::OK();
  writer_open_ = false;
  // A cleanly closed log ends at its last record; a crash leaves the zeros for recovery to cut.
  // After a failed write or fdatasync nothing more is made durable (the truncate's fsync would
  // keep records never acknowledged): recovery decides what survived.
  Status trimmed = write_failed_.load() ? Status::OK() : TrimZeroFill();
  Status closed = writer_->Close();
  return trimmed.ok() ? closed : trimmed;
}

uint64_t TopicLog::EndOffset() const {
  std::lock_guard<std::mutex> lock(mu_);
  return segments_.back()->end;
}

uint64_t TopicLog::BeginOffset() const {
  std::lock_guard<std::mutex> lock(mu_);
  return segments_.front()->base;
}

uint64_t TopicLog::DiskBytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return disk_bytes_;
}

TopicLog::ReadView TopicLog::ViewFor(uint64_t* offset) const {
  ReadView view;
  std::lock_guard<std::mutex> lock(mu_);
  *offset = std::max(*offset, segments_.front()->base);
  if (*offset >= segments_.back()->end) return view;
  auto it = std::upper_bound(
      segments_.begin(), segments_.end(), *offset,
      [](uint64_t off, const std::shared_ptr<Segment>& s) { return off < s->base; });
  const Segment& segment = **std::prev(it);
  auto entry = std::upper_bound(segment.index.begin(), segment.index.end(), *offset,
                                [](uint64_t off, const IndexEntry& e) { return off < e.offset; });
  view.segment = *std::prev(it);
  if (entry != segment.index.begin()) {
    view.start_position = std::prev(entry)->position;
    view.start_offset = std::prev(entry)->offset;
  } else {
    view.start_offset = segment.base;
  }
  view.size = segment.size;
  view.end = segment.end;
  return view;
}

StatusOr<std::vector<StoredRecord>> TopicLog::Read(uint64_t from, size_t max_records,
                                                   size_t max_bytes) const {
  std::vector<StoredRecord> out;
  size_t bytes = 0;
  uint64_t next = from;
  // A bad record ends the read: what came before it is returned, the next read reports it.
  auto fail = [&](Status status) -> StatusOr<std::vector<StoredRecord>> {
    if (!out.empty()) return std::move(out);
    return status;
  };
  while (out.size() < max_records) {
    ReadView view = ViewFor(&next);
    if (!view.segment) break;
    const Segment& segment = *view.segment;
    const auto corrupt = [&](uint64_t offset) {
      return Status::Corruption("outbox segment " + segment.path + ": bad record at offset " +
                                std::to_string(offset));
    };
    if (next >= segment.damaged_from) return fail(corrupt(next));
    const size_t chunk = std::clamp<size_t>(max_bytes + 4096, 64 << 10, 1 << 20);
    SegmentScanner scanner(*segment.file, view.start_position, view.size, true, chunk);
    scanner.SkipChecksumsBelow(next);
    uint64_t expected = view.start_offset;
    DecodedRecord record;
    for (;;) {
      SegmentScanner::Result result = scanner.Next(&record);
      if (result == SegmentScanner::Result::kEnd) break;
      if (result == SegmentScanner::Result::kError) return fail(scanner.status());
      if (result != SegmentScanner::Result::kRecord || record.offset != expected) {
        return fail(corrupt(expected));
      }
      ++expected;
      if (record.offset < next) continue;
      const size_t record_bytes = record.key.size() + record.payload.size();
      if (!out.empty() && bytes + record_bytes > max_bytes) return out;
      StoredRecord& stored = out.emplace_back();
      stored.offset = record.offset;
      stored.record.publish_time = FromStoredTime(record.publish_time_ns);
      stored.record.key.assign(record.key);
      stored.record.payload.assign(record.payload);
      bytes += record_bytes;
      next = record.offset + 1;
      if (out.size() >= max_records) return out;
    }
    if (expected < view.end) return fail(corrupt(expected));
    next = view.end;
  }
  return out;
}

uint64_t TopicLog::OffsetForTime(WallTime t) const {
  const int64_t wanted = ToStoredTime(t);
  std::shared_ptr<const Segment> found;
  uint64_t size = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& segment : segments_) {
      if (segment->end > segment->base && segment->max_time >= wanted) {
        found = segment;
        size = segment->size;
        break;
      }
    }
    if (!found) return segments_.back()->end;
  }
  // Publish times need not be ordered, so the first match is found by a scan of that segment.
  SegmentScanner scanner(*found->file, 0, size, /*verify_crc=*/false);
  DecodedRecord record;
  while (scanner.Next(&record) == SegmentScanner::Result::kRecord) {
    if (record.publish_time_ns >= wanted) return record.offset;
  }
  return found->base;  // unreadable: replay from the segment start rather than skip events
}

StatusOr<uint64_t> TopicLog::RemoveSegments(const TopicRetention& retention, WallTime now,
                                            uint64_t keep_from) {
  if (retention.max_age.count() <= 0 && retention.max_bytes <= 0) return uint64_t{0};
  const int64_t cutoff = ToStoredTime(now - retention.max_age);
  std::vector<std::shared_ptr<Segment>> removed;
  uint64_t removed_bytes = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    while (segments_.size() > 1) {  // the active segment always stays
      const Segment& oldest = *segments_.front();
      if (oldest.end > keep_from) break;  // holds unacknowledged records
      const bool too_old = retention.max_age.count() > 0 && oldest.max_time < cutoff;
      const bool too_big =
          retention.max_bytes > 0 && disk_bytes_ > static_cast<uint64_t>(retention.max_bytes);
      if (!too_old && !too_big) break;
      disk_bytes_ -= oldest.file_bytes;
      removed_bytes += oldest.file_bytes;
      removed.push_back(segments_.front());
      segments_.pop_front();
    }
  }
  if (removed.empty()) return uint64_t{0};
  for (const auto& segment : removed) ZR_RETURN_IF_ERROR(fs_.RemoveFile(segment->path));
  ZR_RETURN_IF_ERROR(fs_.SyncDir(dir_));
  return removed_bytes;
}

}  // namespace zroute
