// The outbox's API behaviour: round trips, offsets, concurrency, time lookup, lifecycle.
#include "sidecar/outbox/outbox.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "sidecar/outbox/file_outbox.h"
#include "tests/sidecar/outbox/outbox_test_util.h"
#include "tests/support/memory_file_system.h"

namespace zroute::testing {
namespace {

class OutboxTest : public ::testing::Test {
 protected:
  MemoryFileSystem fs_;
  SimulatedClock clock_;
};

TEST_F(OutboxTest, EveryDurableFlushIsReportedToTheSyncObserverBeforeAppendReturns) {
  OutboxOptions options = SmallOptions();
  std::atomic<int> syncs{0};
  options.on_sync = [&](Duration d) {
    EXPECT_GE(d.count(), 0);
    syncs.fetch_add(1);
  };
  auto outbox = MustOpen(options, clock_, fs_);
  ASSERT_NE(outbox, nullptr);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(outbox->Append("orders", OneRecord("e" + std::to_string(i))).ok());
    EXPECT_EQ(syncs.load(), i + 1) << "one fdatasync per sequential append, observed before it is acknowledged";
  }
}

TEST_F(OutboxTest, AppendReadRoundTripAcrossSegmentRolls) {
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  ASSERT_NE(outbox, nullptr);
  std::vector<std::string> payloads;
  for (int i = 0; i < 200; ++i) {
    payloads.push_back("event-" + std::to_string(i) + std::string(i % 50, 'x'));
    auto offsets = outbox->Append("orders", OneRecord(payloads.back()));
    ASSERT_TRUE(offsets.ok()) << offsets.status();
    ASSERT_EQ(offsets->size(), 1u);
    EXPECT_EQ((*offsets)[0], static_cast<uint64_t>(i));
  }
  auto names = fs_.ListDir("/outbox/orders");
  ASSERT_TRUE(names.ok());
  EXPECT_GT(names->size(), 5u) << "1 KiB segments must have rolled";
  EXPECT_EQ(outbox->EndOffset("orders"), 200u);
  EXPECT_EQ(outbox->BeginOffset("orders"), 0u);
  auto all = ReadAll(*outbox, "orders");
  ASSERT_EQ(all.size(), payloads.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].offset, i);
    EXPECT_EQ(all[i].record.payload, payloads[i]);
  }
  // Reads starting in the middle of a segment land on the asked offset.
  for (uint64_t from : {1u, 17u, 99u, 199u}) {
    auto page = outbox->Read("orders", from, 3, 1 << 20);
    ASSERT_TRUE(page.ok());
    ASSERT_FALSE(page->empty());
    EXPECT_EQ(page->front().offset, from);
  }
  EXPECT_TRUE(outbox->Read("orders", 200, 10, 1 << 20)->empty());
}

TEST_F(OutboxTest, BatchAppendGetsDenseOffsetsAndKeepsKeysAndTimes) {
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  std::vector<OutboxRecord> batch;
  for (int i = 0; i < 10; ++i) {
    batch.push_back(MakeRecord("p" + std::to_string(i), "key" + std::to_string(i % 3),
                               clock_.WallNow() + std::chrono::seconds(i)));
  }
  auto first = outbox->Append("t", batch);
  auto second = outbox->Append("t", batch);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(second->front(), 10u);
  EXPECT_EQ(second->back(), 19u);
  auto all = ReadAll(*outbox, "t");
  ASSERT_EQ(all.size(), 20u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].record.key, batch[i % 10].key);
    EXPECT_EQ(all[i].record.publish_time, batch[i % 10].publish_time);
  }
}

TEST_F(OutboxTest, TopicsHaveIndependentOffsets) {
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  ASSERT_TRUE(outbox->Append("a", OneRecord("1")).ok());
  ASSERT_TRUE(outbox->Append("a", OneRecord("2")).ok());
  auto b = outbox->Append("b", OneRecord("x"));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)[0], 0u);
  EXPECT_EQ(outbox->EndOffset("a"), 2u);
  EXPECT_EQ(outbox->EndOffset("unknown"), 0u);
  auto topics = outbox->Topics();
  EXPECT_EQ(std::set<std::string>(topics.begin(), topics.end()), (std::set<std::string>{"a", "b"}));
}

TEST_F(OutboxTest, ReadRespectsMaxRecordsAndMaxBytesButAlwaysProgresses) {
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(outbox->Append("t", OneRecord(std::string(100, 'a'))).ok());
  EXPECT_EQ(outbox->Read("t", 0, 3, 1 << 20)->size(), 3u);
  EXPECT_EQ(outbox->Read("t", 0, 100, 250)->size(), 2u);
  EXPECT_EQ(outbox->Read("t", 0, 100, 1)->size(), 1u);
  EXPECT_TRUE(outbox->Read("t", 0, 0, 1 << 20)->empty());
}

