#include "common/resources/resource_parser.h"

#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/common/resources/resource_errors.h"

namespace zroute {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using nlohmann::json;
using zroute::testing::Errors;

// Parses text that must hold exactly one valid resource of the kind asked.
template <typename T>
T ParseOne(const std::string& yaml, std::vector<T> ResourceSet::*member) {
  ResourceSet set = ParseYamlDocuments(yaml, "test.yaml");
  EXPECT_TRUE(set.errors.empty()) << Errors(set);
  EXPECT_EQ((set.*member).size(), 1u);
  return (set.*member).empty() ? T{} : (set.*member)[0];
}

// The single error of a text, or "" when it parsed.
std::string ErrorOf(const std::string& yaml) {
  ResourceSet set = ParseYamlDocuments(yaml, "test.yaml");
  EXPECT_EQ(set.errors.size(), 1u) << Errors(set);
  return set.errors.empty() ? "" : set.errors[0].message();
}

constexpr const char* kSubscriptionHeader =
    "apiVersion: zroute.io/v1alpha1\nkind: Subscription\nmetadata:\n  name: audit\n";

TEST(ResourceParserTest, ParsesEveryTopicField) {
  Topic t = ParseOne<Topic>(R"(
apiVersion: zroute.io/v1alpha1
kind: Topic
metadata:
  name: orders
  namespace: shop
  generation: 3
  resourceVersion: "12345"
  uid: 0b6c-11
  labels: {team: checkout}
  annotations: {note: hi}
  creationTimestamp: "2024-01-01T00:00:00Z"
spec:
  partitionKeyAttribute: orderid
  retention: {maxAge: 90m, maxBytes: 1000}
  allowedPublishers: [shop, admin]
  deadLetterTopic: orders-dlq
  maxEventBytes: 4096
)",
                            &ResourceSet::topics);
  EXPECT_EQ(t.meta.name, "orders");
  EXPECT_EQ(t.meta.namespace_, "shop");
  EXPECT_EQ(t.meta.generation, 3);
  EXPECT_EQ(t.meta.resource_version, "12345");
  EXPECT_EQ(t.meta.uid, "0b6c-11");
  EXPECT_EQ(t.meta.labels.at("team"), "checkout");
  EXPECT_EQ(t.meta.annotations.at("note"), "hi");
  EXPECT_EQ(t.spec.partition_key_attribute, "orderid");
  EXPECT_EQ(t.spec.retention_max_age, 90min);
  EXPECT_EQ(t.spec.retention_max_bytes, 1000);
  EXPECT_EQ(t.spec.allowed_publishers, (std::vector<std::string>{"shop", "admin"}));
  EXPECT_EQ(t.spec.dead_letter_topic, "orders-dlq");
  EXPECT_EQ(t.spec.max_event_bytes, 4096);
}

TEST(ResourceParserTest, TopicDefaultsEqualTheModel) {
  Topic t = ParseOne<Topic>("apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: orders}\n",
                            &ResourceSet::topics);
  EXPECT_EQ(t.meta.namespace_, "default");
  EXPECT_EQ(t.spec, TopicSpec{});
}

