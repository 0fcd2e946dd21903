// LogThrottle: the first occurrence is logged, then at most one per interval with the count.
#include "common/util/log_throttle.h"

#include <gtest/gtest.h>

namespace zroute {
namespace {

TEST(LogThrottleTest, LogsTheFirstThenOncePerIntervalWithTheCount) {
  LogThrottle throttle(std::chrono::seconds(1));
  const MonoTime t0{};  // the clock's zero: the first occurrence is still logged
  uint64_t count = 0;
  ASSERT_TRUE(throttle.Note(t0, &count));
  EXPECT_EQ(count, 1u);
  for (int i = 1; i <= 5; ++i) EXPECT_FALSE(throttle.Note(t0 + std::chrono::milliseconds(100 * i), &count));
  ASSERT_TRUE(throttle.Note(t0 + std::chrono::seconds(1), &count));
  EXPECT_EQ(count, 6u) << "five held back, and this one";
  EXPECT_FALSE(throttle.Note(t0 + std::chrono::milliseconds(1999), &count));
  ASSERT_TRUE(throttle.Note(t0 + std::chrono::seconds(5), &count));
  EXPECT_EQ(count, 2u);
}

}  // namespace
}  // namespace zroute
