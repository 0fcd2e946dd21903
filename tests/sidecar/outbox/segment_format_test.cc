// The record encoding (segment_writer) against the decoder (segment_reader).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "sidecar/outbox/outbox_format.h"
#include "sidecar/outbox/segment_reader.h"
#include "sidecar/outbox/segment_writer.h"
#include "tests/sidecar/outbox/outbox_test_util.h"
#include "tests/support/fault_injecting_file_system.h"
#include "tests/support/memory_file_system.h"

namespace zroute {
namespace {

using testing::MakeRecord;

std::string Encode(uint64_t offset, const OutboxRecord& record) {
  std::string out;
  EncodeRecord(offset, record, &out);
  return out;
}

TEST(SegmentFormatTest, RecordRoundTrips) {
  const WallTime t = WallTime{} + std::chrono::seconds(1767225600) + std::chrono::nanoseconds(5);
  std::string bytes = Encode(42, MakeRecord("payload", "key", t));
  ASSERT_EQ(bytes.size(), outbox_format::kHeaderSize + 10);
  DecodedRecord record;
  size_t needed = 0;
  ASSERT_EQ(DecodeRecord(bytes, true, &record, &needed), DecodeResult::kRecord);
  EXPECT_EQ(record.offset, 42u);
  EXPECT_EQ(record.key, "key");
  EXPECT_EQ(record.payload, "payload");
  EXPECT_EQ(FromStoredTime(record.publish_time_ns), t);
  EXPECT_EQ(record.encoded_size, bytes.size());
}

TEST(SegmentFormatTest, EveryPrefixNeedsMore) {
  std::string bytes = Encode(7, MakeRecord("hello world", "k"));
  for (size_t n = 0; n < bytes.size(); ++n) {
    DecodedRecord record;
    size_t needed = 0;
    EXPECT_EQ(DecodeRecord(std::string_view(bytes).substr(0, n), true, &record, &needed),
              DecodeResult::kNeedMore)
        << n;
    EXPECT_GT(needed, n);
    EXPECT_LE(needed, bytes.size());
  }
}

TEST(SegmentFormatTest, EveryFlippedBitIsCorrupt) {
  std::string bytes = Encode(3, MakeRecord("abc", "k"));
  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    std::string flipped = bytes;
    flipped[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    DecodedRecord record;
    size_t needed = 0;
    // A flip in the length may also make the record look longer than the input.
    EXPECT_NE(DecodeRecord(flipped, true, &record, &needed), DecodeResult::kRecord) << bit;
  }
}

TEST(SegmentFormatTest, HugeLengthFieldIsCorruptWithoutAllocating) {
  std::string bytes = Encode(0, MakeRecord("x"));
  const uint32_t huge = 0xFFFFFFF0u;
  std::memcpy(bytes.data() + outbox_format::kLengthOffset, &huge, 4);
  DecodedRecord record;
  size_t needed = 0;
  EXPECT_EQ(DecodeRecord(bytes, true, &record, &needed), DecodeResult::kCorrupt);
}

TEST(SegmentFormatTest, KeyLongerThanBodyIsCorrupt) {
  std::string bytes = Encode(0, MakeRecord("x", "k"));
  const uint32_t key_length = 100;
  std::memcpy(bytes.data() + outbox_format::kKeyLengthOffset, &key_length, 4);
  DecodedRecord record;
  size_t needed = 0;
  EXPECT_EQ(DecodeRecord(bytes, false, &record, &needed), DecodeResult::kCorrupt);
}

// A segment file in memory that remembers the largest read asked of it.
class CountingFile final : public RandomAccessFile {
 public:
  explicit CountingFile(std::string bytes) : bytes_(std::move(bytes)) {}
  StatusOr<size_t> Read(uint64_t offset, size_t n, char* scratch) const override {
    largest_read = std::max(largest_read, n);
    if (offset >= bytes_.size()) return size_t{0};
    size_t count = std::min<size_t>(n, bytes_.size() - offset);
    std::memcpy(scratch, bytes_.data() + offset, count);
    return count;
  }
  mutable size_t largest_read = 0;

