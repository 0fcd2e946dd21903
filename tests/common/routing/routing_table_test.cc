#include "common/routing/routing_table.h"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/resources/resource_parser.h"
#include "common/routing/resource_json.h"
#include "tests/common/routing/routing_test_util.h"

namespace zroute {
namespace {

using nlohmann::json;
using testing::MakeEndpoint;
using testing::MakeSubscription;
using testing::MakeTopic;

std::vector<std::string> Names(const std::vector<const Subscription*>& subs) {
  std::vector<std::string> out;
  for (const Subscription* s : subs) out.push_back(s->meta.Key());
  return out;
}

// Two namespaces, a topic with three subscriptions, a topic with one, a topic with none, and a
// subscription in another namespace whose topic has the same name.
RoutingTable SampleTable(uint64_t version = 5) {
  std::vector<Topic> topics = {MakeTopic("shop", "orders"), MakeTopic("shop", "payments"), MakeTopic("shop", "quiet"),
                               MakeTopic("lab", "orders")};
  std::vector<Subscription> subs = {
      MakeSubscription("shop", "zeta", "orders", "audit"),      MakeSubscription("shop", "alpha", "orders", "billing"),
      MakeSubscription("shop", "mid", "orders", "audit"),       MakeSubscription("shop", "pay", "payments", "billing"),
      MakeSubscription("lab", "experiment", "orders", "audit"),
  };
  std::map<std::string, std::vector<Endpoint>> endpoints = {
      {"shop/audit",
       {MakeEndpoint("shop", "audit", "audit-c"), MakeEndpoint("shop", "audit", "audit-a"),
        MakeEndpoint("shop", "audit", "audit-b")}},
      {"shop/billing", {MakeEndpoint("shop", "billing", "billing-1")}},
  };
  return RoutingTable::Build(version, topics, subs, endpoints);
}

TEST(RoutingTableTest, BuildFromParsedResources) {
  ResourceSet set = ParseYamlDocuments(R"(
apiVersion: zroute.io/v1alpha1
kind: Topic
metadata: {name: orders, namespace: shop}
spec: {partitionKeyAttribute: orderid}
---
apiVersion: zroute.io/v1alpha1
kind: Subscription
metadata: {name: audit, namespace: shop}
spec: {topic: orders, appId: auditor, route: /in}
)",
                                       "set.yaml");
  ASSERT_TRUE(set.errors.empty()) << set.errors[0].ToString();
  RoutingTable t = RoutingTable::Build(3, set.topics, set.subscriptions, {});
  EXPECT_EQ(t.version(), 3u);
  ASSERT_NE(t.FindTopic("shop/orders"), nullptr);
  EXPECT_EQ(t.FindTopic("shop/orders")->spec.partition_key_attribute, "orderid");
  ASSERT_NE(t.FindSubscription("shop/audit"), nullptr);
  EXPECT_EQ(t.FindSubscription("shop/audit")->spec.route, "/in");
  EXPECT_EQ(Names(t.SubscriptionsOf("shop/orders")), std::vector<std::string>{"shop/audit"});
}

TEST(RoutingTableTest, EntriesAreKeyedByKindNamespaceAndName) {
  RoutingTable t = SampleTable();
  EXPECT_EQ(TopicEntryKey("shop/orders"), "topic/shop/orders");
  EXPECT_EQ(SubscriptionEntryKey("shop/mid"), "subscription/shop/mid");
  EXPECT_EQ(EndpointsEntryKey("shop", "audit"), "endpoints/shop/audit");
  EXPECT_TRUE(t.entries().count("topic/shop/orders"));
  EXPECT_TRUE(t.entries().count("topic/lab/orders"));
  EXPECT_TRUE(t.entries().count("subscription/shop/mid"));
  EXPECT_TRUE(t.entries().count("endpoints/shop/audit"));
  EXPECT_EQ(t.entries().size(), 4u + 5u + 2u);
}

TEST(RoutingTableTest, FindTopicAndSubscription) {
  RoutingTable t = SampleTable();
  ASSERT_NE(t.FindTopic("lab/orders"), nullptr);
  EXPECT_EQ(t.FindTopic("lab/orders")->meta.namespace_, "lab");
  EXPECT_EQ(t.FindTopic("shop/missing"), nullptr);
  EXPECT_EQ(t.FindTopic("orders"), nullptr);  // keys carry the namespace
  ASSERT_NE(t.FindSubscription("shop/pay"), nullptr);
  EXPECT_EQ(t.FindSubscription("shop/pay")->spec.app_id, "billing");
  EXPECT_EQ(t.FindSubscription("lab/pay"), nullptr);
  EXPECT_EQ(t.topics().size(), 4u);
  EXPECT_EQ(t.subscriptions().size(), 5u);
}

TEST(RoutingTableTest, SubscriptionsOfListsOnlyThatTopicsSubscriptionsInNameOrder) {
  RoutingTable t = SampleTable();
  EXPECT_EQ(Names(t.SubscriptionsOf("shop/orders")), (std::vector<std::string>{"shop/alpha", "shop/mid", "shop/zeta"}));
  EXPECT_EQ(Names(t.SubscriptionsOf("shop/payments")), std::vector<std::string>{"shop/pay"});
  // Same topic name, other namespace: a subscription sees only its own namespace's topic.
  EXPECT_EQ(Names(t.SubscriptionsOf("lab/orders")), std::vector<std::string>{"lab/experiment"});
  EXPECT_TRUE(t.SubscriptionsOf("shop/quiet").empty());
  EXPECT_TRUE(t.SubscriptionsOf("shop/unknown").empty());
}

TEST(RoutingTableTest, SubscriptionsOfPointsIntoTheSameTable) {
  RoutingTable t = SampleTable();
  for (const Subscription* s : t.SubscriptionsOf("shop/orders")) EXPECT_EQ(s, t.FindSubscription(s->meta.Key()));
}

TEST(RoutingTableTest, CopyIndexesItsOwnSubscriptions) {
  // A copy must not keep pointers into the table it was copied from.
  auto original = std::make_unique<RoutingTable>(SampleTable());
  RoutingTable copy = *original;
  RoutingTable assigned;
  assigned = *original;
  original.reset();
  for (const RoutingTable* t : {&copy, &assigned}) {
    const auto& subs = t->SubscriptionsOf("shop/orders");
    ASSERT_EQ(subs.size(), 3u);
    for (const Subscription* s : subs) EXPECT_EQ(s, t->FindSubscription(s->meta.Key()));
    EXPECT_EQ(Names(subs), (std::vector<std::string>{"shop/alpha", "shop/mid", "shop/zeta"}));
  }
}

TEST(RoutingTableTest, MovedTableKeepsWorking) {
  RoutingTable source = SampleTable();
  RoutingTable moved = std::move(source);
  const auto& subs = moved.SubscriptionsOf("shop/orders");
  ASSERT_EQ(subs.size(), 3u);
  for (const Subscription* s : subs) EXPECT_EQ(s, moved.FindSubscription(s->meta.Key()));
}

TEST(RoutingTableTest, EndpointsOfAreSortedBySidecarId) {
  RoutingTable t = SampleTable();
  const auto& audit = t.EndpointsOf("shop", "audit");
  ASSERT_EQ(audit.size(), 3u);
  EXPECT_EQ(audit[0].sidecar_id, "audit-a");
  EXPECT_EQ(audit[1].sidecar_id, "audit-b");
  EXPECT_EQ(audit[2].sidecar_id, "audit-c");
  EXPECT_EQ(audit[1], MakeEndpoint("shop", "audit", "audit-b"));
  EXPECT_TRUE(t.EndpointsOf("lab", "audit").empty());
  EXPECT_TRUE(t.EndpointsOf("shop", "nobody").empty());
}

TEST(RoutingTableTest, EndpointsFromUnsortedEntriesAreSorted) {
  // A snapshot is raw entries; the lookup promises sidecar-id order whatever the sender did.
  auto item = [](const std::string& id) {
    return json{{"sidecarId", id}, {"appId", "audit"}, {"namespace", "shop"}, {"dataEndpoint", "tcp://" + id + ":1"}};
  };
  RoutingTable::Entries entries;
  entries["endpoints/shop/audit"] = json::array({item("c"), item("a"), item("b")});
  auto t = RoutingTable::FromEntries(1, entries);
  ASSERT_TRUE(t.ok());
  const auto& list = t->EndpointsOf("shop", "audit");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].sidecar_id, "a");
  EXPECT_EQ(list[1].sidecar_id, "b");
  EXPECT_EQ(list[2].sidecar_id, "c");
}

