#include "operator/scaling/scaling_status_sink.h"

#include <gtest/gtest.h>

#include "tests/operator/scaling/metric_text.h"
#include "tests/support/simulated_clock.h"

namespace zroute::scaling {
namespace {

using testing::SampleValue;

const std::map<std::string, std::string> kBilling = {
    {"namespace", "default"}, {"app_id", "billing"}, {"policy", "billing-scaler"}};

ScalingOutcome Outcome(int recommended, int64_t lag, const std::string& app = "billing") {
  ScalingOutcome o;
  o.policy_key = "default/billing-scaler";
  o.namespace_ = "default";
  o.app_id = app;
  Recommendation r;
  r.recommended_replicas = recommended;
  r.raw_desired_replicas = recommended + 1;
  r.current_replicas = 2;
  r.demand = recommended + 0.5;
  r.reason = reason::kScaleUp;
  r.message = "lag " + std::to_string(lag);
  r.inputs.lag = lag;
  r.inputs.in_flight = 7;
  r.inputs.arrival_rate = 12.5;
  r.inputs.completion_rate = 11;
  r.inputs.latency_p99_seconds = 0.3;
  r.inputs.consumer_replicas = 2;
  o.recommendation = r;
  return o;
}

class ScalingStatusSinkTest : public ::testing::Test {
 protected:
  std::string Text() { return metrics_.Serialize(); }
  zroute::testing::SimulatedClock clock_;
  Metrics metrics_;
  ScalingStatusSink sink_{metrics_, clock_};
};

TEST_F(ScalingStatusSinkTest, OutcomeSetsTheRecommendationAndInputGauges) {
  sink_.OnOutcome(Outcome(4, 350));
  const std::string text = Text();
  EXPECT_EQ(SampleValue(text, "zroute_scaling_recommended_replicas", kBilling), 4);
  EXPECT_EQ(SampleValue(text, "zroute_scaling_desired_replicas", kBilling), 5);
  EXPECT_EQ(SampleValue(text, "zroute_scaling_current_replicas", kBilling), 2);
  EXPECT_EQ(SampleValue(text, "zroute_scaling_lag", kBilling), 350);
  EXPECT_EQ(SampleValue(text, "zroute_scaling_in_flight", kBilling), 7);
  EXPECT_EQ(SampleValue(text, "zroute_scaling_arrival_rate", kBilling), 12.5);
  EXPECT_EQ(SampleValue(text, "zroute_scaling_completion_rate", kBilling), 11);
  EXPECT_EQ(SampleValue(text, "zroute_scaling_delivery_latency_p99_seconds", kBilling), 0.3);

  sink_.OnOutcome(Outcome(2, 10));
  EXPECT_EQ(SampleValue(Text(), "zroute_scaling_recommended_replicas", kBilling), 2);
  EXPECT_EQ(SampleValue(Text(), "zroute_scaling_lag", kBilling), 10);
}

TEST_F(ScalingStatusSinkTest, JsonHoldsTheLatestOutcomePerPolicy) {
  sink_.OnOutcome(Outcome(4, 350));
  ScalingOutcome other = Outcome(1, 0, "audit");
  other.policy_key = "default/audit";
  sink_.OnOutcome(other);
  sink_.OnOutcome(Outcome(3, 250));

  nlohmann::json j = sink_.ToJson();
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["policy"], "default/audit");  // sorted by key
  EXPECT_EQ(j[1]["policy"], "default/billing-scaler");
  EXPECT_EQ(j[1]["appId"], "billing");
  EXPECT_EQ(j[1]["mode"], "hint");
  EXPECT_EQ(j[1]["recommendedReplicas"], 3);
  EXPECT_EQ(j[1]["currentReplicas"], 2);
  EXPECT_EQ(j[1]["currentReplicasSource"], "reportingSidecars");
  EXPECT_EQ(j[1]["reason"], "ScaleUp");
  EXPECT_EQ(j[1]["inputs"]["lag"], 250);
  EXPECT_EQ(j[1]["inputs"]["consumerReplicas"], 2);
  EXPECT_EQ(j[1]["status"], "OK");
  EXPECT_EQ(j[1]["updatedAt"], "2026-01-01T00:00:00.000000Z");
}

TEST_F(ScalingStatusSinkTest, OutcomeWithoutRecommendationKeepsTheGaugesAndShowsTheError) {
  sink_.OnOutcome(Outcome(4, 350));
  ScalingOutcome failed = Outcome(0, 0);
  failed.recommendation.reset();
  failed.status = Status::Unavailable("scale subresource unreachable");
  sink_.OnOutcome(failed);
  EXPECT_EQ(SampleValue(Text(), "zroute_scaling_recommended_replicas", kBilling), 4);
  nlohmann::json j = sink_.ToJson();
  ASSERT_EQ(j.size(), 1u);
  EXPECT_FALSE(j[0].contains("recommendedReplicas"));
  EXPECT_NE(j[0]["status"].get<std::string>().find("unreachable"), std::string::npos);
}

TEST_F(ScalingStatusSinkTest, RemovedPolicyLosesItsSeriesAndEntry) {
  sink_.OnOutcome(Outcome(4, 350));
  ASSERT_TRUE(SampleValue(Text(), "zroute_scaling_recommended_replicas", kBilling).has_value());
  sink_.OnPolicyRemoved("default/billing-scaler", "default", "billing");
  const std::string text = Text();
  for (const char* name : {"zroute_scaling_recommended_replicas", "zroute_scaling_lag",
                           "zroute_scaling_in_flight", "zroute_scaling_current_replicas"}) {
    EXPECT_FALSE(SampleValue(text, name, kBilling).has_value()) << name;
  }
  EXPECT_TRUE(sink_.ToJson().empty());
}

TEST_F(ScalingStatusSinkTest, ChangingThePolicysAppDropsTheOldAppsSeries) {
  sink_.OnOutcome(Outcome(4, 350, "billing"));
  sink_.OnOutcome(Outcome(2, 100, "invoicing"));
  const std::string text = Text();
  EXPECT_FALSE(SampleValue(text, "zroute_scaling_recommended_replicas", kBilling).has_value());
  EXPECT_EQ(SampleValue(text, "zroute_scaling_recommended_replicas",
                        {{"app_id", "invoicing"}, {"policy", "billing-scaler"}}),
            2);
}

TEST_F(ScalingStatusSinkTest, RemovingAnUnknownPolicyIsHarmless) {
  sink_.OnPolicyRemoved("default/nothing", "default", "nothing");
  EXPECT_TRUE(sink_.ToJson().empty());
}

}  // namespace
}  // namespace zroute::scaling