TEST(ResourceParserTest, ParsesEverySubscriptionField) {
  Subscription s = ParseOne<Subscription>(std::string(kSubscriptionHeader) + R"(
spec:
  topic: orders
  appId: audit
  route: /events/orders
  filters:
    - exact: {type: order.created, source: shop}
    - prefix: {subject: eu-}
    - suffix: {type: .v2}
    - all: [{exact: {a: "1"}}, {exact: {b: "2"}}]
    - any: [{exact: {a: "1"}}, {not: {exact: {b: "2"}}}]
    - not: {prefix: {type: debug.}}
  delivery:
    maxAttempts: 9
    backoff: linear
    initialDelay: 1s
    maxDelay: 1m
    attemptTimeout: 2500ms
    maxInFlight: 4
    ordered: false
    batch: {maxEvents: 50}
  deadLetterTopic: dead
)",
                                          &ResourceSet::subscriptions);
  EXPECT_EQ(s.spec.topic, "orders");
  EXPECT_EQ(s.spec.app_id, "audit");
  EXPECT_EQ(s.spec.route, "/events/orders");
  ASSERT_EQ(s.spec.filters.size(), 6u);
  EXPECT_EQ(s.spec.filters[0].kind, Filter::Kind::kExact);
  EXPECT_EQ(s.spec.filters[0].attributes, (std::map<std::string, std::string>{{"type", "order.created"},
                                                                               {"source", "shop"}}));
  EXPECT_EQ(s.spec.filters[1].kind, Filter::Kind::kPrefix);
  EXPECT_EQ(s.spec.filters[1].attributes.at("subject"), "eu-");
  EXPECT_EQ(s.spec.filters[2].kind, Filter::Kind::kSuffix);
  EXPECT_EQ(s.spec.filters[3].kind, Filter::Kind::kAll);
  EXPECT_EQ(s.spec.filters[3].children.size(), 2u);
  EXPECT_EQ(s.spec.filters[3].children[1].attributes.at("b"), "2");
  EXPECT_EQ(s.spec.filters[4].kind, Filter::Kind::kAny);
  EXPECT_EQ(s.spec.filters[4].children[1].kind, Filter::Kind::kNot);
  EXPECT_EQ(s.spec.filters[4].children[1].children.at(0).attributes.at("b"), "2");
  EXPECT_EQ(s.spec.filters[5].kind, Filter::Kind::kNot);
  ASSERT_EQ(s.spec.filters[5].children.size(), 1u);
  EXPECT_EQ(s.spec.filters[5].children[0].kind, Filter::Kind::kPrefix);
  const DeliveryPolicy& d = s.spec.delivery;
  EXPECT_EQ(d.max_attempts, 9);
  EXPECT_EQ(d.backoff, BackoffPolicy::kLinear);
  EXPECT_EQ(d.initial_delay, 1s);
  EXPECT_EQ(d.max_delay, 1min);
  EXPECT_EQ(d.attempt_timeout, 2500ms);
  EXPECT_EQ(d.max_in_flight, 4);
  EXPECT_FALSE(d.ordered);
  EXPECT_EQ(d.batch_max_events, 50);
  EXPECT_EQ(s.spec.dead_letter_topic, "dead");
}

TEST(ResourceParserTest, SubscriptionDefaultsEqualTheModel) {
  Subscription s = ParseOne<Subscription>(std::string(kSubscriptionHeader) + "spec: {topic: orders, appId: audit}\n",
                                          &ResourceSet::subscriptions);
  SubscriptionSpec expected;
  expected.topic = "orders";
  expected.app_id = "audit";
  EXPECT_EQ(s.spec, expected);
  // A partial delivery block keeps the defaults of the fields it leaves out.
  s = ParseOne<Subscription>(std::string(kSubscriptionHeader) +
                                 "spec: {topic: orders, appId: audit, delivery: {maxAttempts: 2}}\n",
                             &ResourceSet::subscriptions);
  DeliveryPolicy delivery;
  delivery.max_attempts = 2;
  EXPECT_EQ(s.spec.delivery, delivery);
}

TEST(ResourceParserTest, ParsesEveryScalingPolicyField) {
  ScalingPolicy p = ParseOne<ScalingPolicy>(R"(
apiVersion: zroute.io/v1alpha1
kind: ScalingPolicy
metadata: {name: billing}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: billing-db}
  appId: billing
  targetLagPerReplica: 50
  targetEventsPerSecondPerReplica: 12.5
  minReplicas: 0
  maxReplicas: 7
  activationLag: 3
  scaleUp: {stabilizationWindow: 30s}
  scaleDown: {stabilizationWindow: 10m}
  tolerance: 0.2
  mode: apply
)",
                                            &ResourceSet::scaling_policies);
  const ScalingPolicySpec& s = p.spec;
  EXPECT_EQ(s.scale_target_ref.api_version, "apps/v1");
  EXPECT_EQ(s.scale_target_ref.kind, "StatefulSet");
  EXPECT_EQ(s.scale_target_ref.name, "billing-db");
  EXPECT_EQ(s.app_id, "billing");
  EXPECT_DOUBLE_EQ(s.target_lag_per_replica, 50);
  EXPECT_DOUBLE_EQ(s.target_events_per_second_per_replica, 12.5);
  EXPECT_EQ(s.min_replicas, 0);
  EXPECT_EQ(s.max_replicas, 7);
  EXPECT_DOUBLE_EQ(s.activation_lag, 3);
  EXPECT_EQ(s.scale_up_stabilization, 30s);
  EXPECT_EQ(s.scale_down_stabilization, 10min);
  EXPECT_DOUBLE_EQ(s.tolerance, 0.2);
  EXPECT_EQ(s.mode, ScalingMode::kApply);
}

