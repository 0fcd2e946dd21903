// DeliveryPool against a real HTTP app on 127.0.0.1. The pool waits on the real clock (its
// timers are condition-variable waits), so timing is checked by lower bounds on the gaps the app
// sees, and every wait for an outcome is bounded.
#include "sidecar/delivery/delivery_pool.h"

#include <poll.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <thread>
#include <tuple>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/cloudevents/json_format.h"
#include "tests/sidecar/delivery/test_app.h"

namespace zroute {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using zroute::testing::TestApp;

constexpr const char* kSub = "default/billing-orders";
constexpr const char* kOtherSub = "default/audit-orders";

struct Finished {
  std::string event_id;
  std::string subscription;
  Completion completion;
  int attempts;
};

// Every case runs against each way of delivering (SidecarConfig::delivery_mode); under "link" a
// thread of the test drives the pool as the sidecar's link thread does.
class DeliveryPoolTest : public ::testing::TestWithParam<std::string> {
 protected:
  DeliveryPoolTest() {
    config_.app_host = "127.0.0.1";
    config_.app_port = app_.port();
    config_.delivery_mode = GetParam();
    config_.max_deliveries = 4;
    policy_.initial_delay = milliseconds(1);
    policy_.max_delay = milliseconds(2);
    policy_.attempt_timeout = milliseconds(5000);
  }
  ~DeliveryPoolTest() override {
    app_.OpenGate();
    if (pool_) Drain(RealClock().Now() + std::chrono::seconds(10));
    if (driver_.joinable()) {
      stop_driver_ = true;
      driver_.join();
    }
  }

