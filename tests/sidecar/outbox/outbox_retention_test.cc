// Retention, disk quota and cursors.
#include <gtest/gtest.h>

#include "sidecar/outbox/file_outbox.h"
#include "sidecar/outbox/outbox.h"
#include "tests/sidecar/outbox/outbox_test_util.h"
#include "tests/support/memory_file_system.h"

namespace zroute::testing {
namespace {

class OutboxRetentionTest : public ::testing::Test {
 protected:
  // 100 records of ~100 bytes, one per simulated second; 1 KiB segments (~8 records each).
  void Fill(Outbox& outbox, int count = 100) {
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE(outbox.Append("t", OneRecord(std::string(100, 'x'), clock_.WallNow())).ok());
      clock_.Advance(std::chrono::seconds(1));
    }
  }

  MemoryFileSystem fs_;
  SimulatedClock clock_;
};

TEST_F(OutboxRetentionTest, AgeRemovesOnlyWholeSegmentsOlderThanMaxAge) {
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  const WallTime start = clock_.WallNow();
  Fill(*outbox);
  const uint64_t bytes_before = outbox->DiskBytes();
  TopicRetention retention;
  retention.max_age = std::chrono::seconds(50);
  ASSERT_TRUE(outbox->ApplyRetention("t", retention, clock_.WallNow(), Outbox::kKeepNothingBack).ok());
  const uint64_t begin = outbox->BeginOffset("t");
  EXPECT_GT(begin, 0u);
  EXPECT_LE(begin, 50u) << "no record younger than max_age is removed";
  EXPECT_GT(begin + 10, 50u) << "segments wholly older than max_age are removed";
  EXPECT_LT(outbox->DiskBytes(), bytes_before);
  auto page = outbox->Read("t", 0, 1, 1 << 20);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->front().offset, begin) << "reads below begin start at begin";
  EXPECT_EQ(outbox->OffsetForTime("t", start), begin);
  EXPECT_EQ(outbox->EndOffset("t"), 100u);
}

TEST_F(OutboxRetentionTest, BytesRemovesOldestSegmentsDownToMaxBytes) {
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  Fill(*outbox);
  TopicRetention retention;
  retention.max_bytes = 3000;
  ASSERT_TRUE(outbox->ApplyRetention("t", retention, clock_.WallNow(), Outbox::kKeepNothingBack).ok());
  EXPECT_LE(outbox->DiskBytes(), 3000u);
  EXPECT_GT(outbox->DiskBytes(), 3000u - 1024u) << "only as much as needed is removed";
  EXPECT_EQ(ReadAll(*outbox, "t").size(), 100u - outbox->BeginOffset("t"));
}

TEST_F(OutboxRetentionTest, NeverRemovesAtOrPastTheLowestCursor) {
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  Fill(*outbox);
  ASSERT_TRUE(outbox->CommitCursor("t", "fast", 90).ok());
  ASSERT_TRUE(outbox->CommitCursor("t", "slow", 30).ok());
  TopicRetention retention;
  retention.max_bytes = 1;
  retention.max_age = std::chrono::seconds(1);
  ASSERT_TRUE(outbox->ApplyRetention("t", retention, clock_.WallNow(), Outbox::kKeepNothingBack).ok());
  EXPECT_GT(outbox->BeginOffset("t"), 0u);
  EXPECT_LE(outbox->BeginOffset("t"), 30u);
  auto page = outbox->Read("t", 30, 1, 1 << 20);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->front().offset, 30u);

  ASSERT_TRUE(outbox->DropCursor("t", "slow").ok());
  ASSERT_TRUE(outbox->ApplyRetention("t", retention, clock_.WallNow(), Outbox::kKeepNothingBack).ok());
  EXPECT_GT(outbox->BeginOffset("t"), 30u);
  EXPECT_LE(outbox->BeginOffset("t"), 90u);
}

TEST_F(OutboxRetentionTest, KeepFromHoldsRecordsBackLikeACursorAndRemovedBytesAreCounted) {
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  Fill(*outbox);
  ASSERT_TRUE(outbox->Append("other", OneRecord("o")).ok());
  const uint64_t bytes_before = outbox->DiskBytes();
  const uint64_t topic_before = outbox->TopicDiskBytes("t");
  EXPECT_EQ(topic_before + outbox->TopicDiskBytes("other"), bytes_before);
  EXPECT_EQ(outbox->TopicDiskBytes("none"), 0u);
  TopicRetention retention;
  retention.max_bytes = 1;
  // No cursor at all: only keep_from protects the records of a subscription the caller knows of.
  auto removed = outbox->ApplyRetention("t", retention, clock_.WallNow(), 30);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_GT(outbox->BeginOffset("t"), 0u);
  EXPECT_LE(outbox->BeginOffset("t"), 30u);
  EXPECT_GT(*removed, 0u);
  EXPECT_EQ(*removed, bytes_before - outbox->DiskBytes());
  EXPECT_EQ(*removed, topic_before - outbox->TopicDiskBytes("t"));
  // A cursor lower than keep_from wins.
  ASSERT_TRUE(outbox->CommitCursor("t", "slow", outbox->BeginOffset("t")).ok());
  removed = outbox->ApplyRetention("t", retention, clock_.WallNow(), 90);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 0u);
}