TEST(ResourceParserTest, ScalingPolicyDefaultsEqualTheModel) {
  ScalingPolicy p = ParseOne<ScalingPolicy>(
      "apiVersion: zroute.io/v1alpha1\nkind: ScalingPolicy\nmetadata: {name: b}\n"
      "spec: {scaleTargetRef: {name: billing}, appId: billing}\n",
      &ResourceSet::scaling_policies);
  ScalingPolicySpec expected;
  expected.scale_target_ref.name = "billing";
  expected.app_id = "billing";
  EXPECT_EQ(p.spec, expected);
}

TEST(ResourceParserTest, ErrorNamesOriginDocumentObjectAndField) {
  const std::string text = std::string("apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: orders}\n---\n") +
                           "apiVersion: zroute.io/v1alpha1\nkind: Subscription\n"
                           "metadata: {name: audit, namespace: shop}\n"
                           "spec: {topic: orders, appId: audit, delivery: {maxAttempts: 0}}\n";
  ResourceSet set = ParseYamlDocuments(text, "examples/demo.yaml");
  ASSERT_EQ(set.errors.size(), 1u);
  EXPECT_EQ(set.errors[0].code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(set.errors[0].message(),
            "examples/demo.yaml: document 2 (Subscription shop/audit): spec.delivery.maxAttempts: must be >= 1 (got 0)");
  EXPECT_EQ(set.topics.size(), 1u);
}

TEST(ResourceParserTest, InvalidDocumentDoesNotAffectTheOthers) {
  const std::string text =
      "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: orders}\n---\n"
      "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: Bad_Name}\n---\n"
      "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: payments}\n";
  ResourceSet set = ParseYamlDocuments(text, "f.yaml");
  ASSERT_EQ(set.topics.size(), 2u);
  EXPECT_EQ(set.topics[0].meta.name, "orders");
  EXPECT_EQ(set.topics[1].meta.name, "payments");
  ASSERT_EQ(set.errors.size(), 1u);
  EXPECT_THAT(set.errors[0].message(), HasSubstr("document 2 (Topic default/Bad_Name): metadata.name"));
}

TEST(ResourceParserTest, UnknownFieldsAreRejectedWithTheirPath) {
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a, delivery: {maxAttempt: 3}}\n"),
              HasSubstr("spec.delivery.maxAttempt: unknown field"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) +
                      "spec: {topic: o, appId: a, delivery: {batch: {maxEvents: 5, maxDelay: 1s}}}\n"),
              HasSubstr("spec.delivery.batch.maxDelay: unknown field"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a, rout: /x}\n"),
              HasSubstr("spec.rout: unknown field"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a}\nspecs: {}\n"),
              HasSubstr("specs: unknown field"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) +
                      "spec: {topic: o, appId: a, filters: [{all: [{exakt: {type: x}}]}]}\n"),
              HasSubstr("spec.filters[0].all[0].exakt: unknown field"));
  EXPECT_THAT(ErrorOf("apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: t}\n"
                      "spec: {retention: {maxage: 1h}}\n"),
              HasSubstr("spec.retention.maxage: unknown field"));
  EXPECT_THAT(ErrorOf("apiVersion: zroute.io/v1alpha1\nkind: ScalingPolicy\nmetadata: {name: p}\n"
                      "spec: {scaleTargetRef: {name: b, namespace: x}, appId: b}\n"),
              HasSubstr("spec.scaleTargetRef.namespace: unknown field"));
}