  void StartPool() {
    Topic topic;
    topic.meta.name = "orders";
    std::vector<Subscription> subs;
    for (auto [name, route, policy] : {std::tuple{"billing-orders", "/billing", policy_},
                                       std::tuple{"audit-orders", "/audit", other_policy_}}) {
      Subscription s;
      s.meta.name = name;
      s.spec.topic = "orders";
      s.spec.app_id = "billing";
      s.spec.route = route;
      s.spec.delivery = policy;
      subs.push_back(s);
    }
    table_ = std::make_shared<const RoutingTable>(RoutingTable::Build(1, {topic}, subs, {}));
    ASSERT_NE(table_->FindSubscription(kSub), nullptr) << "policy rejected by the table";
    ASSERT_NE(table_->FindSubscription(kOtherSub), nullptr);
    pool_ = std::make_unique<DeliveryPool>(
        config_, RealClock(), metrics_,
        [this](const std::vector<const DeliveryTask*>& tasks) {
          std::lock_guard<std::mutex> lock(mu_);
          ++dead_letter_calls_;
          std::vector<Status> out;
          for (const DeliveryTask* t : tasks) {
            dead_letters_.push_back(*t);
            out.push_back(dead_letter_results_.empty() ? Status::OK() : Next(dead_letter_results_));
          }
          return out;
        },
        [this](const DeliveryTask& t, Completion c) {
          std::lock_guard<std::mutex> lock(mu_);
          finished_.push_back({t.event.id, t.subscription, c, t.attempts});
          cv_.notify_all();
        });
    if (GetParam() != "link") {
      pool_->Start();
      return;
    }
    // "link": the pool has no thread; this one stands in for the sidecar's link thread.
    pool_->StartDriven();
    driver_ = std::thread([this] {
      while (!stop_driver_) {
        std::packaged_task<void()> posted;
        {
          std::lock_guard<std::mutex> lock(driver_mu_);
          if (posted_.valid()) posted = std::move(posted_);
        }
        if (posted.valid()) {
          posted();
          continue;
        }
        auto wait = pool_->NextWait();
        if (wait.count() < 0 || wait > milliseconds(20)) wait = milliseconds(20);  // to see posted work
        pollfd p{pool_->fd(), POLLIN, 0};
        ::poll(&p, 1, static_cast<int>(wait.count()));
        pool_->Pump();
      }
    });
  }
  // Drains the pool on the thread that drives it.
  void Drain(MonoTime deadline) {
    if (!driver_.joinable()) return pool_->Drain(deadline);
    std::packaged_task<void()> task([this, deadline] { pool_->Drain(deadline); });
    auto done = task.get_future();
    {
      std::lock_guard<std::mutex> lock(driver_mu_);
      posted_ = std::move(task);
    }
    ASSERT_EQ(done.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  }
  static Status Next(std::deque<Status>& q) {
    Status s = q.front();
    q.pop_front();
    return s;
  }

  DeliveryTask Task(const std::string& id, const std::string& subscription = kSub) {
    DeliveryTask t;
    t.peer = "publisher-1";
    t.delivery_id = ++next_delivery_;
    t.topic = "default/orders";
    t.subscription = subscription;
    t.table = table_;
    t.sub = table_->FindSubscription(subscription);
    t.event.id = id;
    t.event.source = "zroute://shop";
    t.event.type = "order.created";
    return t;
  }
  void Submit(const std::string& id, const std::string& subscription = kSub) { pool_->Submit(Task(id, subscription)); }

  bool WaitFinished(size_t n, milliseconds bound = milliseconds(10000)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, bound, [&] { return finished_.size() >= n; });
  }
  std::vector<Finished> finished() {
    std::lock_guard<std::mutex> lock(mu_);
    return finished_;
  }
  int dead_letter_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return dead_letter_calls_;
  }
  std::vector<DeliveryTask> dead_letters() {
    std::lock_guard<std::mutex> lock(mu_);
    return dead_letters_;
  }
  // Answers the first `failures` requests with `status` (+ Retry-After), the rest with 200.
  void FailFirst(int failures, int status, const std::string& retry_after = "") {
    auto count = std::make_shared<std::atomic<int>>(0);
    app_.SetResponder([=](const TestApp::Received&, httplib::Response& res) {
      if (count->fetch_add(1) < failures) {
        res.status = status;
        if (!retry_after.empty()) res.set_header("Retry-After", retry_after);
      } else {
        res.status = 200;
      }
    });
  }
  // Bounded wait for state the pool's threads settle on their own.
  template <typename F>
  static bool Eventually(F condition) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(milliseconds(1));
    }
    return true;
  }
  // The event ids of each request the app got: one for a binary-mode POST, all of a batch.
  std::vector<std::vector<std::string>> Requests() {
    std::vector<std::vector<std::string>> out;
    for (const auto& r : app_.received()) {
      if (r.Header("Content-Type") != "application/cloudevents-batch+json") {
        out.push_back({r.Header("ce-id")});
        continue;
      }
      auto batch = ParseEventBatch(r.body, 1000);
      EXPECT_TRUE(batch.ok()) << batch.status();
      std::vector<std::string> ids;
      if (batch.ok()) {
        for (const auto& e : *batch) ids.push_back(e.id);
      }
      out.push_back(ids);
    }
    return out;
  }
  // With one delivery at a time: the first event's POST is held until `rest` are in line behind it.
  void HoldFirstThenSubmit(const std::vector<std::string>& rest) {
    app_.CloseGate();
    Submit("a");
    ASSERT_TRUE(app_.WaitForActive(1));
    for (const auto& id : rest) Submit(id);
    ASSERT_TRUE(Eventually([&] { return pool_->InProgress() == rest.size() + 1; }));
    app_.OpenGate();
  }
  std::vector<milliseconds> Gaps() {
    auto got = app_.received();
    std::vector<milliseconds> gaps;
    for (size_t i = 1; i < got.size(); ++i) {
      gaps.push_back(std::chrono::duration_cast<milliseconds>(got[i].at - got[i - 1].at));
    }
    return gaps;
  }

  TestApp app_;  // first: outlives the pool's connections
  SidecarConfig config_;
  SidecarMetrics metrics_;
  DeliveryPolicy policy_;
  DeliveryPolicy other_policy_;
  RoutingTablePtr table_;
  uint64_t next_delivery_ = 0;

  std::mutex mu_;  // guards the three below; the pool's callbacks run on its threads
  std::condition_variable cv_;
  std::vector<Finished> finished_;
  std::vector<DeliveryTask> dead_letters_;
  std::deque<Status> dead_letter_results_;
  int dead_letter_calls_ = 0;

  std::unique_ptr<DeliveryPool> pool_;  // drained before the rest goes
  std::thread driver_;                   // "link" only
  std::atomic<bool> stop_driver_{false};
  std::mutex driver_mu_;
  std::packaged_task<void()> posted_;  // run by driver_
};

