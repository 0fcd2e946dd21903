#include "common/routing/resource_json.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "common/resources/resource_parser.h"

namespace zroute {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

Filter Leaf(Filter::Kind kind, std::map<std::string, std::string> attributes) {
  Filter f;
  f.kind = kind;
  f.attributes = std::move(attributes);
  return f;
}

Filter Node(Filter::Kind kind, std::vector<Filter> children) {
  Filter f;
  f.kind = kind;
  f.children = std::move(children);
  return f;
}

Topic FullTopic() {
  Topic t;
  t.meta.name = "orders";
  t.meta.namespace_ = "shop";
  t.meta.generation = 7;
  t.spec.partition_key_attribute = "orderid";
  t.spec.retention_max_age = 90min;
  t.spec.retention_max_bytes = 12345;
  t.spec.allowed_publishers = {"checkout", "admin"};
  t.spec.dead_letter_topic = "orders-dlq";
  t.spec.max_event_bytes = 4096;
  return t;
}

Subscription FullSubscription() {
  Subscription s;
  s.meta.name = "audit";
  s.meta.namespace_ = "shop";
  s.meta.generation = 2;
  s.spec.topic = "orders";
  s.spec.app_id = "auditor";
  s.spec.route = "/events/orders";
  s.spec.filters = {
      Leaf(Filter::Kind::kExact, {{"type", "order.created"}, {"source", "/checkout"}}),
      Leaf(Filter::Kind::kPrefix, {{"subject", "eu-"}}),
      Leaf(Filter::Kind::kSuffix, {{"type", ".v2"}}),
      Node(Filter::Kind::kAll,
           {Leaf(Filter::Kind::kExact, {{"a", "1"}}),
            Node(Filter::Kind::kAny, {Leaf(Filter::Kind::kPrefix, {{"b", "x"}}),
                                      Node(Filter::Kind::kNot, {Leaf(Filter::Kind::kSuffix, {{"c", "z"}})})})}),
  };
  s.spec.delivery.max_attempts = 9;
  s.spec.delivery.backoff = BackoffPolicy::kLinear;
  s.spec.delivery.initial_delay = 250ms;
  s.spec.delivery.max_delay = 90s;
  s.spec.delivery.attempt_timeout = 1500ms;
  s.spec.delivery.max_in_flight = 3;
  s.spec.delivery.ordered = false;
  s.spec.delivery.batch_max_events = 40;
  s.spec.dead_letter_topic = "audit-dlq";
  return s;
}

// The fields the routing JSON carries; server-side metadata (uid, resourceVersion, labels) stays home.
void ExpectSameRoutingFields(const ObjectMeta& a, const ObjectMeta& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.namespace_, b.namespace_);
  EXPECT_EQ(a.generation, b.generation);
}

TEST(ResourceJsonTest, TopicRoundTripsThroughTheParser) {
  Topic t = FullTopic();
  auto back = TopicFromJson(TopicToJson(t));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameRoutingFields(back->meta, t.meta);
  EXPECT_EQ(back->spec, t.spec);
}

TEST(ResourceJsonTest, DefaultTopicRoundTrips) {
  Topic t;
  t.meta.name = "plain";
  auto back = TopicFromJson(TopicToJson(t));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->spec, t.spec);
  EXPECT_EQ(back->meta.namespace_, "default");
}

TEST(ResourceJsonTest, UnlimitedRetentionRoundTrips) {
  Topic t = FullTopic();
  t.spec.retention_max_age = 0s;
  auto back = TopicFromJson(TopicToJson(t));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->spec.retention_max_age, 0s);
}

TEST(ResourceJsonTest, SubscriptionWithEveryFilterKindRoundTrips) {
  Subscription s = FullSubscription();
  auto back = SubscriptionFromJson(SubscriptionToJson(s));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameRoutingFields(back->meta, s.meta);
  EXPECT_EQ(back->spec, s.spec);
}

