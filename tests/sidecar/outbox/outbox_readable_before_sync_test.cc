// Records are readable once written, before their fdatasync (sidecar/outbox/outbox.h): the
// on_readable callback wakes the dispatcher while the disk syncs, and the Append (or CommitStaged)
// is acknowledged only after the sync. A record read early may be lost in a machine crash, and a
// cursor may have been persisted past it: recovery lowers such a cursor to the end of the
// recovered log, durably, so the offsets given again are delivered.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "sidecar/outbox/file_outbox.h"
#include "sidecar/outbox/outbox.h"
#include "tests/sidecar/outbox/outbox_test_util.h"
#include "tests/sidecar/outbox/sync_latch.h"
#include "tests/support/fault_injecting_file_system.h"
#include "tests/support/memory_file_system.h"

namespace zroute::testing {
namespace {

// The topics on_readable named, in order.
class ReadableLog {
 public:
  std::function<void(const std::string&)> Callback() {
    return [this](const std::string& topic) {
      std::lock_guard<std::mutex> lock(mu_);
      topics_.push_back(topic);
    };
  }
  std::vector<std::string> topics() {
    std::lock_guard<std::mutex> lock(mu_);
    return topics_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> topics_;
};

// A file outbox on a memory file system whose next file sync, once armed, waits in a latch.
// Only that one sync is held (cursor files are synced too, and must pass).
struct HeldSyncOutbox {
  explicit HeldSyncOutbox(SyncPolicy policy = SyncPolicy::kEveryBatch) {
    fs.SetSyncHook([this] {
      if (armed.exchange(false)) latch.Enter();
    });
    options = SmallOptions();
    options.segment_bytes = 1 << 20;  // no roll: the only record syncs are the appends'
    options.sync_policy = policy;
    auto opened = OpenOutbox(options, clock, fs);
    EXPECT_TRUE(opened.ok()) << opened.status();
    if (opened.ok()) outbox.reset(static_cast<FileOutbox*>(opened->release()));
    if (outbox) outbox->set_on_readable(readable.Callback());
  }
  MemoryFileSystem memory;
  FaultInjectingFileSystem fs{memory};
  SimulatedClock clock;
  SyncLatch latch{/*held=*/true};
  std::atomic<bool> armed{false};
  ReadableLog readable;
  OutboxOptions options;
  std::unique_ptr<FileOutbox> outbox;  // declared last: closed before the file system goes
};

bool Pending(std::future<StatusOr<std::vector<uint64_t>>>& f) {
  return f.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
}

TEST(OutboxReadableBeforeSyncTest, AnAppendIsReadableAndAnnouncedWhileItsFdatasyncRuns) {
  HeldSyncOutbox rig;
  ASSERT_NE(rig.outbox, nullptr);
  ASSERT_TRUE(rig.outbox->Append("t", OneRecord("a")).ok());
  EXPECT_EQ(rig.readable.topics(), std::vector<std::string>{"t"});

  rig.armed = true;
  auto appended = std::async(std::launch::async, [&] { return rig.outbox->Append("t", OneRecord("b")); });
  ASSERT_TRUE(rig.latch.WaitEntered(1)) << "the append's fdatasync started";
  EXPECT_TRUE(Pending(appended)) << "acknowledged before its fdatasync returned";
  EXPECT_EQ(rig.readable.topics(), (std::vector<std::string>{"t", "t"})) << "announced before the sync";
  auto records = ReadAll(*rig.outbox, "t");
  ASSERT_EQ(records.size(), 2u) << "readable during the sync";
  EXPECT_EQ(records[1].record.payload, "b");
  {
    auto crashed = rig.memory.CrashCopy();  // a power loss now: 'b' is not durable yet
    auto reopened = MustOpen(rig.options, rig.clock, *crashed);
    EXPECT_EQ(reopened->EndOffset("t"), 1u);
  }

  rig.latch.Release();
  auto result = appended.get();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, std::vector<uint64_t>{1});
  auto crashed = rig.memory.CrashCopy();
  auto reopened = MustOpen(rig.options, rig.clock, *crashed);
  EXPECT_EQ(reopened->EndOffset("t"), 2u) << "durable once acknowledged";
}

TEST(OutboxReadableBeforeSyncTest, AStagedRoundIsReadableAndAnnouncedBeforeItsCommitReturns) {
  HeldSyncOutbox rig;
  ASSERT_NE(rig.outbox, nullptr);
  ASSERT_TRUE(rig.outbox->Stage("t", OneRecord("a")).ok());
  ASSERT_TRUE(rig.outbox->Stage("u", OneRecord("b")).ok());
  EXPECT_TRUE(rig.readable.topics().empty()) << "staged records are not readable";
  EXPECT_EQ(rig.outbox->EndOffset("t"), 0u);

  rig.armed = true;
  auto committed = std::async(std::launch::async, [&] { return rig.outbox->CommitStaged(); });
  ASSERT_TRUE(rig.latch.WaitEntered(1));
  EXPECT_NE(committed.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(rig.readable.topics(), std::vector<std::string>{"t"}) << "the first topic, before its sync";
  EXPECT_EQ(ReadAll(*rig.outbox, "t").size(), 1u);
  rig.latch.Release();
  ASSERT_TRUE(committed.get().ok());
  EXPECT_EQ(rig.readable.topics(), (std::vector<std::string>{"t", "u"}));
  EXPECT_EQ(ReadAll(*rig.outbox, "u").size(), 1u);
}

TEST(OutboxReadableBeforeSyncTest, ACursorPastTheRecoveredEndIsLoweredAndStaysLowered) {
  HeldSyncOutbox rig;
  ASSERT_NE(rig.outbox, nullptr);
  ASSERT_TRUE(rig.outbox->Append("t", OneRecord("a")).ok());
  rig.armed = true;
  auto appended = std::async(std::launch::async, [&] { return rig.outbox->Append("t", OneRecord("b")); });
  ASSERT_TRUE(rig.latch.WaitEntered(1));
  // 'b' was dispatched early and acknowledged by its subscriber; the cursor is persisted before
  // the log's fdatasync ends, and then the machine loses power.
  ASSERT_TRUE(rig.outbox->CommitCursor("t", "sub", 2).ok());
  ASSERT_TRUE(rig.outbox->FlushCursors().ok());
  auto crashed = rig.memory.CrashCopy();
  rig.latch.Release();
  ASSERT_TRUE(appended.get().ok());

  uint64_t c_offset = 0;
  std::unique_ptr<MemoryFileSystem> crashed_again;
  {
    auto reopened = MustOpen(rig.options, rig.clock, *crashed);
    ASSERT_NE(reopened, nullptr);
    EXPECT_EQ(reopened->EndOffset("t"), 1u) << "'b' was never synced";
    EXPECT_EQ(reopened->Cursor("t", "sub"), 1u) << "lowered to the recovered end";
    auto c = reopened->Append("t", OneRecord("c"));
    ASSERT_TRUE(c.ok()) << c.status();
    c_offset = c->front();
    EXPECT_EQ(c_offset, 1u) << "the lost record's offset is given again";
    EXPECT_GE(c_offset, reopened->Cursor("t", "sub")) << "so 'c' is delivered";
    // A second crash before the cursors' next periodic persist.
    crashed_again = crashed->CrashCopy();
  }
  auto reopened = MustOpen(rig.options, rig.clock, *crashed_again);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->EndOffset("t"), 2u);
  EXPECT_EQ(reopened->Cursor("t", "sub"), 1u) << "the lowered cursor was durable before appends";
  auto records = ReadAll(*reopened, "t", reopened->Cursor("t", "sub"));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].record.payload, "c") << "the acknowledged 'c' is still ahead of the cursor";
}

TEST(OutboxReadableBeforeSyncTest, IntervalSyncCursorPastTheSyncedEndIsLowered) {
  // Under kInterval an append is acknowledged (and dispatched) before any fdatasync; the syncer
  // waits for the simulated clock, which does not move here.
  HeldSyncOutbox rig(SyncPolicy::kInterval);
  ASSERT_NE(rig.outbox, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(rig.outbox->Append("t", OneRecord("x")).ok());
  ASSERT_TRUE(rig.outbox->CommitCursor("t", "sub", 3).ok());
  ASSERT_TRUE(rig.outbox->FlushCursors().ok());
  auto crashed = rig.memory.CrashCopy();
  auto reopened = MustOpen(rig.options, rig.clock, *crashed);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->EndOffset("t"), 0u) << "nothing was synced";
  EXPECT_EQ(reopened->Cursor("t", "sub"), 0u);
  auto next = reopened->Append("t", OneRecord("after the crash"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(ReadAll(*reopened, "t", reopened->Cursor("t", "sub")).size(), 1u) << "not skipped";
}

}  // namespace
}  // namespace zroute::testing
