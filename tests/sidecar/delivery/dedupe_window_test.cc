#include "sidecar/delivery/dedupe_window.h"

#include <gtest/gtest.h>

namespace zroute {
namespace {

TEST(DedupeWindowTest, RemembersWhatWasAdded) {
  DedupeWindow w(10);
  EXPECT_FALSE(w.Contains("default/billing", "e1"));
  w.Add("default/billing", "e1");
  EXPECT_TRUE(w.Contains("default/billing", "e1"));
  EXPECT_FALSE(w.Contains("default/billing", "e2"));
  EXPECT_EQ(w.size(), 1u);
}

TEST(DedupeWindowTest, SameIdInAnotherSubscriptionIsNotADuplicate) {
  DedupeWindow w(10);
  w.Add("default/billing", "e1");
  EXPECT_FALSE(w.Contains("default/audit", "e1"));
  EXPECT_FALSE(w.Contains("other/billing", "e1"));
}

TEST(DedupeWindowTest, SubscriptionAndIdDoNotRunTogether) {
  DedupeWindow w(10);
  w.Add("default/ab", "c");
  EXPECT_FALSE(w.Contains("default/a", "bc"));
  EXPECT_FALSE(w.Contains("default/abc", ""));
}

TEST(DedupeWindowTest, ForgetsTheOldestBeyondCapacity) {
  DedupeWindow w(3);
  for (const char* id : {"e1", "e2", "e3", "e4"}) w.Add("s", id);
  EXPECT_EQ(w.size(), 3u);
  EXPECT_FALSE(w.Contains("s", "e1"));
  EXPECT_TRUE(w.Contains("s", "e2"));
  EXPECT_TRUE(w.Contains("s", "e3"));
  EXPECT_TRUE(w.Contains("s", "e4"));
}

TEST(DedupeWindowTest, AddingAgainNeitherGrowsNorRefreshes) {
  DedupeWindow w(2);
  w.Add("s", "e1");
  w.Add("s", "e2");
  w.Add("s", "e1");  // a duplicate: nothing is evicted for it
  EXPECT_EQ(w.size(), 2u);
  EXPECT_TRUE(w.Contains("s", "e1"));
  EXPECT_TRUE(w.Contains("s", "e2"));
  w.Add("s", "e3");  // e1 is still the oldest
  EXPECT_FALSE(w.Contains("s", "e1"));
  EXPECT_TRUE(w.Contains("s", "e2"));
  EXPECT_TRUE(w.Contains("s", "e3"));
}

TEST(DedupeWindowTest, StaysBoundedUnderManyAdds) {
  DedupeWindow w(100);
  for (int i = 0; i < 10000; ++i) w.Add("s", "e" + std::to_string(i));
  EXPECT_EQ(w.size(), 100u);
  EXPECT_TRUE(w.Contains("s", "e9999"));
  EXPECT_TRUE(w.Contains("s", "e9900"));
  EXPECT_FALSE(w.Contains("s", "e9899"));
}

}  // namespace
}  // namespace zroute
