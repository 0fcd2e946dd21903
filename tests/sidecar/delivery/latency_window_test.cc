#include "sidecar/delivery/latency_window.h"

#include <gtest/gtest.h>

#include <limits>

#include "tests/support/simulated_clock.h"

namespace zroute {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(LatencyWindowTest, EmptyWindowReadsZero) {
  testing::SimulatedClock clock;
  LatencyWindow w(clock);
  EXPECT_EQ(w.PercentileSeconds(0.5), 0);
  EXPECT_EQ(w.PercentileSeconds(0.99), 0);
}

TEST(LatencyWindowTest, PercentilesAreNearestRank) {
  testing::SimulatedClock clock;
  LatencyWindow w(clock);
  // 1..100 ms, recorded out of order.
  for (int i = 100; i >= 1; --i) w.Record(milliseconds(i));
  EXPECT_DOUBLE_EQ(w.PercentileSeconds(0.5), 0.050);
  EXPECT_DOUBLE_EQ(w.PercentileSeconds(0.99), 0.099);
  EXPECT_DOUBLE_EQ(w.PercentileSeconds(1.0), 0.100);
  EXPECT_DOUBLE_EQ(w.PercentileSeconds(0.0), 0.001);
}

TEST(LatencyWindowTest, OneSlowDeliveryShowsInP99NotP50) {
  testing::SimulatedClock clock;
  LatencyWindow w(clock);
  for (int i = 0; i < 99; ++i) w.Record(milliseconds(10));
  w.Record(seconds(3));
  EXPECT_DOUBLE_EQ(w.PercentileSeconds(0.5), 0.010);
  EXPECT_DOUBLE_EQ(w.PercentileSeconds(1.0), 3.0);
}

TEST(LatencyWindowTest, SamplesOlderThanTheWindowAreDropped) {
  testing::SimulatedClock clock;
  LatencyWindow w(clock, seconds(10));
  w.Record(seconds(2));
  clock.Advance(seconds(6));
  w.Record(milliseconds(5));
  EXPECT_DOUBLE_EQ(w.PercentileSeconds(1.0), 2.0);
  clock.Advance(seconds(5));
  EXPECT_EQ(w.size(), 1u);
  EXPECT_DOUBLE_EQ(w.PercentileSeconds(1.0), 0.005);
  clock.Advance(seconds(10));
  EXPECT_EQ(w.PercentileSeconds(0.5), 0);
}

TEST(LatencyWindowTest, KeepsOnlyTheNewestSamplesWhenFull) {
  testing::SimulatedClock clock;
  LatencyWindow w(clock, seconds(10), 10);
  for (int i = 0; i < 10; ++i) w.Record(seconds(1));
  for (int i = 0; i < 10; ++i) w.Record(milliseconds(1));
  EXPECT_EQ(w.size(), 10u);
  EXPECT_DOUBLE_EQ(w.PercentileSeconds(1.0), 0.001);
}

TEST(LatencyWindowTest, OutOfRangeQuantilesAndNegativeLatenciesAreClamped) {
  testing::SimulatedClock clock;
  LatencyWindow w(clock);
  w.Record(milliseconds(-5));
  w.Record(milliseconds(20));
  EXPECT_DOUBLE_EQ(w.PercentileSeconds(-1), 0.0);
  EXPECT_DOUBLE_EQ(w.PercentileSeconds(7), 0.020);
  EXPECT_DOUBLE_EQ(w.PercentileSeconds(std::numeric_limits<double>::quiet_NaN()), 0.0);
}

}  // namespace
}  // namespace zroute
