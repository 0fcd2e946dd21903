// Durability: group commit, sync policies, crashes, failing disks.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "common/util/file_system.h"
#include "sidecar/outbox/outbox.h"
#include "tests/sidecar/outbox/outbox_test_util.h"
#include "tests/support/fault_injecting_file_system.h"
#include "tests/support/memory_file_system.h"

namespace zroute::testing {
namespace {

// A fresh directory under the test temp dir, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "outbox_test_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs kThreads threads each appending kPerThread single-record batches; returns the count of OK.
int AppendConcurrently(Outbox& outbox, int threads, int per_thread, const std::string& topic) {
  std::atomic<int> ok{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        if (outbox.Append(topic, OneRecord(std::to_string(t) + "/" + std::to_string(i))).ok()) ++ok;
      }
    });
  }
  for (auto& w : workers) w.join();
  return ok.load();
}

TEST(OutboxDurabilityTest, GroupCommitUsesFewerFdatasyncsThanAppends) {
  TempDir dir;
  FaultInjectingFileSystem fs(DefaultFileSystem());
  SimulatedClock clock;
  OutboxOptions options;
  options.dir = dir.path() + "/outbox";
  auto outbox = MustOpen(options, clock, fs);
  ASSERT_NE(outbox, nullptr);
  const int64_t syncs_before = fs.file_syncs();
  constexpr int kThreads = 16, kPerThread = 20;
  ASSERT_EQ(AppendConcurrently(*outbox, kThreads, kPerThread, "t"), kThreads * kPerThread);
  const int64_t syncs = fs.file_syncs() - syncs_before;
  EXPECT_GE(syncs, 1);
  EXPECT_LT(syncs, kThreads * kPerThread) << "each batch must share one fdatasync";
  EXPECT_EQ(ReadAll(*outbox, "t").size(), size_t{kThreads * kPerThread});
}

TEST(OutboxDurabilityTest, EveryBatchPolicySyncsBeforeAcknowledging) {
  MemoryFileSystem memory;
  FaultInjectingFileSystem fs(memory);
  SimulatedClock clock;
  auto outbox = MustOpen(SmallOptions(), clock, fs);
  for (int i = 0; i < 10; ++i) {
    const int64_t before = fs.file_syncs();
    ASSERT_TRUE(outbox->Append("t", OneRecord("r" + std::to_string(i))).ok());
    EXPECT_GE(fs.file_syncs(), before + 1);
    // What was acknowledged survives a power loss right now.
    auto crashed = memory.CrashCopy();
    auto reopened = MustOpen(SmallOptions(), clock, *crashed);
    EXPECT_EQ(reopened->EndOffset("t"), static_cast<uint64_t>(i + 1));
  }
}

TEST(OutboxDurabilityTest, ConcurrentAcknowledgedAppendsSurviveACrash) {
  MemoryFileSystem fs;
  SimulatedClock clock;
  auto outbox = MustOpen(SmallOptions(), clock, fs);
  ASSERT_EQ(AppendConcurrently(*outbox, 8, 50, "t"), 400);
  auto crashed = fs.CrashCopy();  // no Close: a power loss
  auto reopened = MustOpen(SmallOptions(), clock, *crashed);
  EXPECT_EQ(ReadAll(*reopened, "t").size(), 400u);
}

