#include "sidecar/outbox/segment_reader.h"

#include <algorithm>
#include <cstring>

#include "sidecar/outbox/crc32c.h"
#include "sidecar/outbox/outbox_format.h"

namespace zroute {
namespace {

inline uint32_t GetLE32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
inline uint64_t GetLE64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

}  // namespace

DecodeResult DecodeRecord(std::string_view in, bool verify_crc, DecodedRecord* out,
                          size_t* needed) {
  using namespace outbox_format;
  if (in.size() < kHeaderSize) {
    *needed = kHeaderSize;
    return DecodeResult::kNeedMore;
  }
  const char* p = in.data();
  const uint32_t length = GetLE32(p + kLengthOffset);
  const uint32_t key_length = GetLE32(p + kKeyLengthOffset);
  if (length > kMaxBodyBytes || key_length > length) return DecodeResult::kCorrupt;
  const size_t total = kHeaderSize + length;
  if (in.size() < total) {
    *needed = total;
    return DecodeResult::kNeedMore;
  }
  if (verify_crc &&
      crc32c::Extend(0, p + kLengthOffset, total - kLengthOffset) != GetLE32(p + kCrcOffset)) {
    return DecodeResult::kCorrupt;
  }
  out->offset = GetLE64(p + kOffsetOffset);
  out->publish_time_ns = static_cast<int64_t>(GetLE64(p + kTimeOffset));
  out->key = std::string_view(p + kHeaderSize, key_length);
  out->payload = std::string_view(p + kHeaderSize + key_length, length - key_length);
  out->encoded_size = total;
  return DecodeResult::kRecord;
}

SegmentScanner::SegmentScanner(const RandomAccessFile& file, uint64_t start, uint64_t end,
                               bool verify_crc, size_t chunk_bytes)
    : file_(file),
      end_(end),
      verify_crc_(verify_crc),
      max_chunk_bytes_(std::max<size_t>(chunk_bytes, outbox_format::kHeaderSize)),
      chunk_bytes_(std::min<size_t>(max_chunk_bytes_, 64 << 10)),
      pos_(start),
      record_pos_(start),
      buffer_pos_(start) {}

bool SegmentScanner::Fill(size_t want) {
  const size_t skip = static_cast<size_t>(pos_ - buffer_pos_);
  size_t have = buffer_len_ - skip;
  if (have >= want) return true;
  // Keep the unread tail, then read at least a chunk (capped by the range end).
  const uint64_t left_in_range = end_ - pos_;
  const size_t target =
      static_cast<size_t>(std::min<uint64_t>(std::max(want, chunk_bytes_), left_in_range));
  if (target <= have) return true;
  chunk_bytes_ = std::min(2 * chunk_bytes_, max_chunk_bytes_);
  if (buffer_size_ < target) {
    // Uninitialised: the read fills what is used. Zero-filling a megabyte per read was a tenth
    // of the publisher's link thread in the batched benchmark.
    std::unique_ptr<char[]> bigger(new char[target]);
    if (have > 0) std::memcpy(bigger.get(), buffer_.get() + skip, have);
    buffer_ = std::move(bigger);
    buffer_size_ = target;
  } else if (skip > 0) {
    std::memmove(buffer_.get(), buffer_.get() + skip, have);
  }
  buffer_pos_ = pos_;
  buffer_len_ = have;
  StatusOr<size_t> n = file_.Read(pos_ + have, target - have, buffer_.get() + have);
  if (!n.ok()) {
    status_ = n.status();
    return false;
  }
  buffer_len_ += *n;
  if (*n < target - have) at_eof_ = true;
  return true;
}

SegmentScanner::Result SegmentScanner::Next(DecodedRecord* record) {
  record_pos_ = pos_;
  if (pos_ >= end_) return Result::kEnd;
  size_t want = outbox_format::kHeaderSize;
  for (;;) {
    if (!Fill(want)) return Result::kError;
    const size_t skip = static_cast<size_t>(pos_ - buffer_pos_);
    std::string_view view(buffer_.get() + skip, buffer_len_ - skip);
    size_t needed = 0;
    const bool verify = verify_crc_ && !(view.size() >= outbox_format::kHeaderSize &&
                                         GetLE64(view.data() + outbox_format::kOffsetOffset) < verify_from_);
    switch (DecodeRecord(view, verify, record, &needed)) {
      case DecodeResult::kRecord:
        pos_ += record->encoded_size;
        return Result::kRecord;
      case DecodeResult::kCorrupt:
        return Result::kCorrupt;
      case DecodeResult::kNeedMore:
        // A length that runs past the range is a torn write: never allocate for it.
        if (needed > end_ - pos_ || at_eof_) return Result::kTorn;
        want = needed;
        break;
    }
  }
}

}  // namespace zroute
