#include "sidecar/delivery/windowed_rate.h"

#include <gtest/gtest.h>

#include "tests/support/simulated_clock.h"

namespace zroute {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(WindowedRateTest, NothingCountedReadsZero) {
  testing::SimulatedClock clock;
  WindowedRate rate(clock);
  EXPECT_EQ(rate.PerSecond(), 0);
  clock.Advance(seconds(30));
  EXPECT_EQ(rate.PerSecond(), 0);
}

TEST(WindowedRateTest, SteadyRateIsMeasuredOverTheWindow) {
  testing::SimulatedClock clock;
  WindowedRate rate(clock, seconds(10), 10);
  // 50 events/s for 30 s, in 100 ms steps.
  for (int i = 0; i < 300; ++i) {
    rate.Add(5);
    clock.Advance(milliseconds(100));
  }
  EXPECT_NEAR(rate.PerSecond(), 50.0, 50.0 * 0.1);
  EXPECT_GE(rate.CountInWindow(), 450u);
  EXPECT_LE(rate.CountInWindow(), 500u);
}

TEST(WindowedRateTest, BeforeAFullWindowTheElapsedTimeIsUsed) {
  testing::SimulatedClock clock;
  WindowedRate rate(clock, seconds(10), 10);
  for (int i = 0; i < 20; ++i) {
    rate.Add(10);
    clock.Advance(milliseconds(100));
  }
  // 200 events in 2 s: 100/s, not 200 / 10 s = 20/s.
  EXPECT_NEAR(rate.PerSecond(), 100.0, 10.0);
}

TEST(WindowedRateTest, AFirstBurstDoesNotSpikeAboveOneBucketWidth) {
  testing::SimulatedClock clock;
  WindowedRate rate(clock, seconds(10), 10);
  rate.Add(7);
  // No time has passed: the rate is taken over one bucket width (1 s), not over zero.
  EXPECT_DOUBLE_EQ(rate.PerSecond(), 7.0);
}

TEST(WindowedRateTest, OldEventsLeaveTheWindow) {
  testing::SimulatedClock clock;
  WindowedRate rate(clock, seconds(10), 10);
  clock.Advance(seconds(20));
  rate.Add(1000);
  EXPECT_GT(rate.PerSecond(), 90.0);
  clock.Advance(seconds(5));
  EXPECT_EQ(rate.CountInWindow(), 1000u);
  clock.Advance(seconds(6));
  EXPECT_EQ(rate.CountInWindow(), 0u);
  EXPECT_EQ(rate.PerSecond(), 0);
}

TEST(WindowedRateTest, ReusedBucketsForgetTheirOldCount) {
  testing::SimulatedClock clock;
  WindowedRate rate(clock, seconds(10), 10);
  rate.Add(100);
  // Exactly one window later the same slot is reused for a new interval.
  clock.Advance(seconds(10));
  rate.Add(1);
  EXPECT_EQ(rate.CountInWindow(), 1u);
}

TEST(WindowedRateTest, RateFallsWhenArrivalsStop) {
  testing::SimulatedClock clock;
  WindowedRate rate(clock, seconds(10), 10);
  for (int i = 0; i < 100; ++i) {
    rate.Add(10);
    clock.Advance(milliseconds(100));
  }
  double busy = rate.PerSecond();
  clock.Advance(seconds(5));
  double half = rate.PerSecond();
  EXPECT_LT(half, busy * 0.7);
  EXPECT_GT(half, 0);
}

TEST(WindowedRateTest, DegenerateWindowStillCounts) {
  testing::SimulatedClock clock;
  WindowedRate rate(clock, Duration(0), 0);
  rate.Add(3);
  EXPECT_EQ(rate.CountInWindow(), 3u);
  clock.Advance(milliseconds(1));
  EXPECT_EQ(rate.CountInWindow(), 0u);
}

}  // namespace
}  // namespace zroute
