// TopicLog: one topic's log: its segment files, the in-memory index over them, recovery on open,
// reads, time lookups and segment removal.
//
// Threads: the write side (Stage, Write, Sync, CloseWriter) is used by one thread at a time: whichever
// holds the outbox's write side (FileOutbox hands it between callers and its writer thread under its
// mutex, so each holder sees the previous one's writes). SyncActive may run on one other thread
// (the outbox's syncer, SyncPolicy::kInterval) at the same time as the write side: it fdatasyncs
// the active segment under file_mu_, and the write side takes file_mu_ to close or replace that segment's file (a roll waits for a sync in progress),
// so a file is never closed during a sync. The read side (Read, EndOffset, BeginOffset, OffsetForTime, DiskBytes) and
// RemoveSegments may run on any thread at the same time. mu_ guards segments_ and the published
// (reader-visible) fields of every Segment; file reads and writes happen outside mu_.
//
// Visibility: records become readable when Write publishes them, right after their write() and
// before any fdatasync (Sync), so readers may see records that are not yet durable; the outbox
// acknowledges them only after the sync its policy asks for. Staged records are invisible.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/util/file_system.h"
#include "sidecar/outbox/outbox.h"
#include "sidecar/outbox/segment_writer.h"

namespace zroute {

class TopicLog {
 public:
  // Opens (recovering) or creates the log in `dir`, which must exist. Recovery verifies every
  // record of the last segment and truncates it at the first torn or corrupt record, or at the
  // zeros written ahead of the records (SegmentWriter); earlier segments are only indexed (their
  // CRCs are checked when read).
  static StatusOr<std::unique_ptr<TopicLog>> Open(FileSystem& fs, std::string dir,
                                                  uint64_t segment_bytes);
  ~TopicLog();

  // --- any thread ---
  StatusOr<std::vector<StoredRecord>> Read(uint64_t from, size_t max_records,
                                           size_t max_bytes) const;
  uint64_t EndOffset() const;
  uint64_t BeginOffset() const;
  uint64_t OffsetForTime(WallTime t) const;
  uint64_t DiskBytes() const;
  // Removes the oldest closed segments past `retention` at `now`, never one holding an offset
  // >= keep_from. Returns the bytes removed.
  StatusOr<uint64_t> RemoveSegments(const TopicRetention& retention, WallTime now,
                                    uint64_t keep_from);

  // --- the holder of the write side ---
  // Encodes records into the write buffer, assigning offsets (appended to *offsets). May roll to
  // a new segment, which writes and syncs the old one.
  Status Stage(const std::vector<OutboxRecord>& records, std::vector<uint64_t>* offsets);
  // Writes the staged bytes (one write()) and publishes them to readers. Returns the bytes
  // published.
  StatusOr<uint64_t> Write();
  // fdatasyncs the active segment: every record written so far is durable when it returns OK (a
  // roll synced the older segments).
  Status Sync();
  Status CloseWriter();

  // --- the holder of the write side, or one other thread (see Threads above) ---
  // fdatasyncs the active segment file; OK when no segment file is open (between a roll's close
  // and the next segment's creation, or after CloseWriter), since a roll syncs before closing.
  Status SyncActive();

 private:
  struct IndexEntry {
    uint64_t offset;
    uint64_t position;
  };
  struct Segment {
    uint64_t base = 0;
    std::string path;
    std::shared_ptr<RandomAccessFile> file;
    uint64_t damaged_from = UINT64_MAX;  // offsets from here could not be indexed at open
    // Published fields, guarded by TopicLog::mu_.
    uint64_t end = 0;         // one past the last readable offset
    uint64_t size = 0;        // readable bytes
    uint64_t file_bytes = 0;  // bytes on disk (counted for quota and retention)
    int64_t min_time = INT64_MAX;
    int64_t max_time = INT64_MIN;
    std::vector<IndexEntry> index;  // sparse, ascending; the first record is always indexed
  };
  // The writer's view of a segment it is filling, published by Write.
  struct Pending {
    std::shared_ptr<Segment> segment;
    bool is_new = false;  // not yet in segments_
    uint64_t end = 0;
    uint64_t size = 0;
    int64_t min_time = INT64_MAX;
    int64_t max_time = INT64_MIN;
    std::vector<IndexEntry> new_index;
    uint64_t last_indexed = 0;
    bool has_index = false;
  };

  TopicLog(FileSystem& fs, std::string dir, uint64_t segment_bytes)
      : fs_(fs), dir_(std::move(dir)), segment_bytes_(segment_bytes) {}

  Status Recover();
  // Indexes one segment from its file; `verify` checks CRCs and stops at the first bad record.
  // Returns the position after the last good record.
  StatusOr<uint64_t> IndexSegment(Segment& segment, uint64_t file_size, bool verify);
  StatusOr<std::shared_ptr<Segment>> CreateSegment(uint64_t base);
  Status Roll();
  void SetWriter(std::unique_ptr<SegmentWriter> writer, std::string path);  // the holder of the write side
  // Cuts the active segment file's zero fill (SegmentWriter) off, durably.
  Status TrimZeroFill();
  // Returns `status`; remembers a failure of the segment file's writes or syncs.
  Status Failed(Status status);
  void ResetPending(const std::shared_ptr<Segment>& active);
  // A snapshot of what a reader needs from the segment holding *offset (raised to the first
  // retained offset); nullptr when *offset is at or past the end of the log.
  struct ReadView {
    std::shared_ptr<const Segment> segment;
    uint64_t start_position = 0;  // of the indexed record at or before *offset
    uint64_t start_offset = 0;
    uint64_t size = 0;
    uint64_t end = 0;
  };
  ReadView ViewFor(uint64_t* offset) const;

  FileSystem& fs_;
  const std::string dir_;
  const uint64_t segment_bytes_;

  mutable std::mutex mu_;
  std::deque<std::shared_ptr<Segment>> segments_;  // guarded by mu_; ascending base, never empty
  uint64_t disk_bytes_ = 0;                        // guarded by mu_

  // file_mu_ guards writer_open_ and the identity of writer_ (set, closed) against SyncActive on
  // another thread; the write side reads writer_ and calls Append/Sync without it.
  std::mutex file_mu_;
  std::unique_ptr<SegmentWriter> writer_;
  std::string writer_path_;
  bool writer_open_ = false;
  std::atomic<bool> write_failed_{false};  // a write, sync or trim of a segment file failed

  // Write-side state.
  std::vector<Pending> pending_;  // back() is the active segment
  uint64_t next_offset_ = 0;
  std::string buffer_;         // staged bytes for pending_.back()
  uint64_t staged_bytes_ = 0;  // bytes staged or written since the last publish
};

}  // namespace zroute