TEST(OutboxDurabilityTest, IntervalPolicyAcknowledgesBeforeSyncAndSyncsOnTimerAndClose) {
  MemoryFileSystem memory;
  FaultInjectingFileSystem fs(memory);
  SimulatedClock clock;
  OutboxOptions options = SmallOptions();
  options.segment_bytes = 1 << 20;
  options.sync_policy = SyncPolicy::kInterval;
  options.sync_interval = std::chrono::milliseconds(10);
  auto outbox = MustOpen(options, clock, fs);
  const int64_t before = fs.file_syncs();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(outbox->Append("t", OneRecord("r")).ok());
  EXPECT_EQ(fs.file_syncs(), before) << "the simulated clock has not moved: no timer sync yet";
  EXPECT_EQ(outbox->Read("t", 0, 100, 1 << 20)->size(), 20u) << "written records are readable";
  clock.Advance(std::chrono::milliseconds(10));
  // The writer checks the timer at least every sync_interval of real time.
  for (int i = 0; i < 2000 && fs.file_syncs() == before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_GT(fs.file_syncs(), before);
  ASSERT_TRUE(outbox->Append("t", OneRecord("last")).ok());
  ASSERT_TRUE(outbox->Close().ok());
  auto crashed = memory.CrashCopy();
  auto reopened = MustOpen(options, clock, *crashed);
  EXPECT_EQ(reopened->EndOffset("t"), 21u) << "Close syncs what the timer had not";
}

TEST(OutboxDurabilityTest, FsyncFailureIsFatalAndNeverAcknowledgesUnsyncedData) {
  MemoryFileSystem memory;
  FaultInjectingFileSystem fs(memory);
  SimulatedClock clock;
  auto outbox = MustOpen(SmallOptions(), clock, fs);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(outbox->Append("t", OneRecord("ok")).ok());
  fs.FailSyncsAfter(0);
  auto failed = outbox->Append("t", OneRecord("lost"));
  EXPECT_EQ(failed.status().code(), StatusCode::kIOError);
  fs.Heal();
  auto after = outbox->Append("t", OneRecord("after heal"));
  EXPECT_EQ(after.status().code(), StatusCode::kIOError) << "the outbox stays failed";
  // The failed record was readable from its write (readers dispatch before the sync; it was never
  // acknowledged); nothing after the failure was written.
  EXPECT_EQ(outbox->EndOffset("t"), 4u);
  EXPECT_FALSE(outbox->Close().ok()) << "Close reports the failure";
  auto crashed = memory.CrashCopy();
  auto reopened = MustOpen(SmallOptions(), clock, *crashed);
  EXPECT_EQ(ReadAll(*reopened, "t").size(), 3u) << "the unsynced record is not made durable after";
}

TEST(OutboxDurabilityTest, FsyncFailureFailsEveryCallerOfTheBatch) {
  MemoryFileSystem memory;
  FaultInjectingFileSystem fs(memory);
  SimulatedClock clock;
  auto outbox = MustOpen(SmallOptions(), clock, fs);
  fs.FailSyncsAfter(0);
  EXPECT_EQ(AppendConcurrently(*outbox, 8, 10, "t"), 0);
  EXPECT_LE(outbox->EndOffset("t"), 80u) << "at most the failed batch was written";
  (void)outbox->Close();
  auto crashed = memory.CrashCopy();
  auto reopened = MustOpen(SmallOptions(), clock, *crashed);
  EXPECT_EQ(reopened->EndOffset("t"), 0u) << "nothing unacknowledged was made durable";
}

TEST(OutboxDurabilityTest, WriteFailureIsFatal) {
  MemoryFileSystem memory;
  FaultInjectingFileSystem fs(memory);
  SimulatedClock clock;
  auto outbox = MustOpen(SmallOptions(), clock, fs);
  ASSERT_TRUE(outbox->Append("t", OneRecord("ok")).ok());
  fs.FailWrites(true);
  EXPECT_EQ(outbox->Append("t", OneRecord("x")).status().code(), StatusCode::kIOError);
  fs.Heal();
  EXPECT_FALSE(outbox->Append("t", OneRecord("y")).ok());
}

TEST(OutboxDurabilityTest, IntervalSyncFailureFailsLaterAppends) {
  MemoryFileSystem memory;
  FaultInjectingFileSystem fs(memory);
  SimulatedClock clock;
  OutboxOptions options = SmallOptions();
  options.sync_policy = SyncPolicy::kInterval;
  auto outbox = MustOpen(options, clock, fs);
  ASSERT_TRUE(outbox->Append("t", OneRecord("acked after write")).ok());
  fs.FailSyncsAfter(0);
  clock.Advance(std::chrono::seconds(1));
  bool failed = false;
  for (int i = 0; i < 2000 && !failed; ++i) {
    failed = !outbox->Append("t", OneRecord("x")).ok();
    if (!failed) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(failed);
}

TEST(OutboxDurabilityTest, RealFilesRoundTripAndRecover) {
  TempDir dir;
  SimulatedClock clock;
  OutboxOptions options = SmallOptions(dir.path() + "/outbox");
  {
    auto outbox = MustOpen(options, clock, DefaultFileSystem());
    for (int i = 0; i < 50; ++i)
      ASSERT_TRUE(outbox->Append("t", OneRecord(std::string(60, 'a' + i % 26))).ok());
    ASSERT_TRUE(outbox->CommitCursor("t", "sub", 20).ok());
    ASSERT_TRUE(outbox->Close().ok());
  }
  auto outbox = OpenOutbox(options, clock);  // the default (POSIX) overload
  ASSERT_TRUE(outbox.ok()) << outbox.status();
  auto all = ReadAll(**outbox, "t");
  ASSERT_EQ(all.size(), 50u);
  EXPECT_EQ(all[27].record.payload, std::string(60, 'b'));
  EXPECT_EQ((*outbox)->Cursor("t", "sub"), 20u);
}

}  // namespace
}  // namespace zroute::testing
