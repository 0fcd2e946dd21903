#include "operator/ctl/resources_view.h"

#include <gtest/gtest.h>

#include <map>

namespace zroute::ctl {
namespace {

Topic MakeTopic(const std::string& name, const std::string& dlq = "") {
  Topic t;
  t.meta.name = name;
  t.spec.dead_letter_topic = dlq;
  return t;
}

Subscription MakeSubscription(const std::string& name, const std::string& topic, const std::string& app,
                              const std::string& dlq = "") {
  Subscription s;
  s.meta.name = name;
  s.spec.topic = topic;
  s.spec.app_id = app;
  s.spec.dead_letter_topic = dlq;
  return s;
}

Endpoint MakeEndpoint(const std::string& id, const std::string& app, bool draining) {
  Endpoint e;
  e.sidecar_id = id;
  e.app_id = app;
  e.namespace_ = "default";
  e.data_endpoint = "tcp://127.0.0.1:1";
  e.draining = draining;
  return e;
}

nlohmann::json Table() {
  return RoutingTable::Build(7, {MakeTopic("orders", "orders-dlq"), MakeTopic("orders-dlq")},
                             {MakeSubscription("billing-orders", "orders", "billing"),
                              MakeSubscription("audit-orders", "orders", "audit", "audit-dlq"),
                              MakeSubscription("lost", "gone", "billing")},
                             {{"default/billing",
                               {MakeEndpoint("b1", "billing", false), MakeEndpoint("b2", "billing", true)}}})
      .ToJson();
}

TEST(ResourcesView, DerivesReadyReplicasLagAndStatus) {
  const nlohmann::json sidecars = nlohmann::json::parse(R"([
    {"sidecarId": "s1", "load": {"subscriptions": [
      {"subscription": "default/billing-orders", "lag": 10, "inFlight": 2},
      {"subscription": "default/audit-orders", "lag": 1, "inFlight": 0}]}},
    {"sidecarId": "s2", "load": {"subscriptions": [
      {"subscription": "default/billing-orders", "lag": 5, "inFlight": 1}]}}])");
  auto view = BuildResourcesView(Table(), sidecars);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_EQ(view->table_version, 7u);
  ASSERT_EQ(view->subscriptions.size(), 3u);
  std::map<std::string, SubscriptionRow> by_name;
  for (const auto& s : view->subscriptions) by_name[s.name] = s;
  const SubscriptionRow& billing = by_name["billing-orders"];
  EXPECT_EQ(billing.ready_replicas, 1);
  EXPECT_EQ(billing.draining_replicas, 1);
  EXPECT_EQ(billing.lag, 18u);  // (10 + 2) + (5 + 1)
  EXPECT_EQ(billing.in_flight, 3u);
  EXPECT_EQ(billing.status, "Ready");
  EXPECT_EQ(billing.dead_letter_topic, "orders-dlq");  // the topic's default
  EXPECT_EQ(by_name["audit-orders"].status, "NoReadyReplicas");
  EXPECT_EQ(by_name["audit-orders"].dead_letter_topic, "audit-dlq");  // its own wins
  EXPECT_EQ(by_name["lost"].status, "TopicMissing");
  ASSERT_EQ(view->topics.size(), 2u);
  EXPECT_EQ(view->topics[0].name, "orders");
  EXPECT_EQ(view->topics[0].subscriptions, 2);
  EXPECT_EQ(view->topics[0].lag, 19u);
  EXPECT_EQ(view->topics[1].subscriptions, 0);
}

TEST(ResourcesView, MalformedLoadReportsAreSkippedNotFatal) {
  const nlohmann::json sidecars = nlohmann::json::parse(R"([
    1, "x", null, {"load": 3}, {"load": {"subscriptions": {}}},
    {"load": {"subscriptions": [7, {"subscription": 9}, {"subscription": "default/billing-orders",
      "lag": -5, "inFlight": "many"}, {"subscription": "default/billing-orders", "lag": 1e300, "inFlight": 2.7}]}}])");
  auto view = BuildResourcesView(Table(), sidecars);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  for (const auto& s : view->subscriptions) {
    if (s.name == "billing-orders") {
      EXPECT_EQ(s.lag, 2u);
      EXPECT_EQ(s.in_flight, 2u);
    }
  }
}

TEST(ResourcesView, ATableThatIsNotOneIsAnError) {
  EXPECT_FALSE(BuildResourcesView(nlohmann::json::array(), nlohmann::json::array()).ok());
  EXPECT_FALSE(BuildResourcesView(nlohmann::json{{"version", -1}, {"entries", {}}}, nlohmann::json::array()).ok());
  EXPECT_FALSE(BuildResourcesView(Table(), nlohmann::json::object()).ok());
}

}  // namespace
}  // namespace zroute::ctl