TEST_F(OutboxTest, ConcurrentAppendersAreAllAcknowledgedAndReadableInOrder) {
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  constexpr int kThreads = 16;
  constexpr int kPerThread = 100;
  std::vector<std::vector<uint64_t>> offsets(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto result = outbox->Append("t", OneRecord(std::to_string(t) + ":" + std::to_string(i)));
        ASSERT_TRUE(result.ok()) << result.status();
        offsets[t].push_back((*result)[0]);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<uint64_t> all_offsets;
  for (const auto& v : offsets) all_offsets.insert(v.begin(), v.end());
  ASSERT_EQ(all_offsets.size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(*all_offsets.rbegin(), uint64_t{kThreads * kPerThread - 1});  // dense

  auto all = ReadAll(*outbox, "t");
  ASSERT_EQ(all.size(), size_t{kThreads * kPerThread});
  std::map<int, int> next_per_thread;
  for (const auto& stored : all) {
    const std::string& p = stored.record.payload;
    int t = std::stoi(p.substr(0, p.find(':')));
    int i = std::stoi(p.substr(p.find(':') + 1));
    EXPECT_EQ(i, next_per_thread[t]) << "thread " << t << " out of order";
    next_per_thread[t] = i + 1;
    EXPECT_EQ(offsets[t][i], stored.offset);
  }
}

TEST_F(OutboxTest, OffsetForTimeFindsFirstRecordAtOrAfter) {
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  const WallTime t0 = clock_.WallNow();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(
        outbox->Append("t", OneRecord(std::string(40, 'x'), t0 + std::chrono::seconds(i))).ok());
  }
  EXPECT_EQ(outbox->OffsetForTime("t", t0 - std::chrono::hours(1)), 0u);
  EXPECT_EQ(outbox->OffsetForTime("t", t0), 0u);
  EXPECT_EQ(outbox->OffsetForTime("t", t0 + std::chrono::seconds(37)), 37u);
  EXPECT_EQ(outbox->OffsetForTime("t", t0 + std::chrono::milliseconds(37500)), 38u);
  EXPECT_EQ(outbox->OffsetForTime("t", t0 + std::chrono::seconds(99)), 99u);
  EXPECT_EQ(outbox->OffsetForTime("t", t0 + std::chrono::seconds(100)), 100u);
  EXPECT_EQ(outbox->OffsetForTime("none", t0), 0u);
}

TEST_F(OutboxTest, OffsetForTimeHandlesUnorderedPublishTimes) {
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  const WallTime t0 = clock_.WallNow();
  for (int s : {5, 1, 9, 3, 7})
    ASSERT_TRUE(outbox->Append("t", OneRecord("x", t0 + std::chrono::seconds(s))).ok());
  EXPECT_EQ(outbox->OffsetForTime("t", t0 + std::chrono::seconds(6)), 2u);
  EXPECT_EQ(outbox->OffsetForTime("t", t0 + std::chrono::seconds(2)), 0u);
}

TEST_F(OutboxTest, CloseIsIdempotentAndStopsAppends) {
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  ASSERT_TRUE(outbox->Append("t", OneRecord("a")).ok());
  EXPECT_TRUE(outbox->Close().ok());
  EXPECT_TRUE(outbox->Close().ok());
  auto after = outbox->Append("t", OneRecord("b"));
  EXPECT_EQ(after.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(outbox->Read("t", 0, 10, 1 << 20)->size(), 1u);  // reads still work
}

TEST_F(OutboxTest, RejectsBadTopicsAndOversizeRecords) {
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  EXPECT_EQ(outbox->Append("", OneRecord("a")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(outbox->Append(std::string(300, 'a'), OneRecord("a")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(outbox->Append("t", OneRecord(std::string((16u << 20) + 1, 'a'))).status().code(),
            StatusCode::kTooLarge);
  // A hostile topic name stays inside the outbox directory.
  ASSERT_TRUE(outbox->Append("../escape", OneRecord("a")).ok());
  EXPECT_TRUE(fs_.Exists("/outbox/%2E%2E%2Fescape"));
  EXPECT_EQ(outbox->Read("../escape", 0, 10, 100)->size(), 1u);
}

TEST_F(OutboxTest, RecordLargerThanASegmentGetsItsOwnSegment) {
  auto outbox = MustOpen(SmallOptions(), clock_, fs_);
  ASSERT_TRUE(outbox->Append("t", OneRecord("small")).ok());
  ASSERT_TRUE(outbox->Append("t", OneRecord(std::string(5000, 'b'))).ok());
  ASSERT_TRUE(outbox->Append("t", OneRecord("small")).ok());
  auto all = ReadAll(*outbox, "t");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].record.payload.size(), 5000u);
}

}  // namespace
}  // namespace zroute::testing