TEST(ResourceParserTest, WrongTypesNameTheField) {
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a, delivery: {maxAttempts: \"3\"}}\n"),
              HasSubstr("spec.delivery.maxAttempts: must be an integer, not string"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a, delivery: {maxAttempts: 2.5}}\n"),
              HasSubstr("spec.delivery.maxAttempts: must be an integer"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: [o], appId: a}\n"),
              HasSubstr("spec.topic: must be a string, not array"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a, delivery: {ordered: yes}}\n"),
              HasSubstr("spec.delivery.ordered: must be a boolean"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a, delivery: {batch: 5}}\n"),
              HasSubstr("spec.delivery.batch: must be an object"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) +
                      "spec: {topic: o, appId: a, delivery: {batch: {maxEvents: \"10\"}}}\n"),
              HasSubstr("spec.delivery.batch.maxEvents: must be an integer, not string"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) +
                      "spec: {topic: o, appId: a, delivery: {batch: {maxEvents: 1001}}}\n"),
              HasSubstr("spec.delivery.batch.maxEvents"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) +
                      "spec: {topic: o, appId: a, delivery: {batch: {maxEvents: 99999999999999999999}}}\n"),
              HasSubstr("spec.delivery.batch.maxEvents"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a, delivery: {initialDelay: 5}}\n"),
              HasSubstr("spec.delivery.initialDelay: must be a string"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a, delivery: {maxDelay: 5 min}}\n"),
              HasSubstr("spec.delivery.maxDelay: invalid duration \"5 min\""));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a, delivery: {backoff: cubic}}\n"),
              HasSubstr("spec.delivery.backoff: must be \"linear\" or \"exponential\""));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a, delivery: 5}\n"),
              HasSubstr("spec.delivery: must be an object"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: [1]\n"), HasSubstr("spec: must be an object"));
  EXPECT_THAT(ErrorOf("apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: t}\n"
                      "spec: {retention: {maxBytes: 99999999999999999999}}\n"),
              HasSubstr("spec.retention.maxBytes"));
  EXPECT_THAT(ErrorOf("apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: t}\n"
                      "spec: {retention: {maxAge: 1500ms}}\n"),
              HasSubstr("spec.retention.maxAge: invalid duration \"1500ms\": not a whole number of seconds"));
  EXPECT_THAT(ErrorOf("apiVersion: zroute.io/v1alpha1\nkind: ScalingPolicy\nmetadata: {name: p}\n"
                      "spec: {scaleTargetRef: {name: b}, appId: b, tolerance: .nan}\n"),
              HasSubstr("spec.tolerance: must be a finite number"));
  EXPECT_THAT(ErrorOf("apiVersion: zroute.io/v1alpha1\nkind: ScalingPolicy\nmetadata: {name: p}\n"
                      "spec: {scaleTargetRef: {name: b}, appId: b, mode: auto}\n"),
              HasSubstr("spec.mode: must be \"hint\" or \"apply\""));
  EXPECT_THAT(ErrorOf("apiVersion: zroute.io/v1alpha1\nkind: ScalingPolicy\nmetadata: {name: p}\n"
                      "spec: {scaleTargetRef: {name: b}, appId: b, maxReplicas: 99999999999}\n"),
              HasSubstr("spec.maxReplicas: out of range"));
}

TEST(ResourceParserTest, FilterShapeErrorsNameThePath) {
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) +
                      "spec: {topic: o, appId: a, filters: [{exact: {type: x}, prefix: {type: y}}]}\n"),
              HasSubstr("spec.filters[0]: must set exactly one of exact, prefix, suffix, all, any, not"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a, filters: [{}]}\n"),
              HasSubstr("spec.filters[0]: must set exactly one"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a, filters: [x]}\n"),
              HasSubstr("spec.filters[0]: must be an object, not string"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a, filters: {exact: {a: b}}}\n"),
              HasSubstr("spec.filters: must be a list"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a, filters: [{any: {a: b}}]}\n"),
              HasSubstr("spec.filters[0].any: must be a list"));
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a, filters: [{exact: {a: 1}}]}\n"),
              HasSubstr("spec.filters[0].exact.a: must be a string, not integer"));
}

