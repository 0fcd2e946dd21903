#include "operator/scaling/replica_calculator.h"

#include <gtest/gtest.h>

#include <limits>

#include "tests/support/simulated_clock.h"

namespace zroute::scaling {
namespace {

using std::chrono::seconds;

AppLoad Lag(int64_t lag, int64_t in_flight = 0, double arrival_rate = 0) {
  AppLoad load;
  load.lag = lag;
  load.in_flight = in_flight;
  load.arrival_rate = arrival_rate;
  return load;
}

ScalingPolicySpec Spec() {
  ScalingPolicySpec spec;
  spec.app_id = "billing";
  spec.target_lag_per_replica = 100;
  spec.min_replicas = 1;
  spec.max_replicas = 10;
  spec.scale_up_stabilization = seconds(0);
  spec.scale_down_stabilization = seconds(300);
  spec.tolerance = 0.1;
  return spec;
}

class ReplicaCalculatorTest : public ::testing::Test {
 protected:
  zroute::testing::SimulatedClock clock_;
  ReplicaCalculator calc_{clock_};
};

TEST_F(ReplicaCalculatorTest, DesiredIsLagPlusInFlightOverTargetRoundedUp) {
  Recommendation r = calc_.Compute(Spec(), Lag(430, 20), 2);
  EXPECT_DOUBLE_EQ(r.demand, 4.5);
  EXPECT_EQ(r.raw_desired_replicas, 5);
  EXPECT_EQ(r.recommended_replicas, 5);
  EXPECT_EQ(r.current_replicas, 2);
  EXPECT_EQ(r.inputs.lag, 430);
  EXPECT_EQ(r.reason, reason::kScaleUp);
  EXPECT_EQ(r.computed_at, clock_.Now());
  EXPECT_NE(r.message.find("lag 430"), std::string::npos);
}

TEST_F(ReplicaCalculatorTest, LoadRampRaisesRecommendationOnTheNextComputation) {
  EXPECT_EQ(calc_.Compute(Spec(), Lag(200), 2).recommended_replicas, 2);
  clock_.Advance(seconds(5));
  EXPECT_EQ(calc_.Compute(Spec(), Lag(700), 2).recommended_replicas, 7);
  clock_.Advance(seconds(5));
  EXPECT_EQ(calc_.Compute(Spec(), Lag(2000), 7).recommended_replicas, 10);
}

TEST_F(ReplicaCalculatorTest, DrainLowersRecommendationOnlyAfterScaleDownWindow) {
  calc_.Compute(Spec(), Lag(800), 8);
  const MonoTime last_high = clock_.Now();
  // Load drains; the recommendation holds while the 8 is inside the 300 s window.
  for (int t = 15; t < 300; t += 15) {
    clock_.Advance(seconds(15));
    Recommendation r = calc_.Compute(Spec(), Lag(100), 8);
    ASSERT_EQ(r.recommended_replicas, 8) << "at +" << t << "s";
    ASSERT_EQ(r.reason, reason::kScaleDownLimitedByWindow);
  }
  clock_.Advance(last_high + seconds(299) - clock_.Now());
  EXPECT_EQ(calc_.Compute(Spec(), Lag(100), 8).recommended_replicas, 8);
  clock_.Advance(seconds(1));
  Recommendation r = calc_.Compute(Spec(), Lag(100), 8);
  EXPECT_EQ(r.recommended_replicas, 1);
  EXPECT_EQ(r.reason, reason::kScaleDown);
}

TEST_F(ReplicaCalculatorTest, ScaleDownGoesToHighestRecommendationInWindow) {
  ScalingPolicySpec spec = Spec();
  spec.scale_down_stabilization = seconds(60);
  calc_.Compute(spec, Lag(800), 8);
  clock_.Advance(seconds(30));
  calc_.Compute(spec, Lag(500), 8);  // 5, but 8 is still in the window
  clock_.Advance(seconds(31));       // 8 left the window, 5 has not
  Recommendation r = calc_.Compute(spec, Lag(100), 8);
  EXPECT_EQ(r.recommended_replicas, 5);
  EXPECT_EQ(r.reason, reason::kScaleDownLimitedByWindow);
}

TEST_F(ReplicaCalculatorTest, ScaleUpGoesToLowestRecommendationInWindow) {
  ScalingPolicySpec spec = Spec();
  spec.scale_up_stabilization = seconds(60);
  EXPECT_EQ(calc_.Compute(spec, Lag(200), 2).recommended_replicas, 2);
  clock_.Advance(seconds(10));
  Recommendation r = calc_.Compute(spec, Lag(800), 2);
  EXPECT_EQ(r.recommended_replicas, 2);
  EXPECT_EQ(r.raw_desired_replicas, 8);
  EXPECT_EQ(r.reason, reason::kScaleUpLimitedByWindow);
  clock_.Advance(seconds(50));  // the 2 leaves the window
  EXPECT_EQ(calc_.Compute(spec, Lag(800), 2).recommended_replicas, 8);
}

TEST_F(ReplicaCalculatorTest, NoiseWithinToleranceChangesNothing) {
  for (int64_t lag : {910, 1000, 1090, 950, 1100, 900}) {
    Recommendation r = calc_.Compute(Spec(), Lag(lag), 10);
    EXPECT_EQ(r.recommended_replicas, 10) << lag;
    EXPECT_EQ(r.reason, reason::kWithinTolerance) << lag;
    clock_.Advance(seconds(15));
  }
  Recommendation r = calc_.Compute(Spec(), Lag(1150), 10);
  EXPECT_EQ(r.recommended_replicas, 10);  // bounded by max, but no longer tolerated
  EXPECT_EQ(r.reason, reason::kAtMaxReplicas);
}

TEST_F(ReplicaCalculatorTest, ToleranceIsJudgedOnUnroundedDemand) {
  // 3.2 replicas of demand on 3 running: a 7% change, not worth a fourth replica.
  Recommendation r = calc_.Compute(Spec(), Lag(320), 3);
  EXPECT_EQ(r.raw_desired_replicas, 4);
  EXPECT_EQ(r.recommended_replicas, 3);
  EXPECT_EQ(r.reason, reason::kWithinTolerance);
}

TEST_F(ReplicaCalculatorTest, ClampsToMaxReplicas) {
  Recommendation r = calc_.Compute(Spec(), Lag(5000), 4);
  EXPECT_EQ(r.raw_desired_replicas, 50);
  EXPECT_EQ(r.recommended_replicas, 10);
  EXPECT_EQ(r.reason, reason::kAtMaxReplicas);
}

TEST_F(ReplicaCalculatorTest, ClampsToMinReplicas) {
  ScalingPolicySpec spec = Spec();
  spec.min_replicas = 3;
  spec.scale_down_stabilization = seconds(0);
  Recommendation r = calc_.Compute(spec, Lag(0), 5);
  EXPECT_EQ(r.raw_desired_replicas, 0);
  EXPECT_EQ(r.recommended_replicas, 3);
  EXPECT_EQ(r.reason, reason::kAtMinReplicas);
  // Also when nothing is running yet (standalone mode before any sidecar reported).
  EXPECT_EQ(calc_.Compute(spec, Lag(0), 0).recommended_replicas, 3);
}

TEST_F(ReplicaCalculatorTest, AbsurdLagIsBoundedByMaxReplicas) {
  Recommendation r = calc_.Compute(Spec(), Lag(std::numeric_limits<int64_t>::max(),
                                                std::numeric_limits<int64_t>::max()), 1);
  EXPECT_EQ(r.raw_desired_replicas, std::numeric_limits<int>::max());
  EXPECT_EQ(r.recommended_replicas, 10);
}

TEST_F(ReplicaCalculatorTest, ActivationFromZeroNeedsLagAboveActivationLag) {
  ScalingPolicySpec spec = Spec();
  spec.min_replicas = 0;
  spec.activation_lag = 50;
  Recommendation r = calc_.Compute(spec, Lag(50), 0);
  EXPECT_EQ(r.recommended_replicas, 0);
  EXPECT_EQ(r.reason, reason::kBelowActivationLag);
  clock_.Advance(seconds(15));
  r = calc_.Compute(spec, Lag(51), 0);
  EXPECT_EQ(r.recommended_replicas, 1);
  EXPECT_EQ(r.reason, reason::kActivated);
  clock_.Advance(seconds(15));
  EXPECT_EQ(calc_.Compute(spec, Lag(350), 0).recommended_replicas, 4);  // activation + demand
}

TEST_F(ReplicaCalculatorTest, ScalesToZeroOnlyWhenIdleForTheScaleDownWindow) {
  ScalingPolicySpec spec = Spec();
  spec.min_replicas = 0;
  spec.scale_down_stabilization = seconds(60);
  calc_.Compute(spec, Lag(100), 1);
  // Lag is gone but one event is still in flight: stay at 1, even after a full window.
  clock_.Advance(seconds(61));
  Recommendation r = calc_.Compute(spec, Lag(0, 1), 1);
  EXPECT_EQ(r.recommended_replicas, 1);
  const MonoTime last_busy = clock_.Now();
  // Idle from here on: 0 is recommended once the last busy recommendation left the window.
  for (int t = 15; t < 60; t += 15) {
    clock_.Advance(seconds(15));
    r = calc_.Compute(spec, Lag(0, 0), 1);
    ASSERT_EQ(r.recommended_replicas, 1) << "at +" << t << "s";
    ASSERT_EQ(r.reason, reason::kScaleDownLimitedByWindow);
  }
  clock_.Advance(last_busy + seconds(59) - clock_.Now());
  EXPECT_EQ(calc_.Compute(spec, Lag(0, 0), 1).recommended_replicas, 1);
  clock_.Advance(seconds(1));
  r = calc_.Compute(spec, Lag(0, 0), 1);
  EXPECT_EQ(r.recommended_replicas, 0);
  EXPECT_EQ(r.reason, reason::kScaledToZero);
}

TEST_F(ReplicaCalculatorTest, SmallLagKeepsOneReplicaWhenMinIsZero) {
  ScalingPolicySpec spec = Spec();
  spec.min_replicas = 0;
  spec.activation_lag = 50;
  spec.scale_down_stabilization = seconds(0);
  // Above zero, any lag keeps a replica even if it is under the activation threshold.
  EXPECT_EQ(calc_.Compute(spec, Lag(3), 1).recommended_replicas, 1);
}

TEST_F(ReplicaCalculatorTest, RateTargetAddsDemandFromArrivalRate) {
  ScalingPolicySpec spec = Spec();
  spec.target_events_per_second_per_replica = 50;
  Recommendation r = calc_.Compute(spec, Lag(10, 0, 260), 2);
  EXPECT_DOUBLE_EQ(r.demand, 5.2);
  EXPECT_EQ(r.recommended_replicas, 6);
  // The larger of the two demands wins.
  clock_.Advance(seconds(15));
  EXPECT_EQ(calc_.Compute(spec, Lag(900, 0, 10), 6).recommended_replicas, 9);
}

TEST_F(ReplicaCalculatorTest, RateIsIgnoredWithoutRateTarget) {
  EXPECT_EQ(calc_.Compute(Spec(), Lag(100, 0, 100000), 1).recommended_replicas, 1);
}

TEST_F(ReplicaCalculatorTest, RateOnlyPolicyIgnoresLag) {
  ScalingPolicySpec spec = Spec();
  spec.target_lag_per_replica = 0;
  spec.target_events_per_second_per_replica = 10;
  EXPECT_EQ(calc_.Compute(spec, Lag(100000, 0, 35), 1).recommended_replicas, 4);
}

TEST_F(ReplicaCalculatorTest, FirstComputationDoesNotScaleDownBeforeTheWindow) {
  // A fresh calculator (operator restart) sees 6 replicas and no load: it must wait.
  Recommendation r = calc_.Compute(Spec(), Lag(0), 6);
  EXPECT_EQ(r.recommended_replicas, 6);
  clock_.Advance(seconds(300));
  EXPECT_EQ(calc_.Compute(Spec(), Lag(0), 6).recommended_replicas, 1);
}

TEST_F(ReplicaCalculatorTest, FirstComputationDoesNotHoldBackScaleUp) {
  ScalingPolicySpec spec = Spec();
  spec.scale_up_stabilization = seconds(60);
  EXPECT_EQ(calc_.Compute(spec, Lag(600), 2).recommended_replicas, 6);
}

TEST_F(ReplicaCalculatorTest, HistoryIsTrimmedToTheLongestWindow) {
  for (int i = 0; i < 1000; ++i) {
    calc_.Compute(Spec(), Lag(100 * (i % 7)), 3);
    clock_.Advance(seconds(15));
  }
  EXPECT_LE(calc_.history().size(), 21u);  // 300 s / 15 s + the current one
  EXPECT_GT(calc_.history().front().at, clock_.Now() - seconds(300) - seconds(15));
  calc_.Reset();
  EXPECT_TRUE(calc_.history().empty());
}

TEST_F(ReplicaCalculatorTest, PolicyWithoutUsableTargetHoldsCurrent) {
  ScalingPolicySpec spec = Spec();
  spec.target_lag_per_replica = 0;
  Recommendation r = calc_.Compute(spec, Lag(1000), 4);
  EXPECT_EQ(r.recommended_replicas, 4);
  EXPECT_EQ(r.reason, reason::kNoTarget);
  spec = Spec();
  spec.min_replicas = 5;
  spec.max_replicas = 2;
  EXPECT_EQ(calc_.Compute(spec, Lag(1000), 4).reason, reason::kNoTarget);
}

}  // namespace
}  // namespace zroute::scaling