TEST_P(DeliveryPoolTest, DeliveredEventsAreAcked) {
  StartPool();
  for (const char* id : {"a", "b", "c"}) Submit(id);
  ASSERT_TRUE(WaitFinished(3));
  for (const auto& f : finished()) {
    EXPECT_EQ(f.completion, Completion::kAcked);
    EXPECT_EQ(f.attempts, 1);
  }
  EXPECT_EQ(app_.received().size(), 3u);
  EXPECT_EQ(app_.received()[0].path, "/billing") << "posted to the subscription's route";
  EXPECT_EQ(metrics_.delivered.With({kSub}).Value(), 3);
  EXPECT_TRUE(dead_letters().empty());
}

TEST_P(DeliveryPoolTest, RetriesFollowTheSubscriptionsBackoff) {
  policy_.backoff = BackoffPolicy::kExponential;
  policy_.initial_delay = milliseconds(40);
  policy_.max_delay = milliseconds(1000);
  policy_.max_attempts = 5;
  FailFirst(3, 500);
  StartPool();
  Submit("a");
  ASSERT_TRUE(WaitFinished(1));
  EXPECT_EQ(finished()[0].completion, Completion::kAcked);
  EXPECT_EQ(finished()[0].attempts, 4);
  auto gaps = Gaps();
  ASSERT_EQ(gaps.size(), 3u);
  // Equal jitter keeps at least half of 40, 80, 160 ms.
  EXPECT_GE(gaps[0], milliseconds(20));
  EXPECT_GE(gaps[1], milliseconds(40));
  EXPECT_GE(gaps[2], milliseconds(80));
  EXPECT_EQ(metrics_.delivery_failed.With({kSub}).Value(), 3);
}

TEST_P(DeliveryPoolTest, LinearBackoffGrowsByTheInitialDelay) {
  policy_.backoff = BackoffPolicy::kLinear;
  policy_.initial_delay = milliseconds(60);
  policy_.max_delay = milliseconds(1000);
  FailFirst(2, 502);
  StartPool();
  Submit("a");
  ASSERT_TRUE(WaitFinished(1));
  auto gaps = Gaps();
  ASSERT_EQ(gaps.size(), 2u);
  EXPECT_GE(gaps[0], milliseconds(30));
  EXPECT_GE(gaps[1], milliseconds(60));
}

TEST_P(DeliveryPoolTest, RetryAfterReplacesTheBackoff) {
  policy_.initial_delay = std::chrono::hours(1);  // the backoff alone would never retry in time
  policy_.max_delay = std::chrono::hours(1);
  FailFirst(1, 503, "0");
  StartPool();
  Submit("a");
  ASSERT_TRUE(WaitFinished(1));
  EXPECT_EQ(finished()[0].completion, Completion::kAcked);
  EXPECT_EQ(app_.received().size(), 2u);
}

TEST_P(DeliveryPoolTest, RetryAfterSecondsDelayTheRetry) {
  FailFirst(1, 429, "1");
  StartPool();
  Submit("a");
  ASSERT_TRUE(WaitFinished(1));
  auto gaps = Gaps();
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_GE(gaps[0], milliseconds(1000)) << "the backoff alone would have retried after ~1 ms";
}

TEST_P(DeliveryPoolTest, ExhaustedAttemptsGoToTheDeadLetterTopic) {
  policy_.max_attempts = 3;
  app_.AnswerWith(500, "", "always broken");
  StartPool();
  Submit("a");
  ASSERT_TRUE(WaitFinished(1));
  EXPECT_EQ(finished()[0].completion, Completion::kAcked) << "a dead-lettered event is done";
  EXPECT_EQ(app_.received().size(), 3u);
  auto dead = dead_letters();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].event.id, "a");
  EXPECT_EQ(dead[0].attempts, 3);
  EXPECT_EQ(dead[0].last.status, 500);
  EXPECT_EQ(dead[0].last.error, "always broken");
  EXPECT_EQ(metrics_.dead_lettered.With({kSub}).Value(), 1);
}

TEST_P(DeliveryPoolTest, NonRetryableClientErrorGoesStraightToTheDeadLetterTopic) {
  policy_.max_attempts = 10;
  app_.AnswerWith(422);
  StartPool();
  Submit("a");
  ASSERT_TRUE(WaitFinished(1));
  EXPECT_EQ(app_.received().size(), 1u);
  auto dead = dead_letters();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].attempts, 1);
  EXPECT_EQ(dead[0].last.status, 422);
  EXPECT_EQ(dead[0].last.outcome, DeliveryOutcome::kFinal);
}

