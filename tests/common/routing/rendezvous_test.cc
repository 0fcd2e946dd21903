#include "common/routing/rendezvous.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace zroute {
namespace {

std::vector<std::string> Replicas(int n, const std::string& prefix = "orders-7f9c-") {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

std::vector<std::string_view> Views(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

std::string Key(int i) { return "customer-" + std::to_string(i); }

// Which replica (by name) owns each of `keys` keys.
std::vector<std::string> Owners(const std::vector<std::string>& replicas, int keys) {
  std::vector<std::string> out;
  auto views = Views(replicas);
  for (int i = 0; i < keys; ++i) {
    int pick = RendezvousPick(Key(i), views);
    EXPECT_GE(pick, 0);
    out.push_back(pick < 0 ? "" : replicas[static_cast<size_t>(pick)]);
  }
  return out;
}

TEST(Hash64Test, ValuesAreStableAcrossReleases) {
  // Publishers of different releases must agree on owners during a rolling upgrade: these values
  // (FNV-1a 64 then the splitmix64 finaliser, computed independently) must never change.
  EXPECT_EQ(Hash64(""), 0x552d3fb62b3c344fULL);
  EXPECT_EQ(Hash64("a"), 0xb4d2960f93be2488ULL);
  EXPECT_EQ(Hash64("order-42"), 0x49bf5ebb659da97eULL);
  EXPECT_EQ(Hash64("order-42", 7), 0x72cbcf0677655e94ULL);
  EXPECT_EQ(Hash64("orders-7f9c-0001", Hash64("order-42")), 0x611f9ad409d9ef14ULL);
}

TEST(Hash64Test, SeedAndInputBothMatter) {
  EXPECT_NE(Hash64("key", 0), Hash64("key", 1));
  EXPECT_NE(Hash64("key-1"), Hash64("key-2"));
  EXPECT_NE(Hash64(std::string_view("a\0b", 3)), Hash64(std::string_view("a\0c", 3)));
  EXPECT_EQ(Hash64("same", 99), Hash64(std::string("same"), 99));
}

TEST(RendezvousPickTest, NoCandidatesGivesMinusOne) { EXPECT_EQ(RendezvousPick("k", {}), -1); }

TEST(RendezvousPickTest, SingleCandidateAlwaysWins) {
  for (int i = 0; i < 100; ++i) EXPECT_EQ(RendezvousPick(Key(i), {"only"}), 0);
}

TEST(RendezvousPickTest, SameKeySameCandidatesSamePick) {
  auto replicas = Replicas(7);
  auto first = Owners(replicas, 500);
  EXPECT_EQ(Owners(replicas, 500), first);
}

TEST(RendezvousPickTest, PickDoesNotDependOnCandidateOrder) {
  // Two publishers may list the same replicas in different orders; they must agree on the owner.
  auto replicas = Replicas(6);
  auto reversed = replicas;
  std::reverse(reversed.begin(), reversed.end());
  auto rotated = replicas;
  std::rotate(rotated.begin(), rotated.begin() + 2, rotated.end());
  auto owners = Owners(replicas, 1000);
  EXPECT_EQ(Owners(reversed, 1000), owners);
  EXPECT_EQ(Owners(rotated, 1000), owners);
}

TEST(RendezvousPickTest, KeysSpreadEvenlyOverReplicas) {
  const int kReplicas = 10;
  const int kKeys = 100000;
  std::map<std::string, int> load;
  for (const auto& owner : Owners(Replicas(kReplicas), kKeys)) ++load[owner];
  ASSERT_EQ(load.size(), static_cast<size_t>(kReplicas));
  // Expected 10000 each with a standard deviation of about 95: 10% is over ten sigma.
  for (const auto& [replica, count] : load) {
    EXPECT_GT(count, kKeys / kReplicas * 9 / 10) << replica;
    EXPECT_LT(count, kKeys / kReplicas * 11 / 10) << replica;
  }
}

TEST(RendezvousPickTest, SimilarReplicaNamesStillSpread) {
  // Pod names differ in one character; the weights must not follow the names' order.
  std::map<std::string, int> load;
  for (const auto& owner : Owners(Replicas(3, "a"), 30000)) ++load[owner];
  for (const auto& [replica, count] : load) {
    EXPECT_GT(count, 9000) << replica;
    EXPECT_LT(count, 11000) << replica;
  }
}

TEST(RendezvousPickTest, RemovingAReplicaMovesOnlyItsKeys) {
  const int kKeys = 20000;
  auto replicas = Replicas(8);
  auto before = Owners(replicas, kKeys);
  const std::string gone = replicas[3];
  replicas.erase(replicas.begin() + 3);
  auto after = Owners(replicas, kKeys);
  int moved = 0;
  std::map<std::string, int> moved_to;
  for (int i = 0; i < kKeys; ++i) {
    if (before[i] != gone) {
      EXPECT_EQ(after[i], before[i]) << Key(i) << " moved although its replica stayed";
    } else {
      ++moved;
      ++moved_to[after[i]];
    }
  }
  EXPECT_GT(moved, kKeys / 8 * 8 / 10);
  // The orphaned keys spread over the survivors instead of piling onto one.
  EXPECT_EQ(moved_to.size(), replicas.size());
}

TEST(RendezvousPickTest, AddingAReplicaMovesKeysOnlyToIt) {
  const int kKeys = 20000;
  auto replicas = Replicas(4);
  auto before = Owners(replicas, kKeys);
  replicas.push_back("orders-7f9c-new");
  auto after = Owners(replicas, kKeys);
  int moved = 0;
  for (int i = 0; i < kKeys; ++i) {
    if (after[i] != before[i]) {
      EXPECT_EQ(after[i], "orders-7f9c-new") << Key(i);
      ++moved;
    }
  }
  // About a fifth of the keys move to the newcomer.
  EXPECT_GT(moved, kKeys / 5 * 8 / 10);
  EXPECT_LT(moved, kKeys / 5 * 12 / 10);
}

}  // namespace
}  // namespace zroute