TEST(ResourceParserTest, DeeplyNestedFiltersAreRejected) {
  std::string filter = "{exact: {type: x}}";
  for (int i = 0; i < 20; ++i) filter = "{not: " + filter + "}";
  EXPECT_THAT(ErrorOf(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a, filters: [" + filter + "]}\n"),
              HasSubstr("filters nest deeper than 8 levels"));
  std::string ok = "{exact: {type: x}}";
  for (int i = 0; i < 7; ++i) ok = "{any: [" + ok + "]}";
  ResourceSet set =
      ParseYamlDocuments(std::string(kSubscriptionHeader) + "spec: {topic: o, appId: a, filters: [" + ok + "]}\n", "f");
  EXPECT_TRUE(set.errors.empty()) << Errors(set);
}

TEST(ResourceParserTest, OtherKindsAreSkipped) {
  ResourceSet set = ParseYamlDocuments(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: billing}
spec: {replicas: 1, whatever: true}
---
apiVersion: v1
kind: Service
metadata: {name: billing}
---
apiVersion: example.com/v1
kind: Topic
metadata: {name: other-group}
)",
                                       "f.yaml");
  EXPECT_TRUE(set.errors.empty()) << Errors(set);
  EXPECT_TRUE(set.topics.empty());
}

TEST(ResourceParserTest, UnknownZrouteKindOrVersionIsAnError) {
  EXPECT_THAT(ErrorOf("apiVersion: zroute.io/v1alpha1\nkind: Topik\nmetadata: {name: t}\n"),
              HasSubstr("kind: \"Topik\" is not a zroute.io kind"));
  EXPECT_THAT(ErrorOf("apiVersion: zroute.io/v2\nkind: Topic\nmetadata: {name: t}\n"),
              HasSubstr("apiVersion: \"zroute.io/v2\" is not served"));
}

TEST(ResourceParserTest, DocumentsWithoutTypeInformationAreErrors) {
  EXPECT_THAT(ErrorOf("just a string\n"), HasSubstr("test.yaml: document 1: must be a mapping"));
  EXPECT_THAT(ErrorOf("- a\n- b\n"), HasSubstr("must be a mapping with apiVersion and kind, not array"));
  EXPECT_THAT(ErrorOf("kind: Topic\nmetadata: {name: t}\n"), HasSubstr("apiVersion: required"));
  EXPECT_THAT(ErrorOf("apiVersion: zroute.io/v1alpha1\nmetadata: {name: t}\n"), HasSubstr("kind: required"));
  EXPECT_THAT(ErrorOf("apiVersion: zroute.io/v1alpha1\nkind: Topic\n"), HasSubstr("metadata: required"));
  EXPECT_THAT(ErrorOf("apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {namespace: x}\n"),
              HasSubstr("(Topic x/<unnamed>): metadata.name: required"));
}

TEST(ResourceParserTest, EmptyDocumentsAndCommentsAreIgnored) {
  ResourceSet set = ParseYamlDocuments("# only a comment\n---\n---\n", "f.yaml");
  EXPECT_TRUE(set.errors.empty()) << Errors(set);
  set = ParseYamlDocuments("", "f.yaml");
  EXPECT_TRUE(set.errors.empty()) << Errors(set);
}

TEST(ResourceParserTest, ListsAreUnpacked) {
  ResourceSet set = ParseYamlDocuments(R"(
apiVersion: v1
kind: List
items:
  - {apiVersion: zroute.io/v1alpha1, kind: Topic, metadata: {name: a}}
  - {apiVersion: zroute.io/v1alpha1, kind: Topic, metadata: {name: B}}
)",
                                       "list.yaml");
  ASSERT_EQ(set.topics.size(), 1u);
  ASSERT_EQ(set.errors.size(), 1u);
  EXPECT_THAT(set.errors[0].message(), HasSubstr("list.yaml: document 1 items[1] (Topic default/B)"));
}