TEST_P(DeliveryPoolTest, FailedDeadLetterPublishIsRetriedWithoutCallingTheAppAgain) {
  policy_.max_delay = milliseconds(20);
  dead_letter_results_ = {Status::Unavailable("outbox full"), Status::NotFound("unknown topic")};
  app_.AnswerWith(404);
  StartPool();
  Submit("a");
  ASSERT_TRUE(WaitFinished(1));
  EXPECT_EQ(finished()[0].completion, Completion::kAcked);
  EXPECT_EQ(dead_letters().size(), 3u) << "the event is never dropped while the dead letter fails";
  EXPECT_EQ(app_.received().size(), 1u);
}

TEST_P(DeliveryPoolTest, WithoutADeadLetterTopicExhaustedEventIsDeliveredAgainEveryMaxDelay) {
  policy_.max_attempts = 2;
  policy_.max_delay = milliseconds(50);
  dead_letter_results_.assign(10, Status::FailedPrecondition("subscription names no dead-letter topic"));
  FailFirst(4, 503);
  StartPool();
  Submit("a");
  ASSERT_TRUE(WaitFinished(1));
  EXPECT_EQ(finished()[0].completion, Completion::kAcked);
  EXPECT_EQ(finished()[0].attempts, 5) << "the app is called past maxAttempts until it takes the event";
  EXPECT_EQ(app_.received().size(), 5u);
  EXPECT_EQ(dead_letters().size(), 3u) << "a dead-letter topic is looked for after each exhausted attempt";
  EXPECT_EQ(metrics_.delivered.With({kSub}).Value(), 1);
  EXPECT_EQ(metrics_.dead_lettered.With({kSub}).Value(), 0);
  auto gaps = Gaps();
  ASSERT_EQ(gaps.size(), 4u);
  for (size_t i = 1; i < gaps.size(); ++i) EXPECT_GE(gaps[i], milliseconds(50)) << "gap " << i;
}

TEST_P(DeliveryPoolTest, WithoutADeadLetterTopicRefusedEventIsDeliveredAgain) {
  policy_.max_delay = milliseconds(20);
  dead_letter_results_.assign(10, Status::FailedPrecondition("subscription names no dead-letter topic"));
  FailFirst(2, 422);
  StartPool();
  Submit("a");
  ASSERT_TRUE(WaitFinished(1));
  EXPECT_EQ(finished()[0].completion, Completion::kAcked);
  EXPECT_EQ(app_.received().size(), 3u) << "refused twice, then taken: nothing dropped";
  EXPECT_EQ(metrics_.dead_lettered.With({kSub}).Value(), 0);
}

TEST_P(DeliveryPoolTest, DeadLetterTopicNamedLaterReleasesTheStuckEvent) {
  policy_.max_attempts = 1;
  policy_.max_delay = milliseconds(10);
  dead_letter_results_ = {Status::FailedPrecondition("none"), Status::FailedPrecondition("none"), Status::OK()};
  app_.AnswerWith(500, "", "always broken");
  StartPool();
  Submit("a");
  ASSERT_TRUE(WaitFinished(1));
  EXPECT_EQ(finished()[0].completion, Completion::kAcked);
  EXPECT_EQ(app_.received().size(), 3u);
  ASSERT_EQ(dead_letters().size(), 3u);
  EXPECT_EQ(dead_letters()[2].attempts, 3);
  EXPECT_EQ(metrics_.dead_lettered.With({kSub}).Value(), 1);
}

TEST_P(DeliveryPoolTest, BatchWithoutADeadLetterTopicIsDeliveredAgainAsABatch) {
  config_.max_deliveries = 1;
  policy_.batch_max_events = 10;
  policy_.max_attempts = 1;
  policy_.max_delay = milliseconds(10);
  dead_letter_results_.assign(20, Status::FailedPrecondition("none"));
  FailFirst(2, 500);
  StartPool();
  HoldFirstThenSubmit({"b", "c"});
  ASSERT_TRUE(WaitFinished(3));
  for (const auto& f : finished()) EXPECT_EQ(f.completion, Completion::kAcked) << f.event_id;
  auto requests = Requests();
  // "a" alone (held at the gate), then b and c batched; both fail, both come back as they were.
  EXPECT_THAT(requests, ElementsAre(ElementsAre("a"), ElementsAre("b", "c"), ::testing::_, ::testing::_));
  EXPECT_THAT(std::vector(requests.begin() + 2, requests.end()),
              ::testing::UnorderedElementsAre(ElementsAre("a"), ElementsAre("b", "c")));
  EXPECT_EQ(metrics_.dead_lettered.With({kSub}).Value(), 0);
}