TEST(RoutingTableTest, FindEndpointAcrossServices) {
  RoutingTable t = SampleTable();
  ASSERT_NE(t.FindEndpoint("billing-1"), nullptr);
  EXPECT_EQ(t.FindEndpoint("billing-1")->app_id, "billing");
  ASSERT_NE(t.FindEndpoint("audit-c"), nullptr);
  EXPECT_EQ(t.FindEndpoint("audit-c")->data_endpoint, "tcp://audit-c.pods:3600");
  EXPECT_EQ(t.FindEndpoint("nobody"), nullptr);
}

TEST(RoutingTableTest, JsonRoundTripKeepsVersionEntriesAndLookups) {
  RoutingTable t = SampleTable(42);
  json j = t.ToJson();
  EXPECT_EQ(j["version"], 42);
  ASSERT_TRUE(j["entries"].is_object());
  // Through text, as it travels and as the cache stores it.
  auto back = RoutingTable::FromJson(json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->version(), 42u);
  EXPECT_EQ(back->entries(), t.entries());
  EXPECT_EQ(back->topics(), t.topics());
  EXPECT_EQ(back->subscriptions(), t.subscriptions());
  EXPECT_EQ(Names(back->SubscriptionsOf("shop/orders")), Names(t.SubscriptionsOf("shop/orders")));
  EXPECT_EQ(back->EndpointsOf("shop", "audit"), t.EndpointsOf("shop", "audit"));
  ASSERT_NE(back->FindEndpoint("audit-b"), nullptr);
}

