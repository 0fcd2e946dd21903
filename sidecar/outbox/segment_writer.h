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
class SegmentWriter {
 public:
  SegmentWriter(std::unique_ptr<WritableFile> file, uint64_t size)
      : file_(std::move(file)), size_(size) {}

  // One write() of all of `bytes`.
  Status Append(std::string_view bytes);
  Status Sync() { return file_->Sync(); }
  Status Close() { return file_->Close(); }
  uint64_t size() const { return size_; }

 private:
  std::unique_ptr<WritableFile> file_;
  uint64_t size_;
};

}  // namespace zroute