TEST_P(DeliveryPoolTest, MaxInFlightLimitsConcurrentDeliveriesOfASubscription) {
  policy_.max_in_flight = 2;
  app_.CloseGate();
  StartPool();
  for (int i = 0; i < 6; ++i) Submit("e" + std::to_string(i));
  ASSERT_TRUE(app_.WaitForActive(2));
  EXPECT_FALSE(app_.WaitForActive(3, milliseconds(300))) << "a third delivery started";
  EXPECT_EQ(pool_->InProgress(), 6u);
  for (int i = 0; i < 6; ++i) app_.Release();
  ASSERT_TRUE(WaitFinished(6));
  EXPECT_EQ(app_.max_active(), 2);
  EXPECT_EQ(app_.received().size(), 6u);
}

TEST_P(DeliveryPoolTest, EventWaitingToRetryHoldsItsSlot) {
  policy_.max_in_flight = 1;
  FailFirst(1, 503, "1");
  StartPool();
  Submit("first");
  ASSERT_TRUE(app_.WaitForRequests(1));
  Submit("second");
  ASSERT_TRUE(WaitFinished(2));
  std::vector<std::string> order;
  for (const auto& r : app_.received()) order.push_back(r.Header("ce-id"));
  EXPECT_THAT(order, ElementsAre("first", "first", "second"));
}

TEST_P(DeliveryPoolTest, SlowSubscriptionDoesNotHoldBackAnother) {
  policy_.max_in_flight = 1;
  app_.SetResponder([](const TestApp::Received& r, httplib::Response& res) {
    res.status = r.path == "/billing" ? 503 : 200;
    if (r.path == "/billing") res.set_header("Retry-After", "3600");
  });
  StartPool();
  for (const char* id : {"s1", "s2", "s3"}) Submit(id, kSub);
  ASSERT_TRUE(app_.WaitForRequests(1));
  Submit("f1", kOtherSub);
  ASSERT_TRUE(WaitFinished(1));
  EXPECT_EQ(finished()[0].event_id, "f1");
  EXPECT_EQ(finished()[0].completion, Completion::kAcked);
  // The fast task leaves the count just after its completion is reported.
  EXPECT_TRUE(Eventually([&] { return pool_->InProgress() == 3u; })) << pool_->InProgress();
}

TEST_P(DeliveryPoolTest, DrainHandsBackWhatIsWaitingOrParked) {
  policy_.max_in_flight = 1;
  app_.AnswerWith(503, "3600");
  StartPool();
  for (const char* id : {"a", "b", "c"}) Submit(id);
  ASSERT_TRUE(app_.WaitForRequests(1));
  Drain(RealClock().Now() + std::chrono::seconds(5));
  auto done = finished();
  ASSERT_EQ(done.size(), 3u);
  for (const auto& f : done) EXPECT_EQ(f.completion, Completion::kHandedBack) << f.event_id;
  EXPECT_EQ(app_.received().size(), 1u);
  EXPECT_EQ(pool_->InProgress(), 0u);
  EXPECT_TRUE(dead_letters().empty()) << "handing back is not giving up";
}