TEST(RoutingTableTest, EmptyTableRoundTrips) {
  RoutingTable empty = RoutingTable::Build(1, {}, {}, {});
  auto back = RoutingTable::FromJson(empty.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->version(), 1u);
  EXPECT_TRUE(back->entries().empty());
  EXPECT_TRUE(back->SubscriptionsOf("shop/orders").empty());
}

TEST(RoutingTableTest, MalformedJsonIsAnError) {
  const char* cases[] = {
      "null",
      "[]",
      "\"table\"",
      "{}",
      R"({"entries": {}})",
      R"({"version": 1})",
      R"({"version": -1, "entries": {}})",
      R"({"version": 1.5, "entries": {}})",
      R"({"version": "1", "entries": {}})",
      R"({"version": 1, "entries": []})",
      R"({"version": 1, "entries": "x"})",
  };
  for (const char* text : cases) {
    auto t = RoutingTable::FromJson(json::parse(text));
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument) << text;
  }
}

TEST(RoutingTableTest, BadEntriesAreReportedAndTheRestIsUsable) {
  RoutingTable::Entries entries = SampleTable().entries();
  entries["topic/shop/broken"] = json{{"apiVersion", kApiVersion}, {"kind", "Topic"}};  // no metadata
  entries["subscription/shop/broken"] = json::array();
  entries["endpoints/shop/broken"] = json::object();
  entries["endpoints/shop/partly"] = json::array(
      {json{{"sidecarId", "ok-1"}, {"appId", "partly"}, {"namespace", "shop"}, {"dataEndpoint", "tcp://x:1"}},
       json{{"sidecarId", 7}}, json("not an object")});
  entries["mystery/thing"] = 1;
  std::vector<Status> errors;
  auto t = RoutingTable::FromEntries(9, entries, &errors);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(errors.size(), 6u);
  for (const Status& e : errors) EXPECT_NE(e.message().find("routing entry "), std::string::npos) << e.ToString();
  EXPECT_EQ(t->FindTopic("shop/broken"), nullptr);
  EXPECT_NE(t->FindTopic("shop/orders"), nullptr);
  EXPECT_EQ(t->SubscriptionsOf("shop/orders").size(), 3u);
  ASSERT_EQ(t->EndpointsOf("shop", "partly").size(), 1u);
  EXPECT_EQ(t->EndpointsOf("shop", "partly")[0].sidecar_id, "ok-1");
  // Entries are kept as given, so a later diff or snapshot comparison sees them.
  EXPECT_EQ(t->entries(), entries);
}

TEST(RoutingTableTest, FromJsonToleratesBadEntries) {
  json j = SampleTable().ToJson();
  j["entries"]["topic/shop/junk"] = "junk";
  auto t = RoutingTable::FromJson(j);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->FindTopic("shop/junk"), nullptr);
  EXPECT_NE(t->FindTopic("shop/orders"), nullptr);
}

TEST(RoutingTableTest, EntryWhoseKeyDisagreesWithItsResourceIsReported) {
  // "topic/shop/a" holding topic shop/b would make the key and the lookup disagree: a diff that
  // removes "topic/shop/b" would leave shop/b routable.
  RoutingTable::Entries entries;
  entries["topic/shop/a"] = TopicToJson(MakeTopic("shop", "b"));
  entries["subscription/shop/x"] = SubscriptionToJson(MakeSubscription("shop", "y", "b", "app"));
  std::vector<Status> errors;
  auto t = RoutingTable::FromEntries(1, entries, &errors);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(errors.size(), 2u);
  EXPECT_EQ(t->FindTopic("shop/a"), nullptr);
  EXPECT_EQ(t->FindTopic("shop/b"), nullptr);
  EXPECT_EQ(t->FindSubscription("shop/y"), nullptr);
}

}  // namespace
}  // namespace zroute
