// RetentionKeeper: each topic's retention from the routing table, and the quota pressure pass,
// on the file outbox (in memory, 1 KiB segments) and on MemoryOutbox.
#include "sidecar/outbox/retention_keeper.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sidecar/outbox/memory_outbox.h"
#include "tests/sidecar/outbox/outbox_test_util.h"
#include "tests/support/memory_file_system.h"
#include "tests/support/wait_for.h"

namespace zroute::testing {
namespace {

constexpr char kOrders[] = "default/orders";
constexpr char kAudit[] = "default/audit";
constexpr uint64_t kQuota = 16 * 1024;

Topic MakeTopic(const std::string& name, std::chrono::seconds max_age, int64_t max_bytes) {
  Topic t;
  t.meta.namespace_ = "default";
  t.meta.name = name;
  t.spec.retention_max_age = max_age;
  t.spec.retention_max_bytes = max_bytes;
  return t;
}

Subscription MakeSub(const std::string& name, const std::string& topic) {
  Subscription s;
  s.meta.namespace_ = "default";
  s.meta.name = name;
  s.spec.topic = topic;
  s.spec.app_id = "billing";
  return s;
}

// true: FileOutbox on a MemoryFileSystem; false: MemoryOutbox.
class RetentionKeeperTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      OutboxOptions options = SmallOptions();
      options.disk_quota_bytes = kQuota;
      outbox_ = MustOpen(options, clock_, fs_);
    } else {
      outbox_ = std::make_unique<MemoryOutbox>(kQuota);
    }
    ASSERT_NE(outbox_, nullptr);
    keeper_ = std::make_unique<RetentionKeeper>(*outbox_, table_, clock_, metrics_,
                                                RetentionKeeper::Options{.quota_bytes = kQuota});
  }

  void SetTable(const std::vector<Topic>& topics, const std::vector<Subscription>& subs) {
    table_.Set(std::make_shared<const RoutingTable>(RoutingTable::Build(1, topics, subs, {})));
  }

  // `count` records of ~100 bytes, one per simulated second.
  void Fill(const std::string& topic, int count) {
    for (int i = 0; i < count; ++i) {
      auto appended = outbox_->Append(topic, OneRecord(std::string(100, 'x'), clock_.WallNow()));
      ASSERT_TRUE(appended.ok()) << appended.status();
      clock_.Advance(std::chrono::seconds(1));
    }
  }

  // Appends until the quota refuses; returns how many were accepted.
  int FillToQuota(const std::string& topic) {
    for (int accepted = 0;; ++accepted) {
      auto appended = outbox_->Append(topic, OneRecord(std::string(100, 'x'), clock_.WallNow()));
      if (!appended.ok()) {
        EXPECT_EQ(appended.status().code(), StatusCode::kResourceExhausted) << appended.status();
        return accepted;
      }
    }
  }

  void AckAll(const std::string& topic, const std::string& sub) {
    ASSERT_TRUE(outbox_->CommitCursor(topic, sub, outbox_->EndOffset(topic)).ok());
  }

  double Removed(const char* reason) { return metrics_.outbox_removed.With({reason}).Value(); }

  MemoryFileSystem fs_;
  SimulatedClock clock_;
  SidecarMetrics metrics_;
  TableHolder table_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<RetentionKeeper> keeper_;
};

TEST_P(RetentionKeeperTest, WithoutATableNothingIsRemoved) {
  Fill(kOrders, 100);
  clock_.Advance(std::chrono::hours(48));
  ASSERT_TRUE(keeper_->RunOnce().ok());
  EXPECT_EQ(outbox_->BeginOffset(kOrders), 0u);
  EXPECT_EQ(Removed("retention"), 0);
}

