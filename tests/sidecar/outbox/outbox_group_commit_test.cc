// Who writes a group commit (sidecar/outbox/file_outbox.h): an append to an idle outbox is
// written on the caller's own thread; appends that arrive while a batch is being written go out
// together as the next batch, written by the outbox's writer thread; Close waits for what is
// queued.
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "sidecar/outbox/file_outbox.h"
#include "tests/sidecar/outbox/outbox_test_util.h"
#include "tests/sidecar/outbox/sync_latch.h"
#include "tests/support/fault_injecting_file_system.h"
#include "tests/support/memory_file_system.h"
#include "tests/support/wait_for.h"

namespace zroute::testing {
namespace {

// A kEveryBatch outbox whose fdatasyncs record the thread they run on and enter `latch`.
struct LatchedOutbox {
  explicit LatchedOutbox(bool hold_syncs) : latch(hold_syncs) {
    fs.SetSyncHook([this] {
      {
        std::lock_guard<std::mutex> lock(mu);
        sync_threads.push_back(std::this_thread::get_id());
      }
      latch.Enter();
    });
    OutboxOptions options = SmallOptions();
    options.segment_bytes = 1 << 20;  // no roll: every sync is one batch's
    outbox = MustOpen(options, clock, fs);
    file_outbox = dynamic_cast<FileOutbox*>(outbox.get());
  }
  std::vector<std::thread::id> SyncThreads() {
    std::lock_guard<std::mutex> lock(mu);
    return sync_threads;
  }
  MemoryFileSystem memory;
  FaultInjectingFileSystem fs{memory};
  SimulatedClock clock;
  SyncLatch latch;
  std::mutex mu;
  std::vector<std::thread::id> sync_threads;
  std::unique_ptr<Outbox> outbox;  // declared after what it uses: closed first
  FileOutbox* file_outbox = nullptr;
};

// The appends below each return their offset, or -1 on failure.
std::future<int64_t> AppendAsync(Outbox& outbox, const std::string& payload,
                                 std::thread::id* thread = nullptr) {
  return std::async(std::launch::async, [&outbox, payload, thread]() -> int64_t {
    if (thread) *thread = std::this_thread::get_id();
    auto offsets = outbox.Append("t", OneRecord(payload));
    return offsets.ok() && offsets->size() == 1 ? static_cast<int64_t>(offsets->front()) : -1;
  });
}

TEST(OutboxGroupCommitTest, AnAppendToAnIdleOutboxIsWrittenOnTheCallersThread) {
  LatchedOutbox rig(/*hold_syncs=*/false);
  ASSERT_NE(rig.file_outbox, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(rig.outbox->Append("t", OneRecord("e")).ok());
  const auto threads = rig.SyncThreads();
  ASSERT_EQ(threads.size(), 3u) << "one fdatasync per sequential append";
  for (const auto& id : threads) {
    EXPECT_EQ(id, std::this_thread::get_id()) << "no hand-off to another thread";
  }
}

TEST(OutboxGroupCommitTest, AppendsQueuedDuringAWriteGoOutAsOneBatchOnTheWriterThread) {
  LatchedOutbox rig(/*hold_syncs=*/true);
  ASSERT_NE(rig.file_outbox, nullptr);
  std::thread::id first_thread;
  auto first = AppendAsync(*rig.outbox, "first", &first_thread);
  ASSERT_TRUE(rig.latch.WaitEntered(1)) << "the first append is inside its fdatasync";

  constexpr int kQueued = 3;
  std::vector<std::thread::id> queued_threads(kQueued);
  std::vector<std::future<int64_t>> queued;
  for (int i = 0; i < kQueued; ++i) {
    queued.push_back(AppendAsync(*rig.outbox, "queued " + std::to_string(i), &queued_threads[i]));
  }
  ASSERT_TRUE(WaitFor([&] { return rig.file_outbox->QueuedAppends() == kQueued; }, kSyncLatchBound))
      << "the later appends wait behind the batch being written";
  EXPECT_EQ(rig.latch.entered(), 1) << "nobody else writes while the first batch holds the write side";

  rig.latch.Release();
  EXPECT_EQ(first.get(), 0);
  std::set<int64_t> offsets;
  for (auto& f : queued) offsets.insert(f.get());
  EXPECT_EQ(offsets, (std::set<int64_t>{1, 2, 3}));

  const auto threads = rig.SyncThreads();
  ASSERT_EQ(threads.size(), 2u) << "the three queued appends shared one fdatasync";
  EXPECT_EQ(threads[0], first_thread) << "the first append was written by its caller";
  EXPECT_NE(threads[1], first_thread) << "its caller's answer did not wait for the next batch";
  EXPECT_EQ(std::find(queued_threads.begin(), queued_threads.end(), threads[1]), queued_threads.end())
      << "the queued batch was written by the writer thread, not by one of its callers";
  EXPECT_EQ(rig.file_outbox->QueuedAppends(), 0u);

  ASSERT_TRUE(rig.outbox->Append("t", OneRecord("after")).ok());
  const auto after = rig.SyncThreads();
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[2], std::this_thread::get_id()) << "the writer thread let go once the queue was empty";
  EXPECT_EQ(ReadAll(*rig.outbox, "t").size(), 5u);
}

TEST(OutboxGroupCommitTest, CloseWritesWhatIsQueuedThenRefusesAppends) {
  LatchedOutbox rig(/*hold_syncs=*/true);
  ASSERT_NE(rig.file_outbox, nullptr);
  auto first = AppendAsync(*rig.outbox, "first");
  ASSERT_TRUE(rig.latch.WaitEntered(1));
  auto second = AppendAsync(*rig.outbox, "second");
  ASSERT_TRUE(WaitFor([&] { return rig.file_outbox->QueuedAppends() == 1; }, kSyncLatchBound));

  auto closed = std::async(std::launch::async, [&] { return rig.outbox->Close(); });
  EXPECT_EQ(closed.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout)
      << "Close waits while a batch is being written";
  rig.latch.Release();
  EXPECT_TRUE(closed.get().ok());
  EXPECT_EQ(first.get(), 0);
  EXPECT_EQ(second.get(), 1) << "an append queued before Close is written, not dropped";
  auto after = rig.outbox->Append("t", OneRecord("late"));
  EXPECT_EQ(after.status().code(), StatusCode::kFailedPrecondition);

  auto crashed = rig.memory.CrashCopy();
  auto reopened = MustOpen(SmallOptions(), rig.clock, *crashed);
  EXPECT_EQ(ReadAll(*reopened, "t").size(), 2u);
}

}  // namespace
}  // namespace zroute::testing
