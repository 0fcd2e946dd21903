#include "operator/scaling/scaling_controller.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "tests/operator/scaling/scaling_fakes.h"
#include "tests/support/simulated_clock.h"

namespace zroute::scaling {
namespace {

using std::chrono::seconds;
using testing::FakeScaleTarget;
using testing::RecordingEvents;
using testing::RecordingSink;

constexpr auto kReportInterval = seconds(5);

ScalingPolicy Policy(ScalingMode mode, const std::string& name = "billing") {
  ScalingPolicy p;
  p.meta.name = name;
  p.meta.namespace_ = "default";
  p.spec.scale_target_ref.name = "billing";
  p.spec.app_id = "billing";
  p.spec.target_lag_per_replica = 100;
  p.spec.min_replicas = 1;
  p.spec.max_replicas = 10;
  p.spec.scale_down_stabilization = seconds(300);
  p.spec.mode = mode;
  return p;
}

class ScalingControllerTest : public ::testing::Test {
 protected:
  // Reports as a publisher (backlog for billing) and as `replicas` billing consumers would.
  void Report(int64_t lag, int replicas = 0) {
    LoadReport pub;
    pub.sidecar_id = "orders-0";
    pub.app_id = "orders";
    pub.backlog = {{"default/billing-orders", "billing", lag}};
    ASSERT_TRUE(aggregator_.Ingest(pub).ok());
    for (int i = 0; i < replicas; ++i) {
      LoadReport c;
      c.sidecar_id = "billing-" + std::to_string(i);
      c.app_id = "billing";
      c.consumer = ConsumerLoad{};
      ASSERT_TRUE(aggregator_.Ingest(c).ok());
    }
  }

  ScalingOutcome LastOutcome(const std::string& key = "default/billing") {
    auto outcomes = sink_.OutcomesFor(key);
    EXPECT_FALSE(outcomes.empty());
    return outcomes.empty() ? ScalingOutcome{} : outcomes.back();
  }