TEST_P(RetentionKeeperTest, AppliesTheTopicsMaxAgeBelowTheCursor) {
  SetTable({MakeTopic("orders", std::chrono::seconds(50), 0)}, {MakeSub("billing-orders", "orders")});
  Fill(kOrders, 100);
  ASSERT_TRUE(outbox_->CommitCursor(kOrders, "default/billing-orders", 80).ok());
  ASSERT_TRUE(keeper_->RunOnce().ok());
  const uint64_t begin = outbox_->BeginOffset(kOrders);
  EXPECT_GT(begin, 0u) << "events older than maxAge and acknowledged are removed";
  EXPECT_LE(begin, 50u) << "events younger than maxAge stay";
  EXPECT_GT(Removed("retention"), 0);
  EXPECT_EQ(Removed("quota"), 0);

  // Everything ages out; the cursor still holds 80 and later.
  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(keeper_->RunOnce().ok());
  EXPECT_GT(outbox_->BeginOffset(kOrders), 50u);
  EXPECT_LE(outbox_->BeginOffset(kOrders), 80u);
  EXPECT_EQ(outbox_->EndOffset(kOrders), 100u);
}

TEST_P(RetentionKeeperTest, AppliesTheTopicsMaxBytes) {
  SetTable({MakeTopic("orders", std::chrono::seconds(0), 3000)}, {MakeSub("billing-orders", "orders")});
  Fill(kOrders, 100);
  AckAll(kOrders, "default/billing-orders");
  ASSERT_TRUE(keeper_->RunOnce().ok());
  EXPECT_LE(outbox_->TopicDiskBytes(kOrders), 3000u);
  EXPECT_GT(outbox_->BeginOffset(kOrders), 0u);
}

TEST_P(RetentionKeeperTest, ASubscriptionThatAcknowledgedNothingHoldsEveryEvent) {
  // billing-orders has a cursor past everything; audit-orders has none yet (its consumer never
  // answered). Neither age nor quota pressure may remove what audit-orders has not seen.
  SetTable({MakeTopic("orders", std::chrono::seconds(1), 1)},
           {MakeSub("billing-orders", "orders"), MakeSub("audit-orders", "orders")});
  FillToQuota(kOrders);
  AckAll(kOrders, "default/billing-orders");
  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(keeper_->RunOnce().ok());
  EXPECT_EQ(outbox_->BeginOffset(kOrders), 0u);
  EXPECT_EQ(Removed("retention") + Removed("quota"), 0);
}

TEST_P(RetentionKeeperTest, ATopicTheTableDoesNotKnowKeepsItsEventsUntilQuotaPressure) {
  SetTable({MakeTopic("orders", std::chrono::seconds(1), 1)}, {});
  Fill("default/gone", 40);
  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(keeper_->RunOnce().ok());
  EXPECT_EQ(outbox_->BeginOffset("default/gone"), 0u) << "its retention is unknown";
  FillToQuota("default/gone");
  ASSERT_TRUE(keeper_->RunOnce().ok());
  EXPECT_GT(outbox_->BeginOffset("default/gone"), 0u) << "no subscription holds it: the quota frees it";
}

TEST_P(RetentionKeeperTest, QuotaPressureFreesAcknowledgedEventsOfEveryTopicSoPublishingGoesOn) {
  // Retention would keep everything (24 h, 1 GiB): the quota is reached by events both
  // subscriptions acknowledged, the situation that made a busy sidecar answer 429 for good.
  SetTable({MakeTopic("orders", std::chrono::hours(24), 1 << 30), MakeTopic("audit", std::chrono::hours(24), 1 << 30)},
           {MakeSub("billing-orders", "orders"), MakeSub("billing-audit", "audit")});
  Fill(kAudit, 40);
  FillToQuota(kOrders);
  AckAll(kOrders, "default/billing-orders");
  AckAll(kAudit, "default/billing-audit");
  const uint64_t audit_before = outbox_->TopicDiskBytes(kAudit);
  ASSERT_GT(outbox_->DiskBytes(), keeper_->high_water_bytes());

  ASSERT_TRUE(keeper_->RunOnce().ok());
  EXPECT_LE(outbox_->DiskBytes(), keeper_->low_water_bytes() + 2 * 1024) << "back near the low water mark";
  EXPECT_GT(outbox_->DiskBytes(), 0u);
  EXPECT_LT(outbox_->TopicDiskBytes(kAudit), audit_before) << "every topic gives up its share";
  EXPECT_GT(outbox_->BeginOffset(kOrders), 0u);
  EXPECT_GT(Removed("quota"), 0);
  EXPECT_TRUE(outbox_->Append(kOrders, OneRecord("after")).ok());

  // Below the high water mark a pass removes nothing more.
  const uint64_t begin = outbox_->BeginOffset(kOrders);
  ASSERT_TRUE(keeper_->RunOnce().ok());
  EXPECT_EQ(outbox_->BeginOffset(kOrders), begin);
}