TEST(ResourceParserTest, DuplicateObjectsAreRejected) {
  ResourceSet set = ParseYamlDocuments(
      "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: a}\n---\n"
      "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: a, namespace: default}\n---\n"
      "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: a, namespace: other}\n",
      "f.yaml");
  EXPECT_EQ(set.topics.size(), 2u);
  ASSERT_EQ(set.errors.size(), 1u);
  EXPECT_EQ(set.errors[0].code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(set.errors[0].message(), HasSubstr("document 2"));
  EXPECT_THAT(set.errors[0].message(), HasSubstr("already defined by f.yaml: document 1"));
}

TEST(ResourceParserTest, MalformedYamlKeepsEarlierDocuments) {
  ResourceSet set = ParseYamlDocuments(
      "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: a}\n---\n"
      "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: [b\n",
      "broken.yaml");
  EXPECT_EQ(set.topics.size(), 1u);
  ASSERT_EQ(set.errors.size(), 1u);
  EXPECT_THAT(set.errors[0].message(), HasSubstr("broken.yaml: document 2: line"));
}

TEST(ResourceParserTest, HostileYamlGivesErrorsNotCrashes) {
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 9; ++i) {
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) bomb += std::string(j ? ", " : "") + "*a" + std::to_string(i - 1);
    bomb += "]\n";
  }
  ResourceSet set = ParseYamlDocuments("apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: t}\n" + bomb,
                                       "bomb.yaml");
  ASSERT_EQ(set.errors.size(), 1u);
  EXPECT_EQ(set.errors[0].code(), StatusCode::kTooLarge);

  set = ParseYamlDocuments(std::string(100000, '['), "deep.yaml");
  ASSERT_EQ(set.errors.size(), 1u);
  EXPECT_THAT(set.errors[0].message(), HasSubstr("deep.yaml: document 1"));

  set = ParseYamlDocuments(std::string(9 << 20, '#'), "huge.yaml");
  ASSERT_EQ(set.errors.size(), 1u);
  EXPECT_EQ(set.errors[0].code(), StatusCode::kTooLarge);

  set = ParseYamlDocuments(std::string("\x00\xff\xfe{[:", 7), "binary.yaml");
  EXPECT_TRUE(set.topics.empty());
}

TEST(ResourceParserTest, FromJsonParsesApiObjects) {
  json object = json::parse(R"({
    "apiVersion": "zroute.io/v1alpha1", "kind": "Subscription",
    "metadata": {"name": "audit", "namespace": "shop", "generation": 4, "resourceVersion": "77",
                 "uid": "u-1", "managedFields": [{"manager": "kubectl"}], "finalizers": ["x"]},
    "spec": {"topic": "orders", "appId": "audit", "route": "/",
             "delivery": {"maxAttempts": 5, "backoff": "exponential", "initialDelay": "200ms",
                          "maxDelay": "30s", "attemptTimeout": "30s", "maxInFlight": 32, "ordered": true}},
    "status": {"lag": 12, "conditions": []}
  })");
  auto parsed = SubscriptionFromJson(object);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->meta.Key(), "shop/audit");
  EXPECT_EQ(parsed->meta.generation, 4);
  EXPECT_EQ(parsed->meta.resource_version, "77");
  EXPECT_EQ(parsed->spec.topic, "orders");

  object["spec"]["delivery"]["maxDelay"] = "100ms";
  parsed = SubscriptionFromJson(object);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "Subscription shop/audit: spec.delivery.maxDelay: must be >= initialDelay (200ms), got 100ms");
}

TEST(ResourceParserTest, FromJsonChecksKindAndVersion) {
  json topic = {{"apiVersion", "zroute.io/v1alpha1"}, {"kind", "Topic"}, {"metadata", {{"name", "t"}}}};
  EXPECT_TRUE(TopicFromJson(topic).ok());
  EXPECT_FALSE(SubscriptionFromJson(topic).ok());
  EXPECT_FALSE(ScalingPolicyFromJson(topic).ok());
  topic["apiVersion"] = "zroute.io/v1";
  EXPECT_THAT(TopicFromJson(topic).status().message(), HasSubstr("apiVersion: must be zroute.io/v1alpha1"));
  EXPECT_FALSE(TopicFromJson(json::array()).ok());
  EXPECT_FALSE(TopicFromJson(json("Topic")).ok());
}

}  // namespace
}  // namespace zroute
