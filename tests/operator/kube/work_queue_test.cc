#include "operator/kube/work_queue.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/support/simulated_clock.h"

namespace zroute::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class WorkQueueTest : public ::testing::Test {
 protected:
  zroute::testing::SimulatedClock clock_;
};

TEST_F(WorkQueueTest, KeyIsQueuedOnce) {
  WorkQueue q(clock_);
  q.Add("ns/a");
  q.Add("ns/a");
  q.Add("ns/b");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(q.metrics().adds, 2);
  EXPECT_EQ(q.metrics().depth, 2);
  EXPECT_EQ(q.TryGet(), "ns/a");
  EXPECT_EQ(q.TryGet(), "ns/b");
  EXPECT_EQ(q.TryGet(), std::nullopt);
}

TEST_F(WorkQueueTest, KeyAddedWhileProcessingIsProcessedAgainAfterDone) {
  WorkQueue q(clock_);
  q.Add("a");
  ASSERT_EQ(q.TryGet(), "a");
  q.Add("a");
  q.Add("a");
  EXPECT_EQ(q.TryGet(), std::nullopt);  // never two workers on one key
  q.Done("a");
  EXPECT_EQ(q.TryGet(), "a");
  q.Done("a");
  EXPECT_EQ(q.TryGet(), std::nullopt);
}

TEST_F(WorkQueueTest, PerKeyBackoffDoublesAndForgetResets) {
  WorkQueue q(clock_, std::make_unique<ItemExponentialRateLimiter>());
  q.AddRateLimited("a");
  EXPECT_EQ(q.TryGet(), std::nullopt);
  clock_.Advance(milliseconds(5));
  ASSERT_EQ(q.TryGet(), "a");
  q.Done("a");
  q.AddRateLimited("a");
  clock_.Advance(milliseconds(9));
  EXPECT_EQ(q.TryGet(), std::nullopt);
  clock_.Advance(milliseconds(1));
  ASSERT_EQ(q.TryGet(), "a");
  q.Done("a");
  EXPECT_EQ(q.NumRequeues("a"), 2);
  EXPECT_EQ(q.metrics().retries, 2);
  q.Forget("a");
  EXPECT_EQ(q.NumRequeues("a"), 0);
  q.AddRateLimited("a");
  clock_.Advance(milliseconds(5));
  EXPECT_EQ(q.TryGet(), "a");
}

TEST_F(WorkQueueTest, ExponentialBackoffIsCappedAt1000Seconds) {
  ItemExponentialRateLimiter limiter;
  Duration last{};
  for (int i = 0; i < 100; ++i) last = limiter.When("k");
  EXPECT_EQ(last, seconds(1000));
  ItemExponentialRateLimiter fresh;
  EXPECT_EQ(fresh.When("k"), milliseconds(5));
  EXPECT_EQ(fresh.When("k"), milliseconds(10));
  EXPECT_EQ(fresh.When("other"), milliseconds(5));
}

TEST_F(WorkQueueTest, TokenBucketAllowsBurstThenTenPerSecond) {
  TokenBucketRateLimiter bucket(clock_);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(bucket.When("k" + std::to_string(i)), Duration::zero()) << i;
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(bucket.When("x")), milliseconds(100));
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(bucket.When("y")), milliseconds(200));
  clock_.Advance(seconds(20));  // refills to the burst, no further
  for (int i = 0; i < 100; ++i) ASSERT_EQ(bucket.When("z"), Duration::zero()) << i;
  EXPECT_GT(bucket.When("z"), Duration::zero());
}

TEST_F(WorkQueueTest, DefaultLimiterTakesTheLargerDelay) {
  DefaultControllerRateLimiter limiter(clock_);
  EXPECT_EQ(limiter.When("a"), milliseconds(5));  // bucket has tokens: backoff wins
  for (int i = 0; i < 200; ++i) (void)limiter.When("spread" + std::to_string(i));
  EXPECT_GT(limiter.When("b"), seconds(5));  // bucket exhausted: its delay wins over 5 ms
}

TEST_F(WorkQueueTest, AddAfterKeepsTheEarliestTime) {
  WorkQueue q(clock_);
  q.AddAfter("a", seconds(10));
  q.AddAfter("a", seconds(3));
  q.AddAfter("a", seconds(7));
  EXPECT_EQ(q.DelayedLen(), 1u);
  clock_.Advance(seconds(3));
  EXPECT_EQ(q.TryGet(), "a");
  q.Done("a");
  clock_.Advance(seconds(10));
  EXPECT_EQ(q.TryGet(), std::nullopt);
  q.AddAfter("b", Duration::zero());
  EXPECT_EQ(q.TryGet(), "b");
}

TEST_F(WorkQueueTest, BlockedGetSeesSimulatedTimeMove) {
  WorkQueue q(clock_, nullptr, milliseconds(5));
  std::optional<std::string> got;
  std::thread worker([&] { got = q.Get(); });
  q.AddAfter("a", seconds(30));
  clock_.Advance(seconds(30));
  worker.join();
  EXPECT_EQ(got, "a");
}

TEST_F(WorkQueueTest, ShutDownDrainsThenReturnsNothing) {
  WorkQueue q(clock_);
  std::optional<std::string> blocked = "unset";
  std::thread worker([&] { blocked = q.Get(); });
  q.ShutDown();
  worker.join();
  EXPECT_EQ(blocked, std::nullopt);

  WorkQueue q2(clock_);
  q2.Add("a");
  q2.AddAfter("later", seconds(1));
  q2.ShutDown();
  q2.Add("ignored");
  EXPECT_TRUE(q2.ShuttingDown());
  EXPECT_EQ(q2.Get(), "a");
  EXPECT_EQ(q2.Get(), std::nullopt);
}

TEST_F(WorkQueueTest, ConcurrentWorkersNeverShareAKey) {
  WorkQueue q(clock_);
  std::mutex m;
  std::set<std::string> in_flight;
  std::atomic<bool> overlap{false};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.Get()) {
        {
          std::lock_guard<std::mutex> lock(m);
          if (!in_flight.insert(*key).second) overlap = true;
        }
        {
          std::lock_guard<std::mutex> lock(m);
          in_flight.erase(*key);
        }
        ++processed;
        q.Done(*key);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) q.Add("k" + std::to_string(i % 7));
  // Drain: every key handed out is eventually done and the queue empties.
  auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (q.Len() > 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  q.ShutDown();
  for (auto& t : workers) t.join();
  EXPECT_FALSE(overlap);
  EXPECT_GE(processed, 7);
}

}  // namespace
}  // namespace zroute::kube
