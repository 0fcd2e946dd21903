// Encoding outbox records (sidecar/outbox/outbox_format.h) and appending them to a segment file.
// Thread: a SegmentWriter is used by the holder of the outbox's write side (one thread at a time);
// the free functions are pure.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/util/file_system.h"
#include "sidecar/outbox/outbox.h"

namespace zroute {

// Bytes EncodeRecord appends for `record`.
size_t EncodedRecordSize(const OutboxRecord& record);

// Appends the encoded record to *dst. REQUIRES: key + payload <= outbox_format::kMaxBodyBytes.
void EncodeRecord(uint64_t offset, const OutboxRecord& record, std::string* dst);

// Publish time as stored: nanoseconds since the Unix epoch.
int64_t ToStoredTime(WallTime t);
WallTime FromStoredTime(int64_t ns);

// "00000000000000000042.log"
std::string SegmentFileName(uint64_t base_offset);
// Parses a segment file name; false when `name` is not one.
bool ParseSegmentFileName(const std::string& name, uint64_t* base_offset);

// Appends encoded bytes to one segment file and remembers its size.
//
// The file is zero-filled ahead of the records, up to kZeroFillBytes at a time: a write then
// lands inside the file, and its fdatasync flushes the data alone, without the block allocation
// and size change an append makes it write too (measured on ext4: 2.5x faster syncs of 12 KiB
// rounds at a third of the CPU; bench/README.md). The zeros past size() are not records (a header
// of zeros fails its CRC): recovery stops at them and cuts them off, and Trim cuts them before a
// segment is closed.
class SegmentWriter {
 public:
  static constexpr uint64_t kZeroFillBytes = 1 << 20;

  // `size`: the bytes of records already in the file, which ends there. The zero fill never goes
  // past `fill_limit` (the segment size), unless a record does.
  SegmentWriter(std::unique_ptr<WritableFile> file, uint64_t size, uint64_t fill_limit)
      : file_(std::move(file)), size_(size), filled_(size), fill_limit_(fill_limit) {}

  // Writes all of `bytes` at size() (one write(), plus one of zeros when the fill runs out).
  Status Append(std::string_view bytes);
  Status Sync() { return file_->Sync(); }
  Status Close() { return file_->Close(); }
  uint64_t size() const { return size_; }
  // The file's length: size() plus the zeros written ahead.
  uint64_t file_length() const { return filled_; }

 private:
  std::unique_ptr<WritableFile> file_;
  uint64_t size_;
  uint64_t filled_;  // the file's length: records, then zeros
  const uint64_t fill_limit_;
};

}  // namespace zroute