TEST_F(OutboxRetentionTest, ActiveSegmentIsNeverRemoved) {
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  Fill(*outbox, 3);
  TopicRetention retention;
  retention.max_bytes = 1;
  ASSERT_TRUE(outbox->ApplyRetention("t", retention, clock_.WallNow(), Outbox::kKeepNothingBack).ok());
  EXPECT_EQ(outbox->BeginOffset("t"), 0u);
  EXPECT_EQ(ReadAll(*outbox, "t").size(), 3u);
}

TEST_F(OutboxRetentionTest, RetentionSurvivesReopen) {
  {
    auto outbox = MustOpen(SmallOptions(), clock_, fs_);
    Fill(*outbox);
    TopicRetention retention;
    retention.max_bytes = 2000;
    ASSERT_TRUE(outbox->ApplyRetention("t", retention, clock_.WallNow(), Outbox::kKeepNothingBack).ok());
    ASSERT_TRUE(outbox->Close().ok());
  }
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  const uint64_t begin = outbox->BeginOffset("t");
  EXPECT_GT(begin, 0u);
  EXPECT_EQ(outbox->EndOffset("t"), 100u);
  EXPECT_EQ(ReadAll(*outbox, "t").size(), 100u - begin);
}

TEST_F(OutboxRetentionTest, QuotaAnswersResourceExhaustedUntilRetentionFreesSpace) {
  OutboxOptions options = SmallOptions();
  options.disk_quota_bytes = 4096;
  auto outbox = MustOpen(options, clock_, fs_);
  ASSERT_TRUE(outbox->CommitCursor("t", "sub", 0).ok());
  int accepted = 0;
  Status last;
  for (int i = 0; i < 100; ++i) {
    auto result = outbox->Append("t", OneRecord(std::string(100, 'q')));
    if (!result.ok()) {
      last = result.status();
      break;
    }
    ++accepted;
  }
  EXPECT_EQ(last.code(), StatusCode::kResourceExhausted);
  EXPECT_LE(outbox->DiskBytes(), 4096u);
  EXPECT_GT(accepted, 20);
  TopicRetention retention;
  retention.max_bytes = 1;
  // The stuck subscription holds everything: retention frees nothing, appends still refused.
  ASSERT_TRUE(outbox->ApplyRetention("t", retention, clock_.WallNow(), Outbox::kKeepNothingBack).ok());
  EXPECT_EQ(outbox->Append("t", OneRecord(std::string(100, 'q'))).status().code(),
            StatusCode::kResourceExhausted);
  // It catches up: retention frees the acknowledged segments and appends succeed again.
  ASSERT_TRUE(outbox->CommitCursor("t", "sub", outbox->EndOffset("t")).ok());
  ASSERT_TRUE(outbox->ApplyRetention("t", retention, clock_.WallNow(), Outbox::kKeepNothingBack).ok());
  EXPECT_TRUE(outbox->Append("t", OneRecord(std::string(100, 'q'))).ok());
}

TEST_F(OutboxRetentionTest, CursorsPersistAcrossReopen) {
  {
    auto outbox = MustOpen(SmallOptions(), clock_, fs_);
    Fill(*outbox, 10);  // a cursor counts acknowledged records: the log has them
    ASSERT_TRUE(outbox->Append("u", OneRecord("u0")).ok());
    ASSERT_TRUE(outbox->CommitCursor("t", "a", 5).ok());
    ASSERT_TRUE(outbox->CommitCursor("t", "b", 7).ok());
    ASSERT_TRUE(outbox->CommitCursor("u", "a", 1).ok());
    ASSERT_TRUE(outbox->DropCursor("t", "b").ok());
    EXPECT_EQ(outbox->Cursor("t", "a"), 5u);
    EXPECT_EQ(outbox->Cursor("t", "b"), 0u);
    ASSERT_TRUE(outbox->Close().ok());
  }
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  EXPECT_EQ(outbox->Cursor("t", "a"), 5u);
  EXPECT_EQ(outbox->Cursor("t", "b"), 0u) << "a dropped cursor stays dropped";
  EXPECT_EQ(outbox->Cursor("u", "a"), 1u);
  EXPECT_EQ(outbox->Cursor("nope", "a"), 0u);
}

TEST_F(OutboxRetentionTest, CursorAfterCrashIsBetweenLastPersistedAndLastCommitted) {
  OutboxOptions options = SmallOptions();
  auto opened = OpenOutbox(options, clock_, fs_);
  ASSERT_TRUE(opened.ok());
  auto* outbox = static_cast<FileOutbox*>(opened->get());
  Fill(*outbox, 10);
  ASSERT_TRUE(outbox->CommitCursor("t", "sub", 5).ok());
  ASSERT_TRUE(outbox->FlushCursors().ok());
  ASSERT_TRUE(outbox->CommitCursor("t", "sub", 9).ok());
  auto crashed = fs_.CrashCopy();
  auto reopened = MustOpen(options, clock_, *crashed);
  const uint64_t cursor = reopened->Cursor("t", "sub");
  EXPECT_GE(cursor, 5u);
  EXPECT_LE(cursor, 9u);
}

TEST_F(OutboxRetentionTest, RejectsBadSubscriptionNames) {
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  EXPECT_EQ(outbox->CommitCursor("t", "", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(outbox->CommitCursor("t", std::string(5000, 's'), 1).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace zroute::testing
