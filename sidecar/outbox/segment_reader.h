// Decoding outbox records (sidecar/outbox/outbox_format.h) and scanning segment files.
// DecodeRecord is pure and total: any bytes give an answer, never a crash or a large allocation.
// A SegmentScanner belongs to one thread; the RandomAccessFile it reads may be shared.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/util/file_system.h"

namespace zroute {

struct DecodedRecord {
  uint64_t offset = 0;
  int64_t publish_time_ns = 0;
  std::string_view key;      // points into the decoded buffer
  std::string_view payload;  // points into the decoded buffer
  size_t encoded_size = 0;   // header + key + payload
};

enum class DecodeResult {
  kRecord,    // *out holds a record of out->encoded_size bytes
  kNeedMore,  // `in` ends inside the record; *needed says how many bytes the record has, or the
              // header size when even the header is incomplete
  kCorrupt,   // bad CRC, impossible length, key longer than the body
};

// Decodes the record at the start of `in`. With verify_crc false, only the header is checked
// (for fast scans of trusted segments).
DecodeResult DecodeRecord(std::string_view in, bool verify_crc, DecodedRecord* out, size_t* needed);

// Reads the records of [start, end) of a segment file sequentially. The first read is at most
// 64 KiB and each later one doubles, up to `chunk_bytes`: a reader that wants a few records near
// a long backlog (the link thread, every pump) reads kilobytes, a recovery scan soon reads
// megabytes at a time.
class SegmentScanner {
 public:
  enum class Result {
    kRecord,   // a record; valid until the next call
    kEnd,      // reached `end` exactly after a whole record
    kTorn,     // the range ends inside a record (an interrupted write)
    kCorrupt,  // a record failed its checks
    kError,    // the read failed: see status()
  };

  SegmentScanner(const RandomAccessFile& file, uint64_t start, uint64_t end, bool verify_crc,
                 size_t chunk_bytes = 1 << 20);

  Result Next(DecodedRecord* record);
  // Records whose header names an offset below `offset` are framed but their checksums are not
  // verified: a reader that starts at the index entry before its first offset skips them, and
  // verifying them cost a few checksums per read. A damaged length among them still shows: the
  // next record fails its checks.
  void SkipChecksumsBelow(uint64_t offset) { verify_from_ = offset; }
  // File position of the record last returned (or of the bad bytes after kTorn/kCorrupt).
  uint64_t record_position() const { return record_pos_; }
  // File position just after the last good record.
  uint64_t position() const { return pos_; }
  const Status& status() const { return status_; }

 private:
  // Makes at least `want` bytes from pos_ available in the buffer (fewer at `end`).
  bool Fill(size_t want);

  const RandomAccessFile& file_;
  const uint64_t end_;
  const bool verify_crc_;
  uint64_t verify_from_ = 0;
  const size_t max_chunk_bytes_;
  size_t chunk_bytes_;  // the next read's size: doubles per read up to max_chunk_bytes_
  uint64_t pos_;
  uint64_t record_pos_;
  std::unique_ptr<char[]> buffer_;  // bytes of the file from buffer_pos_; not zero-filled
  size_t buffer_size_ = 0;
  uint64_t buffer_pos_;
  size_t buffer_len_ = 0;  // valid bytes in buffer_
  bool at_eof_ = false;    // the file ended before `end`
  Status status_;
};

}  // namespace zroute