TEST(ResourceJsonTest, DefaultSubscriptionRoundTrips) {
  Subscription s;
  s.meta.name = "plain";
  s.spec.topic = "orders";
  s.spec.app_id = "consumer";
  auto back = SubscriptionFromJson(SubscriptionToJson(s));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->spec, s.spec);
}

TEST(ResourceJsonTest, ParsedYamlRoundTrips) {
  // What the operator does: YAML → structs → routing JSON → structs on the sidecar.
  ResourceSet set = ParseYamlDocuments(R"(
apiVersion: zroute.io/v1alpha1
kind: Subscription
metadata: {name: audit, namespace: shop}
spec:
  topic: orders
  appId: auditor
  filters:
    - any:
        - exact: {type: a}
        - not: {prefix: {source: /internal}}
  delivery: {maxAttempts: 3, backoff: linear, initialDelay: 1s, maxDelay: 2m, attemptTimeout: 250ms}
)",
                                       "sub.yaml");
  ASSERT_TRUE(set.errors.empty()) << set.errors[0].ToString();
  ASSERT_EQ(set.subscriptions.size(), 1u);
  auto back = SubscriptionFromJson(SubscriptionToJson(set.subscriptions[0]));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->spec, set.subscriptions[0].spec);
}

TEST(ResourceJsonTest, ObjectsHaveTheKubernetesShape) {
  json t = TopicToJson(FullTopic());
  EXPECT_EQ(t["apiVersion"], kApiVersion);
  EXPECT_EQ(t["kind"], "Topic");
  EXPECT_EQ(t["metadata"]["name"], "orders");
  EXPECT_EQ(t["metadata"]["namespace"], "shop");
  EXPECT_EQ(t["metadata"]["generation"], 7);
  EXPECT_EQ(t["spec"]["retention"]["maxAge"], "5400s");

  json s = SubscriptionToJson(FullSubscription());
  EXPECT_EQ(s["kind"], "Subscription");
  EXPECT_EQ(s["spec"]["delivery"]["initialDelay"], "250ms");
  EXPECT_EQ(s["spec"]["delivery"]["maxDelay"], "90s");
  EXPECT_EQ(s["spec"]["delivery"]["backoff"], "linear");
  EXPECT_EQ(s["spec"]["filters"].size(), 4u);
}

TEST(ResourceJsonTest, OptionalFieldsAreOmittedWhenUnset) {
  Topic t;
  t.meta.name = "plain";
  json j = TopicToJson(t);
  EXPECT_FALSE(j["metadata"].contains("generation"));
  EXPECT_FALSE(j["spec"].contains("deadLetterTopic"));
  Subscription s;
  s.meta.name = "plain";
  EXPECT_FALSE(SubscriptionToJson(s)["spec"].contains("deadLetterTopic"));
}

TEST(ResourceJsonTest, FilterJsonNamesItsDialect) {
  EXPECT_EQ(FilterToJson(Leaf(Filter::Kind::kExact, {{"type", "x"}})), json::parse(R"({"exact":{"type":"x"}})"));
  EXPECT_EQ(FilterToJson(Node(Filter::Kind::kNot, {Leaf(Filter::Kind::kSuffix, {{"s", "y"}})})),
            json::parse(R"({"not":{"suffix":{"s":"y"}}})"));
  EXPECT_EQ(FilterToJson(Node(Filter::Kind::kAll, {})), json::parse(R"({"all":[]})"));
}

TEST(ResourceJsonTest, FormatMillisPicksTheCoarsestExactUnit) {
  EXPECT_EQ(FormatMillis(0ms), "0s");
  EXPECT_EQ(FormatMillis(250ms), "250ms");
  EXPECT_EQ(FormatMillis(1000ms), "1s");
  EXPECT_EQ(FormatMillis(1500ms), "1500ms");
  EXPECT_EQ(FormatMillis(30000ms), "30s");
}

}  // namespace
}  // namespace zroute
