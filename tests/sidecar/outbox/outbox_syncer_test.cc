// The syncer thread of SyncPolicy::kInterval (sidecar/outbox/file_outbox.h): a slow fdatasync
// never holds back the writer, syncs follow the injected clock, a failed sync is fatal, Close
// syncs what is left, and segment rolls never close a file under a sync.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "sidecar/outbox/outbox.h"
#include "tests/sidecar/outbox/outbox_test_util.h"
#include "tests/sidecar/outbox/sync_latch.h"
#include "tests/support/fault_injecting_file_system.h"
#include "tests/support/memory_file_system.h"

namespace zroute::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr auto kInterval = milliseconds(10);
// Bound on every wait for something that must happen; only reached when the test fails.
constexpr auto kBound = seconds(10);

OutboxOptions IntervalOptions() {
  OutboxOptions options = SmallOptions();
  options.segment_bytes = 1 << 20;
  options.sync_policy = SyncPolicy::kInterval;
  options.sync_interval = kInterval;
  return options;
}

// An interval-sync outbox on a memory file system with fault injection; with `hold_syncs`, its
// fdatasyncs enter a held latch.
struct IntervalOutbox {
  explicit IntervalOutbox(bool hold_syncs) {
    if (hold_syncs) fs.SetSyncHook([this] { latch.Enter(); });
    outbox = MustOpen(IntervalOptions(), clock, fs);
  }
  MemoryFileSystem memory;
  FaultInjectingFileSystem fs{memory};
  SimulatedClock clock;
  SyncLatch latch{/*held=*/true};
  std::unique_ptr<Outbox> outbox;  // declared last: closed before the file system goes
};

// The property the syncer exists for. The syncer is held inside fdatasync by the latch; Appends
// issued meanwhile must complete. Under the former design the writer thread ran the periodic
// fdatasync itself (WriterLoop -> SyncUnsynced), so the thread held in the latch was the writer:
// these Appends would stay queued until the latch is released, the future below would not be
// ready within kBound and the test would fail.
TEST(OutboxSyncerTest, AppendCompletesWhileTheSyncerIsInsideFdatasync) {
  IntervalOutbox rig(/*hold_syncs=*/true);
  auto& [memory, fs, clock, latch, outbox] = rig;
  ASSERT_NE(outbox, nullptr);
  ASSERT_TRUE(outbox->Append("t", OneRecord("first")).ok());
  clock.Advance(kInterval);
  ASSERT_TRUE(latch.WaitEntered(1)) << "the syncer started the timer sync";

  auto appends = std::async(std::launch::async, [&] {
    std::vector<uint64_t> offsets;
    for (int i = 0; i < 5; ++i) {
      auto appended = outbox->Append("t", OneRecord("during sync " + std::to_string(i)));
      if (!appended.ok() || appended->size() != 1) return std::vector<uint64_t>{};
      offsets.push_back(appended->front());
    }
    return offsets;
  });
  const bool done = appends.wait_for(kBound) == std::future_status::ready;
  EXPECT_TRUE(done) << "appends waited for the held fdatasync";
  EXPECT_EQ(latch.entered(), 1) << "the sync is still held";
  latch.Release();
  EXPECT_EQ(appends.get(), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(outbox->EndOffset("t"), 6u) << "written records are readable before their sync";

  ASSERT_TRUE(outbox->Close().ok());
  auto crashed = memory.CrashCopy();
  auto reopened = MustOpen(IntervalOptions(), clock, *crashed);
  EXPECT_EQ(ReadAll(*reopened, "t").size(), 6u) << "Close synced the records the timer had not";
}

TEST(OutboxSyncerTest, SyncsOnceSyncIntervalOfSimulatedTimeHasPassed) {
  MemoryFileSystem memory;
  FaultInjectingFileSystem fs(memory);
  SimulatedClock clock;
  // Counted by on_sync, i.e. after a sync returned: this also checks that on_sync (the
  // zroute_outbox_fsync_duration_seconds histogram) observes the syncer's fdatasyncs.
  std::mutex mu;
  std::condition_variable cv;
  int synced = 0;
  auto wait_synced = [&](int n, std::chrono::milliseconds bound) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, bound, [&] { return synced >= n; });
  };
  OutboxOptions options = IntervalOptions();
  options.on_sync = [&](Duration) {
    std::lock_guard<std::mutex> lock(mu);
    ++synced;
    cv.notify_all();
  };
  auto outbox = MustOpen(options, clock, fs);
  ASSERT_NE(outbox, nullptr);

  ASSERT_TRUE(outbox->Append("t", OneRecord("a")).ok());
  clock.Advance(kInterval - milliseconds(1));
  // A window (not synchronisation): the syncer wakes at least every sync_interval of real time,
  // so 5 intervals are enough for a sync that was wrongly due to show up.
  EXPECT_FALSE(wait_synced(1, 5 * kInterval)) << "synced before sync_interval had passed";
  clock.Advance(milliseconds(1));
  ASSERT_TRUE(wait_synced(1, kBound)) << "no sync after sync_interval";
  {
    const auto crashed = memory.CrashCopy();
    auto reopened = MustOpen(IntervalOptions(), clock, *crashed);
    EXPECT_EQ(reopened->EndOffset("t"), 1u) << "the sync made 'a' durable";
  }

  // The next sync is at most every sync_interval after the previous one.
  ASSERT_TRUE(outbox->Append("t", OneRecord("b")).ok());
  EXPECT_FALSE(wait_synced(2, 5 * kInterval)) << "two syncs within sync_interval";
  clock.Advance(kInterval);
  ASSERT_TRUE(wait_synced(2, kBound));
  ASSERT_TRUE(outbox->Close().ok());
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(synced, 2) << "nothing was left for Close to sync";
}

