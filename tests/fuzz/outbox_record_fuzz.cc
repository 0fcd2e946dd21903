// Fuzz target: the outbox record decoder and the segment scanner must accept any bytes without
// crashing, reading out of bounds or allocating for a hostile length field.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "sidecar/outbox/segment_reader.h"

namespace {

// The fuzz input as a file, so the scanner's chunked reads are exercised too.
class BytesFile final : public zroute::RandomAccessFile {
 public:
  explicit BytesFile(std::string_view bytes) : bytes_(bytes) {}
  zroute::StatusOr<size_t> Read(uint64_t offset, size_t n, char* scratch) const override {
    if (offset >= bytes_.size()) return size_t{0};
    size_t count = std::min<size_t>(n, bytes_.size() - offset);
    std::memcpy(scratch, bytes_.data() + offset, count);
    return count;
  }

 private:
  std::string_view bytes_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  // Decode records back to back, as recovery does.
  std::string_view rest = input;
  for (bool verify : {true, false}) {
    rest = input;
    for (;;) {
      zroute::DecodedRecord record;
      size_t needed = 0;
      zroute::DecodeResult result = zroute::DecodeRecord(rest, verify, &record, &needed);
      if (result != zroute::DecodeResult::kRecord) break;
      if (record.encoded_size == 0 || record.encoded_size > rest.size()) __builtin_trap();
      if (record.key.size() + record.payload.size() + 28 != record.encoded_size) __builtin_trap();
      rest.remove_prefix(record.encoded_size);
    }
  }

  // Scan the same bytes as a segment file, with a tiny chunk to force refills.
  BytesFile file(input);
  zroute::SegmentScanner scanner(file, 0, input.size(), /*verify_crc=*/true, /*chunk_bytes=*/64);
  zroute::DecodedRecord record;
  uint64_t last = 0;
  while (scanner.Next(&record) == zroute::SegmentScanner::Result::kRecord) {
    if (scanner.position() <= last || scanner.position() > input.size()) __builtin_trap();
    last = scanner.position();
  }
  return 0;
}
