#include "sidecar/outbox/segment_writer.h"

#include <algorithm>
#include <cstring>

#include "sidecar/outbox/crc32c.h"
#include "sidecar/outbox/outbox_format.h"

namespace zroute {
namespace {

inline void PutLE32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
inline void PutLE64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

}  // namespace

size_t EncodedRecordSize(const OutboxRecord& record) {
  return outbox_format::kHeaderSize + record.key.size() + record.payload.size();
}

int64_t ToStoredTime(WallTime t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

WallTime FromStoredTime(int64_t ns) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds(ns)));
}

void EncodeRecord(uint64_t offset, const OutboxRecord& record, std::string* dst) {
  using namespace outbox_format;
  const size_t start = dst->size();
  const size_t body = record.key.size() + record.payload.size();
  dst->resize(start + kHeaderSize + body);
  char* p = dst->data() + start;
  PutLE32(p + kLengthOffset, static_cast<uint32_t>(body));
  PutLE64(p + kOffsetOffset, offset);
  PutLE64(p + kTimeOffset, static_cast<uint64_t>(ToStoredTime(record.publish_time)));
  PutLE32(p + kKeyLengthOffset, static_cast<uint32_t>(record.key.size()));
  if (!record.key.empty()) std::memcpy(p + kHeaderSize, record.key.data(), record.key.size());
  if (!record.payload.empty()) {
    std::memcpy(p + kHeaderSize + record.key.size(), record.payload.data(), record.payload.size());
  }
  PutLE32(p + kCrcOffset, crc32c::Extend(0, p + kLengthOffset, kHeaderSize - kLengthOffset + body));
}

std::string SegmentFileName(uint64_t base_offset) {
  std::string digits = std::to_string(base_offset);
  return std::string(outbox_format::kSegmentNameDigits - digits.size(), '0') + digits +
         outbox_format::kSegmentSuffix;
}

bool ParseSegmentFileName(const std::string& name, uint64_t* base_offset) {
  const std::string suffix = outbox_format::kSegmentSuffix;
  if (name.size() != outbox_format::kSegmentNameDigits + suffix.size()) return false;
  if (name.compare(outbox_format::kSegmentNameDigits, suffix.size(), suffix) != 0) return false;
  uint64_t value = 0;
  for (size_t i = 0; i < outbox_format::kSegmentNameDigits; ++i) {
    char c = name[i];
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *base_offset = value;
  return true;
}

Status SegmentWriter::Append(std::string_view bytes) {
  ZR_RETURN_IF_ERROR(file_->WriteAt(size_, bytes));
  size_ += bytes.size();
  if (size_ <= filled_) return Status::OK();
  // Past the zeros: write the next ones now, so that the following rounds write inside the file.
  static const char kZeros[64 << 10] = {};
  const uint64_t fill_to = std::max(size_, std::min(size_ + kZeroFillBytes, fill_limit_));
  for (uint64_t at = size_; at < fill_to;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(sizeof kZeros, fill_to - at));
    ZR_RETURN_IF_ERROR(file_->WriteAt(at, std::string_view(kZeros, n)));
    at += n;
  }
  filled_ = fill_to;
  return Status::OK();
}

}  // namespace zroute
