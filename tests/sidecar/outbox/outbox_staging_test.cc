// Stage and CommitStaged (sidecar/outbox/outbox.h): staged records get their offsets at once but
// are not readable until a commit writes them, nor durable until it returns; it writes every
// staged topic with one write and one fdatasync each; the quota counts them while staged; Close
// and any Append of the topic write them too; a failed commit makes nothing durable.
#include <gtest/gtest.h>

#include <string>

#include "sidecar/outbox/outbox.h"
#include "tests/sidecar/outbox/outbox_test_util.h"
#include "tests/support/fault_injecting_file_system.h"
#include "tests/support/memory_file_system.h"

namespace zroute::testing {
namespace {

OutboxOptions StagingOptions() {
  OutboxOptions options = SmallOptions();
  options.segment_bytes = 1 << 20;  // no roll: the only syncs are the commits'
  return options;
}

TEST(OutboxStagingTest, StagedRecordsAreReadableAndDurableOnlyAfterTheCommit) {
  MemoryFileSystem memory;
  FaultInjectingFileSystem fs(memory);
  SimulatedClock clock;
  auto outbox = MustOpen(StagingOptions(), clock, fs);
  ASSERT_TRUE(outbox->Append("t", OneRecord("appended")).ok());

  const int64_t syncs_before = fs.file_syncs();
  for (int i = 0; i < 10; ++i) {
    auto offsets = outbox->Stage(i % 2 ? "t" : "u", OneRecord("staged " + std::to_string(i)));
    ASSERT_TRUE(offsets.ok()) << offsets.status();
    EXPECT_EQ(offsets->front(), static_cast<uint64_t>(i % 2 ? 1 + i / 2 : i / 2)) << i;
  }
  EXPECT_EQ(fs.file_syncs(), syncs_before) << "staging syncs nothing";
  EXPECT_EQ(ReadAll(*outbox, "t").size(), 1u) << "staged records are invisible";
  EXPECT_EQ(ReadAll(*outbox, "u").size(), 0u);
  {
    auto crashed = memory.CrashCopy();  // a power loss before the commit: only the append
    auto reopened = MustOpen(StagingOptions(), clock, *crashed);
    EXPECT_EQ(ReadAll(*reopened, "t").size(), 1u);
  }

  ASSERT_TRUE(outbox->CommitStaged().ok());
  EXPECT_EQ(fs.file_syncs(), syncs_before + 2) << "one fdatasync per staged topic";
  auto t = ReadAll(*outbox, "t");
  ASSERT_EQ(t.size(), 6u);
  EXPECT_EQ(t[1].record.payload, "staged 1");
  EXPECT_EQ(t[5].record.payload, "staged 9");
  EXPECT_EQ(ReadAll(*outbox, "u").size(), 5u);
  auto crashed = memory.CrashCopy();
  auto reopened = MustOpen(StagingOptions(), clock, *crashed);
  EXPECT_EQ(ReadAll(*reopened, "t").size(), 6u);
  EXPECT_EQ(ReadAll(*reopened, "u").size(), 5u);

  const int64_t syncs = fs.file_syncs();
  ASSERT_TRUE(outbox->CommitStaged().ok());
  EXPECT_EQ(fs.file_syncs(), syncs) << "nothing staged, nothing synced";
}

TEST(OutboxStagingTest, AnAppendOfTheTopicWritesWhatWasStagedBeforeIt) {
  MemoryFileSystem fs;
  SimulatedClock clock;
  auto outbox = MustOpen(StagingOptions(), clock, fs);
  ASSERT_TRUE(outbox->Stage("t", OneRecord("staged")).ok());
  auto appended = outbox->Append("t", OneRecord("appended"));
  ASSERT_TRUE(appended.ok());
  EXPECT_EQ(appended->front(), 1u);
  auto all = ReadAll(*outbox, "t");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].record.payload, "staged");
  EXPECT_TRUE(outbox->CommitStaged().ok());
  EXPECT_EQ(ReadAll(*outbox, "t").size(), 2u);
}