TEST_P(DeliveryPoolTest, DrainLetsRunningDeliveriesFinish) {
  policy_.max_in_flight = 1;
  app_.CloseGate();
  StartPool();
  Submit("running");
  Submit("parked");
  ASSERT_TRUE(app_.WaitForActive(1));
  auto drained = std::async(std::launch::async, [this] { Drain(RealClock().Now() + std::chrono::seconds(10)); });
  ASSERT_TRUE(WaitFinished(1));
  EXPECT_EQ(finished()[0].event_id, "parked");
  EXPECT_EQ(finished()[0].completion, Completion::kHandedBack);
  app_.Release();
  ASSERT_EQ(drained.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  ASSERT_EQ(finished().size(), 2u);
  EXPECT_EQ(finished()[1].event_id, "running");
  EXPECT_EQ(finished()[1].completion, Completion::kAcked);
}

TEST_P(DeliveryPoolTest, FailureWhileDrainingIsHandedBackNotRetried) {
  // Whether the failure lands just before or after Drain starts, the retry must not happen here.
  policy_.initial_delay = std::chrono::hours(1);
  policy_.max_delay = std::chrono::hours(1);
  app_.AnswerWith(500);
  app_.CloseGate();
  StartPool();
  Submit("a");
  ASSERT_TRUE(app_.WaitForActive(1));
  auto drained = std::async(std::launch::async, [this] { Drain(RealClock().Now() + std::chrono::seconds(10)); });
  app_.Release();
  ASSERT_EQ(drained.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  ASSERT_EQ(finished().size(), 1u);
  EXPECT_EQ(finished()[0].completion, Completion::kHandedBack);
  EXPECT_EQ(app_.received().size(), 1u);
}

TEST_P(DeliveryPoolTest, DrainDeadlineHandsBackWhatHasNotStarted) {
  config_.max_deliveries = 1;
  app_.CloseGate();
  StartPool();
  for (const char* id : {"a", "b", "c"}) Submit(id);
  ASSERT_TRUE(app_.WaitForActive(1));
  auto drained = std::async(std::launch::async, [this] { Drain(RealClock().Now() + milliseconds(100)); });
  ASSERT_TRUE(WaitFinished(2));
  for (const auto& f : finished()) EXPECT_EQ(f.completion, Completion::kHandedBack) << f.event_id;
  app_.Release();
  ASSERT_EQ(drained.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  ASSERT_EQ(finished().size(), 3u);
  EXPECT_EQ(finished()[2].event_id, "a");
  EXPECT_EQ(finished()[2].completion, Completion::kAcked);
}

TEST_P(DeliveryPoolTest, SubmitAfterDrainIsHandedBack) {
  StartPool();
  Drain(RealClock().Now());
  Submit("late");
  ASSERT_EQ(finished().size(), 1u);
  EXPECT_EQ(finished()[0].completion, Completion::kHandedBack);
  EXPECT_TRUE(app_.received().empty());
  Drain(RealClock().Now());  // idempotent
}

TEST_P(DeliveryPoolTest, SubmitAllDeliversEverySubscriptionsTasksInOrder) {
  policy_.max_in_flight = 1;  // billing's events one at a time, so the app sees their order
  StartPool();
  std::vector<DeliveryTask> tasks;
  for (const char* id : {"b1", "b2", "b3"}) tasks.push_back(Task(id));
  tasks.push_back(Task("o1", kOtherSub));
  tasks.push_back(Task("b4"));
  pool_->SubmitAll(std::move(tasks));
  ASSERT_TRUE(WaitFinished(5));
  std::vector<std::string> billing;
  for (const auto& r : app_.received()) {
    if (r.path == "/billing") billing.push_back(r.Header("ce-id"));
  }
  EXPECT_THAT(billing, ElementsAre("b1", "b2", "b3", "b4"));
  EXPECT_EQ(app_.received().size(), 5u);
  for (const auto& f : finished()) EXPECT_EQ(f.completion, Completion::kAcked) << f.event_id;
}

TEST_P(DeliveryPoolTest, SubmitAllToABatchedSubscriptionIsOneRequest) {
  // The tasks go in line under one lock, so the worker that wakes finds all of them: one POST.
  // (Submitted one by one, the first could leave alone.)
  config_.max_deliveries = 1;
  policy_.batch_max_events = 10;
  StartPool();
  std::vector<DeliveryTask> tasks;
  for (const char* id : {"a", "b", "c", "d"}) tasks.push_back(Task(id));
  pool_->SubmitAll(std::move(tasks));
  ASSERT_TRUE(WaitFinished(4));
  EXPECT_THAT(Requests(), ElementsAre(ElementsAre("a", "b", "c", "d")));
}

TEST_P(DeliveryPoolTest, SubmitAllAfterDrainHandsEveryTaskBack) {
  StartPool();
  Drain(RealClock().Now());
  std::vector<DeliveryTask> tasks;
  for (const char* id : {"x", "y"}) tasks.push_back(Task(id));
  pool_->SubmitAll(std::move(tasks));
  ASSERT_EQ(finished().size(), 2u);
  for (const auto& f : finished()) EXPECT_EQ(f.completion, Completion::kHandedBack);
  EXPECT_TRUE(app_.received().empty());
}

TEST_P(DeliveryPoolTest, BatchedSubscriptionPostsWaitingEventsInOneRequest) {
  config_.max_deliveries = 1;
  policy_.batch_max_events = 10;
  StartPool();
  HoldFirstThenSubmit({"b", "c", "d", "e"});
  ASSERT_TRUE(WaitFinished(5));
  EXPECT_THAT(Requests(), ElementsAre(ElementsAre("a"), ElementsAre("b", "c", "d", "e")));
  auto got = app_.received();
  EXPECT_EQ(got[0].Header("Content-Type"), "application/octet-stream") << "a lone event stays binary mode";
  EXPECT_EQ(got[1].Header("zroute-subscription"), kSub);
  EXPECT_EQ(got[1].Header("zroute-delivery-attempt"), "1");
  EXPECT_EQ(got[1].path, "/billing");
  for (const auto& f : finished()) {
    EXPECT_EQ(f.completion, Completion::kAcked);
    EXPECT_EQ(f.attempts, 1);
  }
  EXPECT_EQ(metrics_.delivered.With({kSub}).Value(), 5);
}

TEST_P(DeliveryPoolTest, BatchHoldsAtMostMaxEvents) {
  config_.max_deliveries = 1;
  policy_.batch_max_events = 2;
  StartPool();
  HoldFirstThenSubmit({"b", "c", "d", "e", "f"});
  ASSERT_TRUE(WaitFinished(6));
  EXPECT_THAT(Requests(), ElementsAre(ElementsAre("a"), ElementsAre("b", "c"), ElementsAre("d", "e"),
                                      ElementsAre("f")));
}

TEST_P(DeliveryPoolTest, BatchTakesOnlyItsOwnSubscription) {
  config_.max_deliveries = 1;
  policy_.batch_max_events = 10;
  other_policy_.batch_max_events = 10;
  StartPool();
  app_.CloseGate();
  Submit("a");
  ASSERT_TRUE(app_.WaitForActive(1));
  Submit("b");
  Submit("x", kOtherSub);
  Submit("c");
  Submit("y", kOtherSub);
  ASSERT_TRUE(Eventually([&] { return pool_->InProgress() == 5u; }));
  app_.OpenGate();
  ASSERT_TRUE(WaitFinished(5));
  EXPECT_THAT(Requests(), ElementsAre(ElementsAre("a"), ElementsAre("b", "c"), ElementsAre("x", "y")));
  EXPECT_EQ(app_.received()[2].path, "/audit");
}

TEST_P(DeliveryPoolTest, UnbatchedSubscriptionPostsOneEventPerRequest) {
  config_.max_deliveries = 1;
  StartPool();
  HoldFirstThenSubmit({"b", "c"});
  ASSERT_TRUE(WaitFinished(3));
  EXPECT_THAT(Requests(), ElementsAre(ElementsAre("a"), ElementsAre("b"), ElementsAre("c")));
}

TEST_P(DeliveryPoolTest, FailedBatchIsRetriedAsABatch) {
  config_.max_deliveries = 1;
  policy_.batch_max_events = 10;
  auto count = std::make_shared<std::atomic<int>>(0);
  app_.SetResponder([count](const TestApp::Received&, httplib::Response& res) {
    res.status = count->fetch_add(1) == 1 ? 503 : 200;  // the first batch fails once
  });
  StartPool();
  HoldFirstThenSubmit({"b", "c", "d"});
  ASSERT_TRUE(WaitFinished(4));
  EXPECT_THAT(Requests(), ElementsAre(ElementsAre("a"), ElementsAre("b", "c", "d"), ElementsAre("b", "c", "d")));
  EXPECT_EQ(app_.received()[2].Header("zroute-delivery-attempt"), "2");
  for (const auto& f : finished()) {
    EXPECT_EQ(f.completion, Completion::kAcked);
    EXPECT_EQ(f.attempts, f.event_id == "a" ? 1 : 2) << f.event_id;
  }
  EXPECT_TRUE(dead_letters().empty());
}

TEST_P(DeliveryPoolTest, RefusedBatchDeadLettersEachEvent) {
  config_.max_deliveries = 1;
  policy_.batch_max_events = 10;
  auto count = std::make_shared<std::atomic<int>>(0);
  app_.SetResponder([count](const TestApp::Received&, httplib::Response& res) {
    res.status = count->fetch_add(1) == 1 ? 400 : 200;
  });
  dead_letter_results_ = {Status::OK(), Status::Unavailable("outbox busy"), Status::OK()};
  StartPool();
  HoldFirstThenSubmit({"b", "c", "d"});
  ASSERT_TRUE(WaitFinished(4));
  std::vector<std::string> dead;
  for (const auto& t : dead_letters()) {
    dead.push_back(t.event.id);
    EXPECT_EQ(t.last.status, 400);
    EXPECT_EQ(t.attempts, 1);
  }
  // c's dead-letter publish failed once and was tried again, without calling the app again.
  EXPECT_THAT(dead, ElementsAre("b", "c", "d", "c"));
  EXPECT_EQ(dead_letter_calls(), 2) << "the batch's three dead letters went out in one publish, then c alone";
  EXPECT_EQ(app_.received().size(), 2u);
  for (const auto& f : finished()) EXPECT_EQ(f.completion, Completion::kAcked);
  EXPECT_EQ(metrics_.dead_lettered.With({kSub}).Value(), 3);
}

// A service refusing everything must not cost a log line per event: "event dead-lettered" is
// written at most once a second per subscription, with the count since the last line.
TEST_P(DeliveryPoolTest, DeadLettersAreLoggedAtMostOnceASecondWithTheirCount) {
  app_.AnswerWith(400);
  StartPool();
  const auto start = std::chrono::steady_clock::now();
  ::testing::internal::CaptureStderr();
  constexpr int kEvents = 40;
  for (int i = 0; i < kEvents; ++i) Submit("e" + std::to_string(i));
  const bool finished_all = WaitFinished(kEvents);
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(finished_all);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int lines = 0;
  for (size_t at = 0; (at = log.find("event dead-lettered", at)) != std::string::npos; ++at) ++lines;
  EXPECT_GE(lines, 1) << "the first dead letter is logged";
  EXPECT_LE(lines, 1 + static_cast<int>(seconds)) << log;
  EXPECT_NE(log.find("\"deadLetteredSinceLastLog\":1"), std::string::npos) << log;
  EXPECT_EQ(metrics_.dead_lettered.With({kSub}).Value(), kEvents) << "every one is counted";
}

TEST_P(DeliveryPoolTest, ExhaustedBatchDeadLettersEachEvent) {
  config_.max_deliveries = 1;
  policy_.batch_max_events = 10;
  policy_.max_attempts = 2;
  auto count = std::make_shared<std::atomic<int>>(0);
  app_.SetResponder([count](const TestApp::Received&, httplib::Response& res) {
    res.status = count->fetch_add(1) == 0 ? 200 : 500;
  });
  StartPool();
  HoldFirstThenSubmit({"b", "c"});
  ASSERT_TRUE(WaitFinished(3));
  EXPECT_THAT(Requests(), ElementsAre(ElementsAre("a"), ElementsAre("b", "c"), ElementsAre("b", "c")));
  std::vector<std::string> dead;
  for (const auto& t : dead_letters()) {
    dead.push_back(t.event.id);
    EXPECT_EQ(t.attempts, 2);
    EXPECT_EQ(t.last.status, 500);
  }
  EXPECT_THAT(dead, ElementsAre("b", "c"));
}

TEST_P(DeliveryPoolTest, DrainHandsBackABatchWaitingToRetry) {
  config_.max_deliveries = 1;
  policy_.batch_max_events = 10;
  policy_.initial_delay = milliseconds(60000);
  policy_.max_delay = milliseconds(60000);
  auto count = std::make_shared<std::atomic<int>>(0);
  app_.SetResponder([count](const TestApp::Received&, httplib::Response& res) {
    res.status = count->fetch_add(1) == 0 ? 200 : 503;
  });
  StartPool();
  HoldFirstThenSubmit({"b", "c"});
  ASSERT_TRUE(app_.WaitForRequests(2));
  ASSERT_TRUE(Eventually([&] { return finished().size() == 1; }));
  Drain(RealClock().Now() + std::chrono::seconds(5));
  ASSERT_TRUE(WaitFinished(3));
  for (const auto& f : finished()) {
    EXPECT_EQ(f.completion, f.event_id == "a" ? Completion::kAcked : Completion::kHandedBack) << f.event_id;
  }
  EXPECT_EQ(pool_->InProgress(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Modes, DeliveryPoolTest, ::testing::Values("link", "threads"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace zroute