TEST(OutboxSyncerTest, SyncerFailureFailsLaterAppendsAndClose) {
  IntervalOutbox rig(/*hold_syncs=*/true);
  auto& [memory, fs, clock, latch, outbox] = rig;
  ASSERT_NE(outbox, nullptr);
  ASSERT_TRUE(outbox->Append("t", OneRecord("acked after write")).ok());
  fs.FailSyncsAfter(0);
  clock.Advance(kInterval);
  ASSERT_TRUE(latch.WaitEntered(1));
  EXPECT_TRUE(outbox->Append("t", OneRecord("before the failure lands")).ok());
  latch.Release();
  // The syncer reports the failure right after the sync returns; appends from then on fail.
  Status last;
  for (auto deadline = std::chrono::steady_clock::now() + kBound;
       last.ok() && std::chrono::steady_clock::now() < deadline;) {
    last = outbox->Append("t", OneRecord("x")).status();
  }
  EXPECT_EQ(last.code(), StatusCode::kIOError) << last;
  EXPECT_NE(last.ToString().find("injected fdatasync failure"), std::string::npos) << last;
  fs.Heal();
  EXPECT_EQ(outbox->Append("t", OneRecord("after heal")).status().code(), StatusCode::kIOError)
      << "the outbox stays failed";
  EXPECT_FALSE(outbox->Close().ok()) << "Close reports the failure";
}

TEST(OutboxSyncerTest, CloseSyncsEveryUnsyncedTopicAndReportsAFailedFinalSync) {
  {
    IntervalOutbox rig(/*hold_syncs=*/false);
    auto& [memory, fs, clock, latch, outbox] = rig;
    ASSERT_NE(outbox, nullptr);
    ASSERT_TRUE(outbox->Append("a", OneRecord("1")).ok());
    ASSERT_TRUE(outbox->Append("b", OneRecord("2")).ok());
    const int64_t before = fs.file_syncs();
    ASSERT_TRUE(outbox->Close().ok());
    EXPECT_EQ(fs.file_syncs(), before + 2) << "one final fdatasync per unsynced topic";
    auto crashed = memory.CrashCopy();
    auto reopened = MustOpen(IntervalOptions(), clock, *crashed);
    EXPECT_EQ(reopened->EndOffset("a"), 1u);
    EXPECT_EQ(reopened->EndOffset("b"), 1u);
  }
  {
    IntervalOutbox rig(/*hold_syncs=*/false);
    auto& [memory, fs, clock, latch, outbox] = rig;
    ASSERT_NE(outbox, nullptr);
    ASSERT_TRUE(outbox->Append("a", OneRecord("1")).ok());
    fs.FailSyncsAfter(0);
    Status closed = outbox->Close();
    EXPECT_EQ(closed.code(), StatusCode::kIOError) << closed;
  }
}

// Segments of 1 KiB roll every few appends while another thread keeps the simulated clock moving,
// so the syncer syncs the active segment as the writer closes it and opens the next. A sync of a
// closed file fails (the memory file system answers FailedPrecondition), which would fail the
// outbox; every append and Close must succeed, and everything must survive a crash after Close.
TEST(OutboxSyncerTest, RollsNeverCloseAFileUnderTheSyncer) {
  MemoryFileSystem memory;
  FaultInjectingFileSystem fs(memory);
  SimulatedClock clock;
  OutboxOptions options = IntervalOptions();
  options.segment_bytes = 1024;
  auto outbox = MustOpen(options, clock, fs);
  ASSERT_NE(outbox, nullptr);
  std::atomic<bool> done{false};
  std::thread ticker([&] {
    while (!done.load()) {
      clock.Advance(kInterval);
      std::this_thread::yield();
    }
  });
  const std::string payload(200, 'p');
  int ok = 0;
  for (int i = 0; i < 500; ++i) ok += outbox->Append("t", OneRecord(payload)).ok() ? 1 : 0;
  done = true;
  ticker.join();
  EXPECT_EQ(ok, 500);
  EXPECT_TRUE(outbox->Close().ok());
  auto crashed = memory.CrashCopy();
  auto reopened = MustOpen(options, clock, *crashed);
  EXPECT_EQ(ReadAll(*reopened, "t").size(), 500u);
}

}  // namespace
}  // namespace zroute::testing
