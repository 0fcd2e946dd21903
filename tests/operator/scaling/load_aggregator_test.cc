#include "operator/scaling/load_aggregator.h"

#include <gtest/gtest.h>

#include <limits>
#include <thread>

#include "tests/support/simulated_clock.h"

namespace zroute::scaling {
namespace {

using std::chrono::seconds;

const AppKey kBilling{"default", "billing"};
const AppKey kAudit{"default", "audit"};

LoadReport Publisher(const std::string& id, int64_t billing_lag, int64_t audit_lag = 0) {
  LoadReport r;
  r.sidecar_id = id;
  r.app_id = "orders";
  r.backlog = {{"default/billing-orders", "billing", billing_lag},
               {"default/audit-orders", "audit", audit_lag}};
  return r;
}

LoadReport Consumer(const std::string& id, int64_t in_flight, double arrival, double completion,
                    const std::string& app = "billing") {
  LoadReport r;
  r.sidecar_id = id;
  r.app_id = app;
  r.consumer = ConsumerLoad{in_flight, arrival, completion, 0.01, 0.2};
  return r;
}

class LoadAggregatorTest : public ::testing::Test {
 protected:
  zroute::testing::SimulatedClock clock_;
  LoadAggregator agg_{clock_, LoadAggregatorOptions{.staleness_timeout = seconds(30)}};
};

TEST_F(LoadAggregatorTest, SumsBacklogOfAllPublishersPerConsumerApp) {
  ASSERT_TRUE(agg_.Ingest(Publisher("pub-1", 100, 7)).ok());
  ASSERT_TRUE(agg_.Ingest(Publisher("pub-2", 250, 1)).ok());
  EXPECT_EQ(agg_.Aggregate(kBilling).lag, 350);
  EXPECT_EQ(agg_.Aggregate(kBilling).backlog_sources, 2);
  EXPECT_EQ(agg_.Aggregate(kAudit).lag, 8);
  EXPECT_EQ(agg_.Aggregate(AppKey{"default", "orders"}), AppLoad{});
}

TEST_F(LoadAggregatorTest, SumsConsumerFiguresAndCountsReplicas) {
  ASSERT_TRUE(agg_.Ingest(Consumer("bill-1", 5, 20, 18)).ok());
  ASSERT_TRUE(agg_.Ingest(Consumer("bill-2", 3, 10, 11)).ok());
  ASSERT_TRUE(agg_.Ingest(Consumer("audit-1", 9, 1, 1, "audit")).ok());
  AppLoad load = agg_.Aggregate(kBilling);
  EXPECT_EQ(load.in_flight, 8);
  EXPECT_DOUBLE_EQ(load.arrival_rate, 30);
  EXPECT_DOUBLE_EQ(load.completion_rate, 29);
  EXPECT_EQ(load.consumer_replicas, 2);
  EXPECT_EQ(agg_.Aggregate(kAudit).consumer_replicas, 1);
}

TEST_F(LoadAggregatorTest, LatencyIsTheWorstReplica) {
  LoadReport slow = Consumer("bill-1", 0, 1, 1);
  slow.consumer->latency_p99_seconds = 2.5;
  ASSERT_TRUE(agg_.Ingest(slow).ok());
  ASSERT_TRUE(agg_.Ingest(Consumer("bill-2", 0, 1, 1)).ok());
  EXPECT_DOUBLE_EQ(agg_.Aggregate(kBilling).latency_p99_seconds, 2.5);
}

TEST_F(LoadAggregatorTest, LatestReportPerSidecarAndSubscriptionWins) {
  ASSERT_TRUE(agg_.Ingest(Publisher("pub-1", 100)).ok());
  clock_.Advance(seconds(5));
  ASSERT_TRUE(agg_.Ingest(Publisher("pub-1", 40)).ok());
  EXPECT_EQ(agg_.Aggregate(kBilling).lag, 40);

  // A report listing only one subscription leaves the other's latest entry in place.
  LoadReport partial;
  partial.sidecar_id = "pub-1";
  partial.app_id = "orders";
  partial.backlog = {{"default/audit-orders", "audit", 5}};
  ASSERT_TRUE(agg_.Ingest(partial).ok());
  EXPECT_EQ(agg_.Aggregate(kBilling).lag, 40);
  EXPECT_EQ(agg_.Aggregate(kAudit).lag, 5);
}

TEST_F(LoadAggregatorTest, SidecarThatStopsReportingIsDroppedAfterTimeout) {
  ASSERT_TRUE(agg_.Ingest(Publisher("pub-1", 100)).ok());
  ASSERT_TRUE(agg_.Ingest(Consumer("bill-1", 4, 2, 2)).ok());
  clock_.Advance(seconds(20));
  ASSERT_TRUE(agg_.Ingest(Consumer("bill-2", 1, 1, 1)).ok());  // bill-2 keeps reporting
  clock_.Advance(seconds(9));
  EXPECT_EQ(agg_.Aggregate(kBilling).lag, 100);
  EXPECT_EQ(agg_.Aggregate(kBilling).consumer_replicas, 2);

  clock_.Advance(seconds(1));  // 30 s since pub-1 and bill-1 last reported
  AppLoad load = agg_.Aggregate(kBilling);
  EXPECT_EQ(load.lag, 0);
  EXPECT_EQ(load.consumer_replicas, 1);
  EXPECT_EQ(load.in_flight, 1);

  agg_.PruneStale();
  EXPECT_EQ(agg_.SidecarCount(), 1u);
}

TEST_F(LoadAggregatorTest, StaleStateIsFreedByLaterIngests) {
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(agg_.Ingest(Publisher("pub-" + std::to_string(i), 1)).ok());
  clock_.Advance(seconds(31));
  ASSERT_TRUE(agg_.Ingest(Publisher("pub-new", 1)).ok());
  EXPECT_EQ(agg_.SidecarCount(), 1u);
}

TEST_F(LoadAggregatorTest, OutOfOrderReportIsIgnored) {
  LoadReport newer = Publisher("pub-1", 10);
  newer.received_at = clock_.Now();
  LoadReport older = Publisher("pub-1", 999);
  older.received_at = clock_.Now() - seconds(3);
  ASSERT_TRUE(agg_.Ingest(newer).ok());
  ASSERT_TRUE(agg_.Ingest(older).ok());
  EXPECT_EQ(agg_.Aggregate(kBilling).lag, 10);
}

TEST_F(LoadAggregatorTest, FutureReceiveTimeIsClampedSoTheReportStillAgesOut) {
  LoadReport r = Publisher("pub-1", 10);
  r.received_at = clock_.Now() + std::chrono::hours(24);
  ASSERT_TRUE(agg_.Ingest(r).ok());
  clock_.Advance(seconds(30));
  EXPECT_EQ(agg_.Aggregate(kBilling).lag, 0);
}

TEST_F(LoadAggregatorTest, SameAppIdInAnotherNamespaceIsAnotherApp) {
  LoadReport r = Publisher("pub-1", 10);
  r.backlog = {{"staging/billing-orders", "billing", 70}};
  ASSERT_TRUE(agg_.Ingest(r).ok());
  LoadReport c = Consumer("bill-staging", 2, 1, 1);
  c.namespace_ = "staging";
  ASSERT_TRUE(agg_.Ingest(c).ok());
  EXPECT_EQ(agg_.Aggregate(kBilling), AppLoad{});
  AppLoad staging = agg_.Aggregate(AppKey{"staging", "billing"});
  EXPECT_EQ(staging.lag, 70);
  EXPECT_EQ(staging.consumer_replicas, 1);
}

TEST_F(LoadAggregatorTest, MalformedReportChangesNothing) {
  ASSERT_TRUE(agg_.Ingest(Publisher("pub-1", 10)).ok());
  LoadReport bad = Publisher("pub-1", 500);
  bad.backlog[1].lag = -3;
  EXPECT_EQ(agg_.Ingest(bad).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(agg_.Aggregate(kBilling).lag, 10);
}

TEST_F(LoadAggregatorTest, SidecarIdReusedByAnotherAppStartsAfresh) {
  ASSERT_TRUE(agg_.Ingest(Publisher("pod-1", 10)).ok());
  ASSERT_TRUE(agg_.Ingest(Consumer("pod-1", 1, 1, 1)).ok());
  EXPECT_EQ(agg_.Aggregate(kBilling).lag, 0);  // orders' backlog was dropped with its identity
  EXPECT_EQ(agg_.Aggregate(kBilling).consumer_replicas, 1);
}

TEST_F(LoadAggregatorTest, RemoveSidecarForgetsItAtOnce) {
  ASSERT_TRUE(agg_.Ingest(Publisher("pub-1", 10)).ok());
  agg_.RemoveSidecar("pub-1");
  agg_.RemoveSidecar("unknown");
  EXPECT_EQ(agg_.Aggregate(kBilling).lag, 0);
  EXPECT_EQ(agg_.SidecarCount(), 0u);
}

TEST(LoadAggregatorBoundsTest, FloodOfSidecarsOrSubscriptionsIsRefused) {
  zroute::testing::SimulatedClock clock;
  LoadAggregator agg(clock, LoadAggregatorOptions{.max_sidecars = 3,
                                                  .max_subscriptions_per_sidecar = 2});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(agg.Ingest(Publisher("p" + std::to_string(i), 1)).ok());
  EXPECT_EQ(agg.Ingest(Publisher("p3", 1)).code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(agg.Ingest(Publisher("p0", 2)).ok());  // known sidecars still report

  LoadReport more = Publisher("p0", 1);
  more.backlog = {{"default/third", "billing", 1000}};
  EXPECT_EQ(agg.Ingest(more).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(agg.Aggregate(kBilling).lag, 2 + 1 + 1);
}

TEST(LoadAggregatorBoundsTest, HugeLagsSaturateInsteadOfOverflowing) {
  zroute::testing::SimulatedClock clock;
  LoadAggregator agg(clock);
  for (int i = 0; i < 10000; ++i) {
    ASSERT_TRUE(agg.Ingest(Publisher("p" + std::to_string(i), kMaxReportedCount)).ok());
  }
  EXPECT_EQ(agg.Aggregate(kBilling).lag, std::numeric_limits<int64_t>::max());
}

TEST(LoadAggregatorThreadsTest, ConcurrentIngestAndAggregate) {
  zroute::testing::SimulatedClock clock;
  LoadAggregator agg(clock);
  constexpr int kPerThread = 500;
  auto writer = [&](const std::string& prefix) {
    for (int i = 0; i < kPerThread; ++i) {
      ASSERT_TRUE(agg.Ingest(Consumer(prefix + std::to_string(i), 1, 1, 1)).ok());
    }
  };
  std::thread a(writer, "a"), b(writer, "b");
  std::thread reader([&] {
    for (int i = 0; i < 200; ++i) {
      const AppLoad load = agg.Aggregate(kBilling);
      ASSERT_EQ(load.in_flight, load.consumer_replicas);
    }
  });
  a.join();
  b.join();
  reader.join();
  EXPECT_EQ(agg.Aggregate(kBilling).consumer_replicas, 2 * kPerThread);
}

}  // namespace
}  // namespace zroute::scaling
