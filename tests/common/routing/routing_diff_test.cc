#include "common/routing/routing_diff.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "tests/common/routing/routing_test_util.h"

namespace zroute {
namespace {

using nlohmann::json;
using testing::MakeEndpoint;
using testing::MakeSubscription;
using testing::MakeTopic;

RoutingTable Before() {
  return RoutingTable::Build(
      10, {MakeTopic("shop", "orders"), MakeTopic("shop", "old")},
      {MakeSubscription("shop", "audit", "orders", "auditor"), MakeSubscription("shop", "gone", "old", "auditor")},
      {{"shop/auditor", {MakeEndpoint("shop", "auditor", "a-1")}}});
}

// Topic "old" and subscription "gone" removed, subscription "audit" changed (other app), endpoint
// list grown, topic "new" and subscription "fresh" added.
RoutingTable After() {
  return RoutingTable::Build(
      11, {MakeTopic("shop", "orders"), MakeTopic("shop", "new")},
      {MakeSubscription("shop", "audit", "orders", "ledger"), MakeSubscription("shop", "fresh", "new", "auditor")},
      {{"shop/auditor", {MakeEndpoint("shop", "auditor", "a-1"), MakeEndpoint("shop", "auditor", "a-2")}}});
}

TEST(RoutingDiffTest, IdenticalTablesGiveAnEmptyDiff) {
  RoutingTable a = Before();
  RoutingDiff d = Diff(a, RoutingTable::Build(11, {MakeTopic("shop", "orders"), MakeTopic("shop", "old")},
                                              {MakeSubscription("shop", "audit", "orders", "auditor"),
                                               MakeSubscription("shop", "gone", "old", "auditor")},
                                              {{"shop/auditor", {MakeEndpoint("shop", "auditor", "a-1")}}}));
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(d.from_version, 10u);
  EXPECT_EQ(d.to_version, 11u);
}

TEST(RoutingDiffTest, FindsAddedRemovedAndChangedEntries) {
  RoutingTable a = Before();
  RoutingTable b = After();
  RoutingDiff d = Diff(a, b);
  EXPECT_EQ(d.from_version, 10u);
  EXPECT_EQ(d.to_version, 11u);
  std::map<std::string, std::optional<json>> expected = {
      {"topic/shop/old", std::nullopt},
      {"subscription/shop/gone", std::nullopt},
      {"topic/shop/new", b.entries().at("topic/shop/new")},
      {"subscription/shop/fresh", b.entries().at("subscription/shop/fresh")},
      {"subscription/shop/audit", b.entries().at("subscription/shop/audit")},
      {"endpoints/shop/auditor", b.entries().at("endpoints/shop/auditor")},
  };
  EXPECT_EQ(d.changes, expected);
}

TEST(RoutingDiffTest, ApplyingTheDiffReproducesTheTarget) {
  RoutingTable a = Before();
  RoutingTable b = After();
  auto applied = ApplyDiff(a, Diff(a, b));
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(applied->version(), b.version());
  EXPECT_EQ(applied->entries(), b.entries());
  EXPECT_EQ(applied->topics(), b.topics());
  EXPECT_EQ(applied->subscriptions(), b.subscriptions());
  EXPECT_EQ(applied->FindTopic("shop/old"), nullptr);
  ASSERT_EQ(applied->SubscriptionsOf("shop/new").size(), 1u);
  EXPECT_EQ(applied->FindSubscription("shop/audit")->spec.app_id, "ledger");
  EXPECT_EQ(applied->EndpointsOf("shop", "auditor").size(), 2u);
  // The base is left as it was.
  EXPECT_EQ(a.version(), 10u);
  EXPECT_NE(a.FindTopic("shop/old"), nullptr);
}

TEST(RoutingDiffTest, ApplyingARandomDiffReproducesTheTarget) {
  std::mt19937 rng(20240611);  // fixed seed: reproducible
  auto random_entries = [&rng]() {
    RoutingTable::Entries e;
    std::uniform_int_distribution<int> app(0, 19), replicas(0, 3);
    for (int i = 0; i < 12; ++i) {
      std::string id = "app" + std::to_string(app(rng));
      json list = json::array();
      int n = replicas(rng);
      for (int r = 0; r < n; ++r) {
        list.push_back({{"sidecarId", id + "-" + std::to_string(r)},
                        {"appId", id},
                        {"namespace", "ns"},
                        {"dataEndpoint", "tcp://h:" + std::to_string(r)}});
      }
      e[EndpointsEntryKey("ns", id)] = list;
    }
    return e;
  };
  uint64_t version = 1;
  RoutingTable current = *RoutingTable::FromEntries(version, random_entries());
  for (int round = 0; round < 200; ++round) {
    RoutingTable next = *RoutingTable::FromEntries(++version, random_entries());
    auto applied = ApplyDiff(current, Diff(current, next));
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    ASSERT_EQ(applied->entries(), next.entries()) << "round " << round;
    current = std::move(next);
  }
}

TEST(RoutingDiffTest, DiffAgainstAnotherBaseIsRejectedAsAGap) {
  RoutingTable a = Before();
  RoutingDiff d = Diff(a, After());  // 10 → 11
  RoutingTable older = *RoutingTable::FromEntries(9, a.entries());
  RoutingTable newer = *RoutingTable::FromEntries(11, a.entries());
  for (const RoutingTable* base : {&older, &newer}) {
    auto applied = ApplyDiff(*base, d);
    ASSERT_FALSE(applied.ok());
    EXPECT_EQ(applied.status().code(), StatusCode::kFailedPrecondition);
  }
}

TEST(RoutingDiffTest, DiffThatDoesNotMoveTheVersionForwardIsRejected) {
  RoutingTable a = Before();
  RoutingDiff same = Diff(a, *RoutingTable::FromEntries(10, After().entries()));
  EXPECT_EQ(ApplyDiff(a, same).status().code(), StatusCode::kInvalidArgument);
  RoutingDiff back = Diff(a, *RoutingTable::FromEntries(3, After().entries()));
  EXPECT_EQ(ApplyDiff(a, back).status().code(), StatusCode::kInvalidArgument);
}

TEST(RoutingDiffTest, EmptyDiffOnlyMovesTheVersion) {
  RoutingTable a = Before();
  RoutingDiff d;
  d.from_version = 10;
  d.to_version = 12;
  auto applied = ApplyDiff(a, d);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(applied->version(), 12u);
  EXPECT_EQ(applied->entries(), a.entries());
}

TEST(RoutingDiffTest, BadEntriesInADiffAreReportedAndTheRestApplies) {
  RoutingTable a = Before();
  RoutingDiff d;
  d.from_version = 10;
  d.to_version = 11;
  d.changes["topic/shop/bad"] = json("not a topic");
  d.changes["topic/shop/old"] = std::nullopt;
  d.changes["topic/shop/never-existed"] = std::nullopt;
  std::vector<Status> errors;
  auto applied = ApplyDiff(a, d, &errors);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(errors.size(), 1u);
  EXPECT_EQ(applied->FindTopic("shop/old"), nullptr);
  EXPECT_NE(applied->FindTopic("shop/orders"), nullptr);
}

TEST(RoutingDiffTest, JsonRoundTrip) {
  RoutingDiff d = Diff(Before(), After());
  json j = d.ToJson();
  EXPECT_EQ(j["from"], 10);
  EXPECT_EQ(j["to"], 11);
  EXPECT_TRUE(j["set"].is_object());
  EXPECT_EQ(j["removed"], json::array({"subscription/shop/gone", "topic/shop/old"}));
  auto back = RoutingDiff::FromJson(json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->from_version, d.from_version);
  EXPECT_EQ(back->to_version, d.to_version);
  EXPECT_EQ(back->changes, d.changes);
}

TEST(RoutingDiffTest, DecodedDiffAppliesLikeTheOriginal) {
  RoutingTable a = Before();
  RoutingTable b = After();
  auto decoded = RoutingDiff::FromJson(json::parse(Diff(a, b).ToJson().dump()));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  auto applied = ApplyDiff(a, *decoded);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(applied->entries(), b.entries());
}

TEST(RoutingDiffTest, SetAndRemovedMayBeAbsent) {
  auto d = RoutingDiff::FromJson(json::parse(R"({"from": 1, "to": 2})"));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->empty());
}

TEST(RoutingDiffTest, MalformedJsonIsAnError) {
  const char* cases[] = {
      "null",
      "[]",
      "7",
      "{}",
      R"({"to": 2})",
      R"({"from": 1})",
      R"({"from": -1, "to": 2})",
      R"({"from": 1, "to": 2.5})",
      R"({"from": "1", "to": 2})",
      R"({"from": 1, "to": 2, "set": []})",
      R"({"from": 1, "to": 2, "set": "x"})",
      R"({"from": 1, "to": 2, "removed": {}})",
      R"({"from": 1, "to": 2, "removed": [1]})",
      R"({"from": 1, "to": 2, "removed": ["ok", null]})",
  };
  for (const char* text : cases) {
    auto d = RoutingDiff::FromJson(json::parse(text));
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument) << text;
  }
}

TEST(RoutingDiffTest, KeyBothSetAndRemovedIsAnError) {
  // Diff never produces it; accepting it would make the outcome depend on decoding order.
  auto d =
      RoutingDiff::FromJson(json::parse(R"({"from": 1, "to": 2, "set": {"topic/a/b": {}}, "removed": ["topic/a/b"]})"));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace zroute
