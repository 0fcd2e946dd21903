#include "sidecar/delivery/dedupe_window.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>
#include <unordered_set>

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

// The window against the plainest model of its contract (a queue of pairs and a set of them),
// under adds and lookups of ids drawn from a pool a few times the capacity: re-adds, evictions and
// re-adds after eviction all happen, and a small table probes long runs that erasing must keep
// intact.
TEST(DedupeWindowTest, MatchesASimpleModelUnderRandomAddsAndLookups) {
  std::mt19937 rng(7);
  for (size_t capacity : {1u, 2u, 3u, 7u, 64u, 1000u}) {
    DedupeWindow w(capacity);
    std::deque<std::string> order;
    std::unordered_set<std::string> model;
    const size_t pool = 3 * capacity + 2;
    for (int op = 0; op < 20000; ++op) {
      const std::string sub = (rng() % 2) ? "default/a" : "default/b";
      const std::string id = "e" + std::to_string(rng() % pool);
      const std::string pair = sub + " " + id;
      if (rng() % 2) {
        w.Add(sub, id);
        if (model.insert(pair).second) {
          order.push_back(pair);
          if (order.size() > capacity) {
            model.erase(order.front());
            order.pop_front();
          }
        }
      }
      ASSERT_EQ(w.Contains(sub, id), model.count(pair) > 0) << "capacity " << capacity << ", op " << op;
      ASSERT_EQ(w.size(), model.size()) << "capacity " << capacity << ", op " << op;
    }
    for (const std::string& pair : order) {  // everything the model holds, the window holds
      const size_t space = pair.find(' ');
      ASSERT_TRUE(w.Contains(pair.substr(0, space), pair.substr(space + 1))) << pair;
    }
  }
}

TEST(DedupeWindowTest, AFullLargeWindowKeepsExactlyTheNewestEntries) {
  DedupeWindow w(100000);
  for (int i = 0; i < 250000; ++i) w.Add("default/orders", std::to_string(i));
  EXPECT_EQ(w.size(), 100000u);
  for (int i = 0; i < 250000; i += 997) {
    EXPECT_EQ(w.Contains("default/orders", std::to_string(i)), i >= 150000) << i;
  }
}

}  // namespace
}  // namespace zroute