 private:
  std::string bytes_;
};

TEST(SegmentScannerTest, ReadsEveryRecordAcrossSmallChunks) {
  std::string bytes;
  for (int i = 0; i < 50; ++i) EncodeRecord(i, MakeRecord(std::string(i, 'p'), "k"), &bytes);
  CountingFile file(bytes);
  SegmentScanner scanner(file, 0, bytes.size(), true, /*chunk_bytes=*/40);
  DecodedRecord record;
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(scanner.Next(&record), SegmentScanner::Result::kRecord) << i;
    EXPECT_EQ(record.offset, static_cast<uint64_t>(i));
    EXPECT_EQ(record.payload.size(), static_cast<size_t>(i));
  }
  EXPECT_EQ(scanner.Next(&record), SegmentScanner::Result::kEnd);
  EXPECT_EQ(scanner.position(), bytes.size());
}

TEST(SegmentScannerTest, HostileLengthNeverReadsOrAllocatesPastTheFile) {
  std::string bytes;
  EncodeRecord(0, MakeRecord("first"), &bytes);
  const size_t good = bytes.size();
  EncodeRecord(1, MakeRecord("second"), &bytes);
  const uint32_t length = outbox_format::kMaxBodyBytes;  // allowed, but far past the file
  std::memcpy(bytes.data() + good + outbox_format::kLengthOffset, &length, 4);
  CountingFile file(bytes);
  SegmentScanner scanner(file, 0, bytes.size(), true, /*chunk_bytes=*/16);
  DecodedRecord record;
  ASSERT_EQ(scanner.Next(&record), SegmentScanner::Result::kRecord);
  EXPECT_EQ(scanner.Next(&record), SegmentScanner::Result::kTorn);
  EXPECT_EQ(scanner.position(), good);
  EXPECT_LE(file.largest_read, bytes.size());
}

// Skipped records are framed, not verified; from the given offset on, every record is verified.
TEST(SegmentScannerTest, ChecksumsAreSkippedOnlyBelowTheGivenOffset) {
  std::string bytes;
  std::vector<size_t> starts;
  for (int i = 0; i < 4; ++i) {
    starts.push_back(bytes.size());
    EncodeRecord(i, MakeRecord("payload " + std::to_string(i)), &bytes);
  }
  auto damage = [&](int i) {
    std::string copy = bytes;
    copy[starts[i] + outbox_format::kHeaderSize + 2] ^= 0x20;  // a payload byte
    return copy;
  };
  {  // damage below the offset: skipped, the rest reads
    CountingFile file(damage(1));
    SegmentScanner scanner(file, 0, bytes.size(), true);
    scanner.SkipChecksumsBelow(2);
    DecodedRecord record;
    for (int i = 0; i < 4; ++i) ASSERT_EQ(scanner.Next(&record), SegmentScanner::Result::kRecord) << i;
  }
  {  // damage at the offset: caught
    CountingFile file(damage(2));
    SegmentScanner scanner(file, 0, bytes.size(), true);
    scanner.SkipChecksumsBelow(2);
    DecodedRecord record;
    ASSERT_EQ(scanner.Next(&record), SegmentScanner::Result::kRecord);
    ASSERT_EQ(scanner.Next(&record), SegmentScanner::Result::kRecord);
    EXPECT_EQ(scanner.Next(&record), SegmentScanner::Result::kCorrupt);
  }
  {  // a damaged length below the offset: the record after it fails its checks
    std::string copy = bytes;
    copy[starts[1] + outbox_format::kLengthOffset] ^= 0x01;
    CountingFile file(copy);
    SegmentScanner scanner(file, 0, bytes.size(), true);
    scanner.SkipChecksumsBelow(2);
    DecodedRecord record;
    SegmentScanner::Result r = SegmentScanner::Result::kRecord;
    int records = 0;
    while ((r = scanner.Next(&record)) == SegmentScanner::Result::kRecord && record.offset < 2) ++records;
    EXPECT_NE(r, SegmentScanner::Result::kRecord) << "read on to offset " << record.offset;
    EXPECT_NE(r, SegmentScanner::Result::kEnd);
  }
}

TEST(SegmentScannerTest, FileShorterThanTheRangeIsTorn) {
  std::string bytes;
  EncodeRecord(0, MakeRecord("only"), &bytes);
  CountingFile file(bytes.substr(0, bytes.size() - 2));
  SegmentScanner scanner(file, 0, bytes.size(), true);
  DecodedRecord record;
  EXPECT_EQ(scanner.Next(&record), SegmentScanner::Result::kTorn);
}

TEST(SegmentFormatTest, SegmentNamesRoundTrip) {
  EXPECT_EQ(SegmentFileName(42), "00000000000000000042.log");
  uint64_t base = 0;
  ASSERT_TRUE(ParseSegmentFileName(SegmentFileName(UINT64_MAX), &base));
  EXPECT_EQ(base, UINT64_MAX);
  EXPECT_FALSE(ParseSegmentFileName("99999999999999999999.log", &base));  // overflows
  EXPECT_FALSE(ParseSegmentFileName("0000000000000000004x.log", &base));
  EXPECT_FALSE(ParseSegmentFileName("00000000000000000042.tmp", &base));
  EXPECT_FALSE(ParseSegmentFileName("cursors", &base));
}

TEST(SegmentFormatTest, AHeaderOfZerosIsNeverARecord) {
  // What recovery relies on to stop at the zeros a SegmentWriter writes ahead.
  const std::string zeros(outbox_format::kHeaderSize + 64, '\0');
  DecodedRecord record;
  size_t needed = 0;
  EXPECT_EQ(DecodeRecord(zeros, /*verify_crc=*/true, &record, &needed), DecodeResult::kCorrupt);
}

class SegmentWriterTest : public ::testing::Test {
 protected:
  std::unique_ptr<SegmentWriter> Create(uint64_t fill_limit) {
    EXPECT_TRUE(fs_.CreateDir("/d").ok());
    auto file = fs_.CreateTruncated(kPath);
    EXPECT_TRUE(file.ok());
    return std::make_unique<SegmentWriter>(std::move(file).value(), 0, fill_limit);
  }
  static constexpr const char* kPath = "/d/segment";
  testing::MemoryFileSystem fs_;
};

TEST_F(SegmentWriterTest, WritesItsRecordsInsideZerosWrittenAhead) {
  constexpr uint64_t kFill = SegmentWriter::kZeroFillBytes;
  auto writer = Create(64 << 20);
  const std::string a = Encode(0, MakeRecord("first")), b = Encode(1, MakeRecord("second"));
  ASSERT_TRUE(writer->Append(a).ok());
  EXPECT_EQ(writer->size(), a.size());
  EXPECT_EQ(writer->file_length(), a.size() + kFill);
  std::string content = fs_.GetContent(kPath);
  ASSERT_EQ(content.size(), a.size() + kFill);
  EXPECT_EQ(content.substr(0, a.size()), a);
  EXPECT_EQ(content.find_first_not_of('\0', a.size()), std::string::npos) << "zeros after the record";

  // The next record lands inside the file: its length does not change.
  ASSERT_TRUE(writer->Append(b).ok());
  EXPECT_EQ(writer->size(), a.size() + b.size());
  EXPECT_EQ(fs_.GetContent(kPath).size(), a.size() + kFill);
  EXPECT_EQ(fs_.GetContent(kPath).substr(0, a.size() + b.size()), a + b);

  // Past the zeros, the next fill starts after the record that ran past them.
  const std::string big(kFill, 'x');
  ASSERT_TRUE(writer->Append(big).ok());
  const uint64_t end = a.size() + b.size() + big.size();
  EXPECT_EQ(writer->file_length(), end + kFill);
  content = fs_.GetContent(kPath);
  ASSERT_EQ(content.size(), end + kFill);
  EXPECT_EQ(content.substr(a.size() + b.size(), big.size()), big);
  EXPECT_EQ(content.find_first_not_of('\0', end), std::string::npos);
}

TEST_F(SegmentWriterTest, TheFillStopsAtTheSegmentSizeButARecordMayPassIt) {
  auto writer = Create(1000);
  ASSERT_TRUE(writer->Append(std::string(100, 'a')).ok());
  EXPECT_EQ(fs_.GetContent(kPath).size(), 1000u);
  ASSERT_TRUE(writer->Append(std::string(950, 'b')).ok());
  EXPECT_EQ(writer->size(), 1050u);
  EXPECT_EQ(writer->file_length(), 1050u) << "no zeros past a record beyond the limit";
  EXPECT_EQ(fs_.GetContent(kPath), std::string(100, 'a') + std::string(950, 'b'));
}

TEST_F(SegmentWriterTest, AFailedWriteLeavesTheSizeAsItWas) {
  testing::FaultInjectingFileSystem faulty(fs_);
  ASSERT_TRUE(fs_.CreateDir("/d").ok());
  auto file = faulty.CreateTruncated(kPath);
  ASSERT_TRUE(file.ok());
  SegmentWriter writer(std::move(file).value(), 0, 64 << 20);
  ASSERT_TRUE(writer.Append("abc").ok());
  faulty.FailWrites(true);
  EXPECT_FALSE(writer.Append("def").ok());
  EXPECT_EQ(writer.size(), 3u);
  faulty.Heal();
  ASSERT_TRUE(writer.Append("ghi").ok());
  EXPECT_EQ(fs_.GetContent(kPath).substr(0, 6), "abcghi");
}

}  // namespace
}  // namespace zroute