  zroute::testing::SimulatedClock clock_;
  LoadAggregator aggregator_{clock_, LoadAggregatorOptions{.staleness_timeout = seconds(30)}};
  RecordingSink sink_;
  RecordingEvents events_;
  FakeScaleTarget target_;
};

TEST_F(ScalingControllerTest, StandaloneHintCountsReportingConsumersAsCurrent) {
  ScalingController controller(clock_, aggregator_, sink_, events_, nullptr);
  ASSERT_TRUE(controller.UpsertPolicy(Policy(ScalingMode::kHint)).ok());
  Report(500, 2);
  controller.Tick();
  ScalingOutcome out = LastOutcome();
  ASSERT_TRUE(out.recommendation.has_value());
  EXPECT_TRUE(out.status.ok());
  EXPECT_EQ(out.replica_source, ReplicaSource::kReportingSidecars);
  EXPECT_EQ(out.recommendation->current_replicas, 2);
  EXPECT_EQ(out.recommendation->recommended_replicas, 5);
  EXPECT_EQ(out.app_id, "billing");
  EXPECT_FALSE(out.applied);
}

TEST_F(ScalingControllerTest, LoadRampRaisesRecommendationWithinOneReportInterval) {
  ScalingController controller(clock_, aggregator_, sink_, events_, nullptr);
  ASSERT_TRUE(controller.UpsertPolicy(Policy(ScalingMode::kHint)).ok());
  Report(100, 1);
  controller.Tick();
  EXPECT_EQ(controller.LastRecommendation("default/billing")->recommended_replicas, 1);

  clock_.Advance(kReportInterval);
  Report(900, 1);
  controller.Tick();
  EXPECT_EQ(controller.LastRecommendation("default/billing")->recommended_replicas, 9);
  EXPECT_EQ(events_.CountReason(kEventRecommendationChanged), 1);
}

TEST_F(ScalingControllerTest, DrainLowersRecommendationOnlyAfterScaleDownWindow) {
  ScalingController controller(clock_, aggregator_, sink_, events_, nullptr);
  ASSERT_TRUE(controller.UpsertPolicy(Policy(ScalingMode::kHint)).ok());
  Report(600, 6);
  controller.Tick();
  const MonoTime last_high = clock_.Now();
  while (clock_.Now() + kReportInterval < last_high + seconds(300)) {
    clock_.Advance(kReportInterval);
    Report(0, 6);
    controller.Tick();
    ASSERT_EQ(controller.LastRecommendation("default/billing")->recommended_replicas, 6);
  }
  clock_.Advance(kReportInterval);
  Report(0, 6);
  controller.Tick();
  EXPECT_EQ(controller.LastRecommendation("default/billing")->recommended_replicas, 1);
}

TEST_F(ScalingControllerTest, SidecarThatStopsReportingNoLongerCountsAsReplica) {
  ScalingController controller(clock_, aggregator_, sink_, events_, nullptr);
  ASSERT_TRUE(controller.UpsertPolicy(Policy(ScalingMode::kHint)).ok());
  Report(300, 3);
  controller.Tick();
  EXPECT_EQ(LastOutcome().recommendation->current_replicas, 3);
  // Only billing-0 keeps reporting; the other two vanish.
  for (int i = 0; i < 7; ++i) {
    clock_.Advance(kReportInterval);
    Report(300, 1);
  }
  controller.Tick();
  EXPECT_EQ(LastOutcome().recommendation->inputs.consumer_replicas, 1);
  // With no scale target, later ticks stabilize against the last hint, not the running count.
  EXPECT_EQ(LastOutcome().replica_source, ReplicaSource::kLastRecommendation);
}

TEST_F(ScalingControllerTest, ApplyModeSetsReplicasOnlyWhenTheyDiffer) {
  target_.replicas["default/billing"] = 2;
  ScalingController controller(clock_, aggregator_, sink_, events_, &target_);
  ASSERT_TRUE(controller.UpsertPolicy(Policy(ScalingMode::kApply)).ok());

  Report(200);
  controller.Tick();  // 2 wanted, 2 running
  EXPECT_TRUE(target_.set_calls.empty());

  clock_.Advance(kReportInterval);
  Report(500);
  controller.Tick();
  ASSERT_EQ(target_.set_calls.size(), 1u);
  EXPECT_EQ(target_.set_calls[0], (FakeScaleTarget::SetCall{"default", "billing", 5}));
  EXPECT_TRUE(LastOutcome().applied);
  EXPECT_EQ(LastOutcome().replica_source, ReplicaSource::kScaleTarget);

  for (int i = 0; i < 5; ++i) {  // same load, target already at 5
    clock_.Advance(kReportInterval);
    Report(500);
    controller.Tick();
    EXPECT_FALSE(LastOutcome().applied);
  }
  EXPECT_EQ(target_.set_calls.size(), 1u);
  ASSERT_EQ(events_.CountReason(kEventSuccessfulRescale), 1);
  EXPECT_EQ(events_.events.back().type, kEventNormal);
  EXPECT_NE(events_.events.back().message.find("New size: 5"), std::string::npos);
  EXPECT_EQ(events_.events.back().policy_key, "default/billing");
}

TEST_F(ScalingControllerTest, HintModeNeverSetsReplicasButReadsThem) {
  target_.replicas["default/billing"] = 2;
  ScalingController controller(clock_, aggregator_, sink_, events_, &target_);
  ASSERT_TRUE(controller.UpsertPolicy(Policy(ScalingMode::kHint)).ok());
  Report(900);
  controller.Tick();
  EXPECT_EQ(LastOutcome().recommendation->recommended_replicas, 9);
  EXPECT_EQ(LastOutcome().recommendation->current_replicas, 2);
  EXPECT_TRUE(target_.set_calls.empty());
  EXPECT_EQ(target_.get_calls, 1);
}

TEST_F(ScalingControllerTest, FailedRescaleIsReportedAndWarnedOnce) {
  target_.replicas["default/billing"] = 1;
  target_.set_error = Status::Unavailable("api server down");
  ScalingController controller(clock_, aggregator_, sink_, events_, &target_);
  ASSERT_TRUE(controller.UpsertPolicy(Policy(ScalingMode::kApply)).ok());
  for (int i = 0; i < 3; ++i) {
    Report(400);
    controller.Tick();
    clock_.Advance(kReportInterval);
  }
  EXPECT_EQ(target_.set_calls.size(), 3u);  // retried on every tick
  EXPECT_EQ(LastOutcome().status.code(), StatusCode::kUnavailable);
  EXPECT_FALSE(LastOutcome().applied);
  EXPECT_EQ(events_.CountReason(kEventFailedRescale), 1);

  target_.set_error = Status::OK();
  Report(400);
  controller.Tick();
  EXPECT_TRUE(LastOutcome().applied);
  EXPECT_EQ(target_.replicas["default/billing"], 4);
}

TEST_F(ScalingControllerTest, UnreadableTargetSkipsTheRecommendation) {
  ScalingController controller(clock_, aggregator_, sink_, events_, &target_);  // no workload
  ASSERT_TRUE(controller.UpsertPolicy(Policy(ScalingMode::kApply)).ok());
  Report(400);
  controller.Tick();
  controller.Tick();
  ScalingOutcome out = LastOutcome();
  EXPECT_FALSE(out.recommendation.has_value());
  EXPECT_EQ(out.status.code(), StatusCode::kNotFound);
  EXPECT_TRUE(target_.set_calls.empty());
  EXPECT_EQ(events_.CountReason(kEventFailedGetScale), 1);
}

TEST_F(ScalingControllerTest, ApplyWithoutScaleTargetStillGivesHints) {
  ScalingController controller(clock_, aggregator_, sink_, events_, nullptr);
  ASSERT_TRUE(controller.UpsertPolicy(Policy(ScalingMode::kApply)).ok());
  Report(400, 1);
  controller.Tick();
  controller.Tick();
  ScalingOutcome out = LastOutcome();
  ASSERT_TRUE(out.recommendation.has_value());
  EXPECT_EQ(out.recommendation->recommended_replicas, 4);
  EXPECT_EQ(out.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(events_.CountReason(kEventCannotApply), 1);
}

TEST_F(ScalingControllerTest, RemovedPolicyGetsNoFurtherRecommendations) {
  ScalingController controller(clock_, aggregator_, sink_, events_, nullptr);
  ASSERT_TRUE(controller.UpsertPolicy(Policy(ScalingMode::kHint)).ok());
  ASSERT_TRUE(controller.UpsertPolicy(Policy(ScalingMode::kHint, "other")).ok());
  Report(300, 1);
  controller.Tick();
  ASSERT_EQ(sink_.OutcomesFor("default/billing").size(), 1u);

  EXPECT_TRUE(controller.RemovePolicy("default/billing"));
  EXPECT_FALSE(controller.RemovePolicy("default/billing"));
  ASSERT_EQ(sink_.removals.size(), 1u);
  EXPECT_EQ(sink_.removals[0].policy_key, "default/billing");
  EXPECT_EQ(sink_.removals[0].app_id, "billing");

  controller.Tick();
  controller.Tick();
  EXPECT_EQ(sink_.OutcomesFor("default/billing").size(), 1u);
  EXPECT_EQ(sink_.OutcomesFor("default/other").size(), 3u);
  EXPECT_FALSE(controller.LastRecommendation("default/billing").has_value());
  EXPECT_EQ(controller.PolicyKeys(), std::vector<std::string>{"default/other"});
}

TEST_F(ScalingControllerTest, InvalidPolicyIsRejectedAndChangesNothing) {
  ScalingController controller(clock_, aggregator_, sink_, events_, nullptr);
  ScalingPolicy good = Policy(ScalingMode::kHint);
  ASSERT_TRUE(controller.UpsertPolicy(good).ok());

  ScalingPolicy bad = good;
  bad.spec.min_replicas = 5;
  bad.spec.max_replicas = 2;
  EXPECT_EQ(controller.UpsertPolicy(bad).code(), StatusCode::kInvalidArgument);
  bad = good;
  bad.spec.target_lag_per_replica = 0;
  EXPECT_EQ(controller.UpsertPolicy(bad).code(), StatusCode::kInvalidArgument);
  bad = good;
  bad.spec.tolerance = std::nan("");
  EXPECT_EQ(controller.UpsertPolicy(bad).code(), StatusCode::kInvalidArgument);
  bad = good;
  bad.spec.app_id.clear();
  EXPECT_EQ(controller.UpsertPolicy(bad).code(), StatusCode::kInvalidArgument);

  Report(300, 1);
  controller.Tick();
  EXPECT_EQ(LastOutcome().recommendation->recommended_replicas, 3);  // the good spec still rules
}

TEST_F(ScalingControllerTest, SpecUpdateKeepsHistoryButNewAppStartsAfresh) {
  // 8 running, demand for 1: the first evaluation holds 8 for one scale-down window.
  target_.replicas["default/billing"] = 8;
  ScalingController controller(clock_, aggregator_, sink_, events_, &target_);
  ScalingPolicy policy = Policy(ScalingMode::kHint);
  ASSERT_TRUE(controller.UpsertPolicy(policy).ok());
  const MonoTime start = clock_.Now();
  while (clock_.Now() < start + seconds(300)) {
    Report(100);
    controller.Tick();
    ASSERT_EQ(controller.LastRecommendation("default/billing")->recommended_replicas, 8);
    clock_.Advance(kReportInterval);
    if (clock_.Now() == start + seconds(150)) {
      policy.spec.max_replicas = 20;  // a spec change mid-window must not restart the window
      ASSERT_TRUE(controller.UpsertPolicy(policy).ok());
    }
  }
  Report(100);
  controller.Tick();
  EXPECT_EQ(controller.LastRecommendation("default/billing")->recommended_replicas, 1);

  policy.spec.app_id = "billing-v2";  // another app: a new window starting from 8 running
  ASSERT_TRUE(controller.UpsertPolicy(policy).ok());
  EXPECT_FALSE(controller.LastRecommendation("default/billing").has_value());
  clock_.Advance(kReportInterval);
  controller.Tick();
  EXPECT_EQ(controller.LastRecommendation("default/billing")->recommended_replicas, 8);
  EXPECT_EQ(LastOutcome().app_id, "billing-v2");
}

TEST_F(ScalingControllerTest, PoliciesChangeSafelyWhileTicking) {
  ScalingController controller(clock_, aggregator_, sink_, events_, nullptr);
  ASSERT_TRUE(controller.UpsertPolicy(Policy(ScalingMode::kHint, "steady")).ok());
  Report(300, 1);
  std::atomic<bool> stop{false};
  std::thread ticker([&] {
    while (!stop.load()) controller.Tick();
  });
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(controller.UpsertPolicy(Policy(ScalingMode::kHint)).ok());
    ASSERT_TRUE(controller.RemovePolicy("default/billing"));
  }
  stop = true;
  ticker.join();
  // The sink is only called under the controller's mutex, so reading it now is safe.
  const size_t billing_outcomes = sink_.OutcomesFor("default/billing").size();
  controller.Tick();
  EXPECT_EQ(sink_.OutcomesFor("default/billing").size(), billing_outcomes);
  EXPECT_EQ(sink_.removals.size(), 200u);
  EXPECT_EQ(controller.PolicyKeys(), std::vector<std::string>{"default/steady"});
}

}  // namespace
}  // namespace zroute::scaling