TEST_P(RetentionKeeperTest, QuotaPressureNeverPassesTheLowestCursor) {
  SetTable({MakeTopic("orders", std::chrono::hours(24), 1 << 30)}, {MakeSub("billing-orders", "orders")});
  FillToQuota(kOrders);
  // The subscriber acknowledged nothing: nothing can go, and its publishers stay at 429.
  ASSERT_TRUE(outbox_->CommitCursor(kOrders, "default/billing-orders", 0).ok());
  ASSERT_TRUE(keeper_->RunOnce().ok());
  EXPECT_EQ(outbox_->BeginOffset(kOrders), 0u);
  EXPECT_EQ(outbox_->Append(kOrders, OneRecord("x")).status().code(), StatusCode::kResourceExhausted);
  // It acknowledged 20: only what lies below them may go.
  ASSERT_TRUE(outbox_->CommitCursor(kOrders, "default/billing-orders", 20).ok());
  ASSERT_TRUE(keeper_->RunOnce().ok());
  EXPECT_GT(outbox_->BeginOffset(kOrders), 0u);
  EXPECT_LE(outbox_->BeginOffset(kOrders), 20u);
  auto read = outbox_->Read(kOrders, 20, 1, 1 << 20);
  ASSERT_TRUE(read.ok());
  ASSERT_FALSE(read->empty());
  EXPECT_EQ(read->front().offset, 20u);
}

TEST_P(RetentionKeeperTest, ItsThreadRunsPassesUntilStopped) {
  SetTable({MakeTopic("orders", std::chrono::seconds(10), 0)}, {MakeSub("billing-orders", "orders")});
  Fill(kOrders, 100);
  AckAll(kOrders, "default/billing-orders");
  RetentionKeeper keeper(*outbox_, table_, clock_, metrics_,
                         RetentionKeeper::Options{.quota_bytes = kQuota, .interval = std::chrono::milliseconds(5)});
  keeper.Start();
  EXPECT_TRUE(WaitFor([&] { return outbox_->BeginOffset(kOrders) > 0; }));
  keeper.Stop();
  keeper.Stop();  // idempotent
}

TEST_P(RetentionKeeperTest, RunSoonStartsAPassBeforeTheIntervalEnds) {
  SetTable({MakeTopic("orders", std::chrono::seconds(10), 0)}, {MakeSub("billing-orders", "orders")});
  RetentionKeeper keeper(*outbox_, table_, clock_, metrics_,
                         RetentionKeeper::Options{.quota_bytes = kQuota, .interval = std::chrono::hours(1)});
  keeper.Start();
  Fill(kOrders, 100);
  AckAll(kOrders, "default/billing-orders");
  keeper.RunSoon();
  EXPECT_TRUE(WaitFor([&] { return outbox_->BeginOffset(kOrders) > 0; }));
  keeper.Stop();
}

INSTANTIATE_TEST_SUITE_P(Outboxes, RetentionKeeperTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) { return info.param ? "File" : "Memory"; });

}  // namespace
}  // namespace zroute::testing