TEST(OutboxStagingTest, StagedBytesCountAgainstTheQuota) {
  MemoryFileSystem fs;
  SimulatedClock clock;
  OutboxOptions options = StagingOptions();
  options.disk_quota_bytes = 4096;
  auto outbox = MustOpen(options, clock, fs);
  const std::string payload(500, 'x');
  int staged = 0;
  for (; staged < 100; ++staged) {
    auto r = outbox->Stage("t", OneRecord(payload));
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
      break;
    }
  }
  EXPECT_GT(staged, 3);
  EXPECT_LT(staged, 9) << "staged bytes were not reserved";
  ASSERT_TRUE(outbox->CommitStaged().ok());
  EXPECT_LE(outbox->DiskBytes(), options.disk_quota_bytes);
  EXPECT_EQ(outbox->Append("t", OneRecord(payload)).status().code(), StatusCode::kResourceExhausted)
      << "written, the same bytes still fill the quota";
}

TEST(OutboxStagingTest, CloseWritesAndSyncsWhatWasStaged) {
  MemoryFileSystem memory;
  SimulatedClock clock;
  {
    auto outbox = MustOpen(StagingOptions(), clock, memory);
    ASSERT_TRUE(outbox->Stage("t", OneRecord("a")).ok());
    ASSERT_TRUE(outbox->Stage("t", OneRecord("b")).ok());
    ASSERT_TRUE(outbox->Close().ok());
  }
  auto crashed = memory.CrashCopy();
  auto reopened = MustOpen(StagingOptions(), clock, *crashed);
  EXPECT_EQ(ReadAll(*reopened, "t").size(), 2u);
}

TEST(OutboxStagingTest, AFailedCommitIsFatalAndMakesNothingDurable) {
  MemoryFileSystem memory;
  FaultInjectingFileSystem fs(memory);
  SimulatedClock clock;
  auto outbox = MustOpen(StagingOptions(), clock, fs);
  ASSERT_TRUE(outbox->Append("t", OneRecord("ok")).ok());
  ASSERT_TRUE(outbox->Stage("t", OneRecord("staged")).ok());
  fs.FailSyncsAfter(0);
  EXPECT_EQ(outbox->CommitStaged().code(), StatusCode::kIOError);
  fs.Heal();
  EXPECT_EQ(outbox->Stage("t", OneRecord("later")).status().code(), StatusCode::kIOError);
  EXPECT_EQ(outbox->CommitStaged().code(), StatusCode::kIOError) << "the outbox stays failed";
  EXPECT_EQ(ReadAll(*outbox, "t").size(), 2u) << "the staged record was written, never the later one";
  EXPECT_FALSE(outbox->Close().ok());
  auto crashed = memory.CrashCopy();
  auto reopened = MustOpen(StagingOptions(), clock, *crashed);
  EXPECT_EQ(ReadAll(*reopened, "t").size(), 1u) << "only the acknowledged record is durable";
}

TEST(OutboxStagingTest, IntervalPolicyCommitWritesAndLeavesTheSyncToTheSyncer) {
  MemoryFileSystem memory;
  FaultInjectingFileSystem fs(memory);
  SimulatedClock clock;
  OutboxOptions options = StagingOptions();
  options.sync_policy = SyncPolicy::kInterval;
  auto outbox = MustOpen(options, clock, fs);
  ASSERT_TRUE(outbox->Stage("t", OneRecord("s")).ok());
  EXPECT_TRUE(ReadAll(*outbox, "t").empty());
  ASSERT_TRUE(outbox->CommitStaged().ok());
  EXPECT_EQ(ReadAll(*outbox, "t").size(), 1u) << "readable after the write, as an interval append";
  ASSERT_TRUE(outbox->Close().ok());
  auto crashed = memory.CrashCopy();
  auto reopened = MustOpen(options, clock, *crashed);
  EXPECT_EQ(ReadAll(*reopened, "t").size(), 1u) << "synced by Close at the latest";
}

}  // namespace
}  // namespace zroute::testing
