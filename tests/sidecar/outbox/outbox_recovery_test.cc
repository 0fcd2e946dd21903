// Recovery on open: torn tails, garbage, flipped bits, hostile lengths, damaged closed segments.
#include <gtest/gtest.h>

#include <cstring>

#include "sidecar/outbox/outbox.h"
#include "sidecar/outbox/outbox_format.h"
#include "sidecar/outbox/segment_reader.h"
#include "sidecar/outbox/segment_writer.h"
#include "tests/sidecar/outbox/outbox_test_util.h"
#include "tests/support/memory_file_system.h"

namespace zroute::testing {
namespace {

const std::string kSegment0 = "/outbox/t/00000000000000000000.log";

OutboxOptions OneSegmentOptions() {
  OutboxOptions options = SmallOptions();
  options.segment_bytes = 1 << 20;
  return options;
}

// Writes `count` records (payload "record-<i>") to topic "t" and closes the outbox.
void WriteRecords(MemoryFileSystem& fs, Clock& clock, const OutboxOptions& options, int count) {
  auto outbox = MustOpen(options, clock, fs);
  ASSERT_NE(outbox, nullptr);
  for (int i = 0; i < count; ++i) {
    ASSERT_TRUE(outbox->Append("t", OneRecord("record-" + std::to_string(i))).ok());
  }
  ASSERT_TRUE(outbox->Close().ok());
}

void ExpectRecords(const Outbox& outbox, int count) {
  auto all = ReadAll(outbox, "t");
  ASSERT_EQ(all.size(), static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) EXPECT_EQ(all[i].record.payload, "record-" + std::to_string(i));
  EXPECT_EQ(outbox.EndOffset("t"), static_cast<uint64_t>(count));
}

class OutboxRecoveryTest : public ::testing::Test {
 protected:
  MemoryFileSystem fs_;
  SimulatedClock clock_;
};

TEST_F(OutboxRecoveryTest, ReopenRecoversEverythingAcrossSegments) {
  WriteRecords(fs_, clock_, SmallOptions(), 300);
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  ExpectRecords(*outbox, 300);
  auto next = outbox->Append("t", OneRecord("record-300"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ((*next)[0], 300u);
}

TEST_F(OutboxRecoveryTest, CutAtEveryByteOfTheLastRecordsKeepsExactlyTheWholeOnes) {
  constexpr int kRecords = 6;
  constexpr int kCutRecords = 3;  // cut inside each of the last three records
  WriteRecords(fs_, clock_, OneSegmentOptions(), kRecords);
  const std::string full = fs_.GetContent(kSegment0);
  std::vector<size_t> ends;  // end position of each record
  size_t position = 0;
  for (int i = 0; i < kRecords; ++i) {
    position += EncodedRecordSize(MakeRecord("record-" + std::to_string(i)));
    ends.push_back(position);
  }
  ASSERT_EQ(ends.back(), full.size());
  for (size_t cut = ends[kRecords - kCutRecords - 1]; cut <= full.size(); ++cut) {
    auto crashed = fs_.CrashCopy();
    crashed->SetContent(kSegment0, full.substr(0, cut));
    int whole = 0;
    while (whole < kRecords && ends[whole] <= cut) ++whole;
    auto outbox = MustOpen(OneSegmentOptions(), clock_, *crashed);
    ASSERT_NE(outbox, nullptr);
    ExpectRecords(*outbox, whole);
    EXPECT_EQ(crashed->GetContent(kSegment0).size(), ends[whole - 1]) << "torn bytes truncated";
    auto next = outbox->Append("t", OneRecord("record-" + std::to_string(whole)));
    ASSERT_TRUE(next.ok()) << "cut " << cut;
    EXPECT_EQ((*next)[0], static_cast<uint64_t>(whole));
    ExpectRecords(*outbox, whole + 1);
  }
}

TEST_F(OutboxRecoveryTest, GarbageAfterValidRecordsIsTruncated) {
  WriteRecords(fs_, clock_, OneSegmentOptions(), 5);
  const std::string valid = fs_.GetContent(kSegment0);
  for (const std::string& garbage : {std::string(4096, '\0'), std::string(100, '\xff'),
                                     std::string("not a record at all"), std::string(3, 'x')}) {
    auto crashed = fs_.CrashCopy();
    crashed->SetContent(kSegment0, valid + garbage);
    auto outbox = MustOpen(OneSegmentOptions(), clock_, *crashed);
    ExpectRecords(*outbox, 5);
    EXPECT_EQ(crashed->GetContent(kSegment0), valid);
  }
}

TEST_F(OutboxRecoveryTest, FlippedBitInTailRecordIsDetected) {
  WriteRecords(fs_, clock_, OneSegmentOptions(), 5);
  const std::string valid = fs_.GetContent(kSegment0);
  const size_t last_start = valid.size() - EncodedRecordSize(MakeRecord("record-4"));
  for (size_t bit = last_start * 8; bit < valid.size() * 8; bit += 7) {
    auto crashed = fs_.CrashCopy();
    std::string damaged = valid;
    damaged[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    crashed->SetContent(kSegment0, damaged);
    auto outbox = MustOpen(OneSegmentOptions(), clock_, *crashed);
    ExpectRecords(*outbox, 4);
  }
}

TEST_F(OutboxRecoveryTest, HugeLengthFieldInTailIsTruncatedNotAllocated) {
  WriteRecords(fs_, clock_, OneSegmentOptions(), 3);
  std::string content = fs_.GetContent(kSegment0);
  const size_t last_start = content.size() - EncodedRecordSize(MakeRecord("record-2"));
  for (uint32_t length : {0xFFFFFFFFu, outbox_format::kMaxBodyBytes, 1u << 30}) {
    std::string damaged = content;
    std::memcpy(damaged.data() + last_start + outbox_format::kLengthOffset, &length, 4);
    auto crashed = fs_.CrashCopy();
    crashed->SetContent(kSegment0, damaged);
    auto outbox = MustOpen(OneSegmentOptions(), clock_, *crashed);
    ExpectRecords(*outbox, 2);
  }
}

TEST_F(OutboxRecoveryTest, CorruptClosedSegmentAnswersCorruptionOnRead) {
  WriteRecords(fs_, clock_, SmallOptions(), 100);
  auto names = fs_.ListDir("/outbox/t");
  ASSERT_TRUE(names.ok());
  std::sort(names->begin(), names->end());
  ASSERT_GE(names->size(), 3u);
  // Damage the payload of a record in the middle of the second segment.
  const std::string second = "/outbox/t/" + (*names)[1];
  uint64_t second_base = 0;
  ASSERT_TRUE(ParseSegmentFileName((*names)[1], &second_base));
  std::string content = fs_.GetContent(second);
  content[content.size() / 2] ^= 0x01;
  fs_.SetContent(second, content);

  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  ASSERT_NE(outbox, nullptr);
  EXPECT_EQ(outbox->EndOffset("t"), 100u);
  // Reading up to the bad record returns what precedes it; reading at it is Corruption.
  bool saw_corruption = false;
  uint64_t from = second_base;
  for (int round = 0; round < 100 && !saw_corruption; ++round) {
    auto page = outbox->Read("t", from, 100, 1 << 20);
    if (!page.ok()) {
      EXPECT_EQ(page.status().code(), StatusCode::kCorruption) << page.status();
      saw_corruption = true;
    } else {
      ASSERT_FALSE(page->empty());
      from = page->back().offset + 1;
    }
  }
  EXPECT_TRUE(saw_corruption);
  // The first and the last segments are still readable.
  EXPECT_EQ(outbox->Read("t", 0, 1, 100)->front().record.payload, "record-0");
  EXPECT_EQ(outbox->Read("t", 99, 1, 100)->front().record.payload, "record-99");
}

TEST_F(OutboxRecoveryTest, UnreadableMiddleOfClosedSegmentIsCorruptionNotCrash) {
  WriteRecords(fs_, clock_, SmallOptions(), 100);
  auto names = fs_.ListDir("/outbox/t");
  std::sort(names->begin(), names->end());
  const std::string second = "/outbox/t/" + (*names)[1];
  uint64_t second_base = 0;
  ASSERT_TRUE(ParseSegmentFileName((*names)[1], &second_base));
  std::string content = fs_.GetContent(second);
  // A huge length in the second record of the segment: the index stops there.
  const size_t second_record =
      EncodedRecordSize(MakeRecord("record-" + std::to_string(second_base)));
  const uint32_t huge = 0xFFFFFFF0u;
  std::memcpy(content.data() + second_record + outbox_format::kLengthOffset, &huge, 4);
  fs_.SetContent(second, content);

  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  ASSERT_NE(outbox, nullptr);
  auto first = outbox->Read("t", second_base, 100, 1 << 20);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->size(), 1u);
  EXPECT_EQ(outbox->Read("t", second_base + 1, 100, 1 << 20).status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(outbox->EndOffset("t"), 100u);
}

TEST_F(OutboxRecoveryTest, EmptyTopicDirectoryOpensAsEmptyLog) {
  ASSERT_TRUE(fs_.CreateDir("/outbox").ok());
  ASSERT_TRUE(fs_.CreateDir("/outbox/t").ok());
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  EXPECT_EQ(outbox->EndOffset("t"), 0u);
  auto topics = outbox->Topics();
  EXPECT_EQ(topics, std::vector<std::string>{"t"});
  ASSERT_TRUE(outbox->Append("t", OneRecord("record-0")).ok());
  ExpectRecords(*outbox, 1);
}

// The active segment is zero-filled ahead of its records (SegmentWriter): a crash leaves those
// zeros on disk, recovery cuts them off and appends continue after the last record.
TEST_F(OutboxRecoveryTest, ZerosWrittenAheadAreCutOffAfterACrash) {
  auto outbox = MustOpen(OneSegmentOptions(), clock_, fs_);
  size_t records_end = 0;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(outbox->Append("t", OneRecord("record-" + std::to_string(i))).ok());
    records_end += EncodedRecordSize(MakeRecord("record-" + std::to_string(i)));
  }
  auto crashed = fs_.CrashCopy();  // no Close: what a power loss leaves
  const std::string on_disk = crashed->GetContent(kSegment0);
  ASSERT_GT(on_disk.size(), records_end) << "the fill is durable with the records";
  EXPECT_EQ(on_disk.find_first_not_of('\0', records_end), std::string::npos);

  auto reopened = MustOpen(OneSegmentOptions(), clock_, *crashed);
  ASSERT_NE(reopened, nullptr);
  ExpectRecords(*reopened, 5);
  EXPECT_EQ(crashed->GetContent(kSegment0).size(), records_end) << "zeros cut off";
  auto next = reopened->Append("t", OneRecord("record-5"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ((*next)[0], 5u);

  // And again, from the recovered log's own fill.
  auto twice = crashed->CrashCopy();
  auto again = MustOpen(OneSegmentOptions(), clock_, *twice);
  ASSERT_NE(again, nullptr);
  ExpectRecords(*again, 6);
}

// Only the active segment carries zeros: a rolled segment and a cleanly closed log end at their
// last record, so a file's length is its records' bytes.
TEST_F(OutboxRecoveryTest, RolledSegmentsAndACleanCloseLeaveNoZeros) {
  WriteRecords(fs_, clock_, SmallOptions(), 100);
  auto names = fs_.ListDir("/outbox/t");
  ASSERT_TRUE(names.ok());
  ASSERT_GE(names->size(), 3u);
  for (const std::string& name : *names) {
    uint64_t base = 0;
    if (!ParseSegmentFileName(name, &base)) continue;
    const std::string content = fs_.GetContent("/outbox/t/" + name);
    size_t position = 0;
    DecodedRecord record;
    size_t needed = 0;
    while (position < content.size() &&
           DecodeRecord(std::string_view(content).substr(position), true, &record, &needed) == DecodeResult::kRecord) {
      position += record.encoded_size;
    }
    EXPECT_EQ(position, content.size()) << name << " ends in something other than records";
  }
}

}  // namespace
}  // namespace zroute::testing
