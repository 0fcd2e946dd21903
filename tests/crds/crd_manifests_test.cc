// The CRDs against real documents: the examples validate, the CRD defaults equal the parser's
// (resource_model.h) defaults, and the schema and the parser agree on invalid documents.
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/resources/resource_parser.h"
#include "common/resources/yaml_to_json.h"
#include "tests/crds/crd_test_util.h"
#include "tests/support/openapi_schema_validator.h"

namespace zroute::testing {
namespace {

using nlohmann::json;

class CrdManifestsTest : public ::testing::Test {
 protected:
  // Schema errors of one object after defaulting, as the API server would report them.
  std::vector<std::string> SchemaErrors(const json& object) {
    const Crd* crd = FindCrd(crds_, object.value("apiVersion", ""), object.value("kind", ""));
    EXPECT_NE(crd, nullptr) << object.dump();
    if (crd == nullptr) return {"no CRD"};
    return ValidateAgainstSchema(crd->Schema(), ApplyDefaults(crd->Schema(), object));
  }
  json Defaulted(const json& object) {
    const Crd* crd = FindCrd(crds_, object["apiVersion"], object["kind"]);
    EXPECT_NE(crd, nullptr);
    return crd ? ApplyDefaults(crd->Schema(), object) : object;
  }

  std::vector<Crd> crds_ = LoadCrds();
};

TEST_F(CrdManifestsTest, EveryExampleDocumentValidatesAgainstItsCrd) {
  size_t validated = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(SourceDir() + "/examples")) {
    const std::string ext = entry.path().extension().string();
    if (!entry.is_regular_file() || (ext != ".yaml" && ext != ".yml")) continue;
    const std::vector<json> docs = LoadYamlFile(entry.path().string());
    for (size_t i = 0; i < docs.size(); ++i) {
      const json& doc = docs[i];
      if (!doc.is_object() || !doc.contains("apiVersion") || !doc.contains("kind")) continue;
      if (FindCrd(crds_, doc["apiVersion"], doc["kind"]) == nullptr) continue;  // not a zroute kind
      ++validated;
      EXPECT_THAT(SchemaErrors(doc), ::testing::IsEmpty()) << entry.path() << " document " << i + 1;
    }
  }
  EXPECT_GE(validated, 6u);  // the demo's two topics, three subscriptions and one scaling policy
}

TEST_F(CrdManifestsTest, CrdDefaultsEqualModelDefaults) {
  const json topic = {{"apiVersion", "zroute.io/v1alpha1"}, {"kind", "Topic"}, {"metadata", {{"name", "t"}}}};
  auto parsed_topic = TopicFromJson(Defaulted(topic));
  ASSERT_TRUE(parsed_topic.ok()) << parsed_topic.status();
  EXPECT_EQ(parsed_topic->spec, TopicSpec{});
  EXPECT_TRUE(Defaulted(topic).contains("spec"));  // the API server would fill spec in

  const json subscription = {{"apiVersion", "zroute.io/v1alpha1"},
                             {"kind", "Subscription"},
                             {"metadata", {{"name", "s"}}},
                             {"spec", {{"topic", "orders"}, {"appId", "audit"}}}};
  const json defaulted = Defaulted(subscription);
  ASSERT_TRUE(defaulted["spec"].contains("delivery"));  // nested defaults reach the leaves
  EXPECT_EQ(defaulted["spec"]["delivery"].size(), 8u);
  EXPECT_EQ(defaulted["spec"]["delivery"]["batch"], json({{"maxEvents", 1}}));
  auto parsed_subscription = SubscriptionFromJson(defaulted);
  ASSERT_TRUE(parsed_subscription.ok()) << parsed_subscription.status();
  SubscriptionSpec expected_subscription;
  expected_subscription.topic = "orders";
  expected_subscription.app_id = "audit";
  EXPECT_EQ(parsed_subscription->spec, expected_subscription);

  const json policy = {{"apiVersion", "zroute.io/v1alpha1"},
                       {"kind", "ScalingPolicy"},
                       {"metadata", {{"name", "p"}}},
                       {"spec", {{"scaleTargetRef", {{"name", "billing"}}}, {"appId", "billing"}}}};
  auto parsed_policy = ScalingPolicyFromJson(Defaulted(policy));
  ASSERT_TRUE(parsed_policy.ok()) << parsed_policy.status();
  ScalingPolicySpec expected_policy;
  expected_policy.scale_target_ref.name = "billing";
  expected_policy.app_id = "billing";
  EXPECT_EQ(parsed_policy->spec, expected_policy);
}

// Documents the schema alone rejects (no CEL needed); the parser must reject them too, so that
// standalone mode is no more lenient than a cluster.
TEST_F(CrdManifestsTest, SchemaAndParserRejectTheSameDocuments) {
  const std::string subscription = "apiVersion: zroute.io/v1alpha1\nkind: Subscription\nmetadata: {name: s}\n";
  const std::string topic = "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: t}\n";
  const std::string policy = "apiVersion: zroute.io/v1alpha1\nkind: ScalingPolicy\nmetadata: {name: p}\n";
  const std::vector<std::string> invalid = {
      subscription + "spec: {appId: a}\n",
      subscription + "spec: {topic: o}\n",
      subscription + "spec: {topic: Orders, appId: a}\n",
      subscription + "spec: {topic: o, appId: a, route: events}\n",
      subscription + "spec: {topic: o, appId: a, route: /a b}\n",
      subscription + "spec: {topic: o, appId: a, unknown: 1}\n",
      subscription + "spec: {topic: o, appId: a, delivery: {maxAttempts: 0}}\n",
      subscription + "spec: {topic: o, appId: a, delivery: {maxAttempts: 101}}\n",
      subscription + "spec: {topic: o, appId: a, delivery: {backoff: cubic}}\n",
      subscription + "spec: {topic: o, appId: a, delivery: {initialDelay: 5}}\n",
      subscription + "spec: {topic: o, appId: a, delivery: {initialDelay: -5s}}\n",
      subscription + "spec: {topic: o, appId: a, delivery: {maxDelay: 1 m}}\n",
      subscription + "spec: {topic: o, appId: a, delivery: {maxInFlight: 0}}\n",
      subscription + "spec: {topic: o, appId: a, delivery: {batch: {maxEvents: 0}}}\n",
      subscription + "spec: {topic: o, appId: a, delivery: {batch: {maxEvents: 1001}}}\n",
      subscription + "spec: {topic: o, appId: a, delivery: {batch: {size: 2}}}\n",
      subscription + "spec: {topic: o, appId: a, delivery: {attemptTimeout: 000000000000000000000000000000001s}}\n",
      subscription + "spec: {topic: o, appId: a, delivery: {ordered: \"true\"}}\n",
      subscription + "spec: {topic: o, appId: a, filters: [{exact: {}}]}\n",
      subscription + "spec: {topic: o, appId: a, filters: [{exact: {type: \"\"}}]}\n",
      subscription + "spec: {topic: o, appId: a, filters: [{all: []}]}\n",
      subscription + "spec: {topic: o, appId: a, filters: [{regex: {type: x}}]}\n",
      subscription + "spec: {topic: o, appId: a, deadLetterTopic: DLQ}\n",
      topic + "spec: {partitionKeyAttribute: Order_Id}\n",
      topic + "spec: {retention: {maxAge: 1d}}\n",
      topic + "spec: {retention: {maxBytes: -1}}\n",
      topic + "spec: {allowedPublishers: [a, a]}\n",
      topic + "spec: {allowedPublishers: [A]}\n",
      topic + "spec: {maxEventBytes: 0}\n",
      topic + "spec: {maxEventBytes: 67108865}\n",
      policy + "spec: {appId: b}\n",
      policy + "spec: {scaleTargetRef: {name: b}}\n",
      policy + "spec: {scaleTargetRef: {name: B}, appId: b}\n",
      policy + "spec: {scaleTargetRef: {name: b}, appId: b, targetLagPerReplica: 0}\n",
      policy + "spec: {scaleTargetRef: {name: b}, appId: b, minReplicas: -1}\n",
      policy + "spec: {scaleTargetRef: {name: b}, appId: b, maxReplicas: 0, minReplicas: 0}\n",
      policy + "spec: {scaleTargetRef: {name: b}, appId: b, tolerance: 2}\n",
      policy + "spec: {scaleTargetRef: {name: b}, appId: b, mode: auto}\n",
      policy + "spec: {scaleTargetRef: {name: b}, appId: b, activationLag: -1}\n",
  };
  for (const std::string& text : invalid) {
    SCOPED_TRACE(text);
    YamlDocuments docs = YamlToJson(text);
    ASSERT_TRUE(docs.error.ok()) << docs.error;
    ASSERT_EQ(docs.documents.size(), 1u);
    EXPECT_THAT(SchemaErrors(docs.documents[0]), ::testing::Not(::testing::IsEmpty()));
    EXPECT_EQ(ParseYamlDocuments(text, "t.yaml").errors.size(), 1u);
  }
}

TEST_F(CrdManifestsTest, FullyPopulatedDocumentsPassBoth) {
  const std::string text = R"(
apiVersion: zroute.io/v1alpha1
kind: Subscription
metadata: {name: s, namespace: shop}
spec:
  topic: orders
  appId: audit
  route: /events/orders
  filters:
    - exact: {type: order.created}
    - any: [{prefix: {subject: eu-}}, {not: {suffix: {type: .debug}}}]
  delivery: {maxAttempts: 3, backoff: linear, initialDelay: 1s, maxDelay: 1m, attemptTimeout: 5s, maxInFlight: 8, ordered: false, batch: {maxEvents: 20}}
  deadLetterTopic: orders-dlq
status:
  observedGeneration: 2
  readyReplicas: 3
  lag: 10
  delivered: 1000
  deadLettered: 1
  conditions:
    - {type: Ready, status: "True", lastTransitionTime: "2024-01-01T00:00:00Z", reason: Routed, message: ok, observedGeneration: 2}
---
apiVersion: zroute.io/v1alpha1
kind: ScalingPolicy
metadata: {name: p}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: billing}
  appId: billing
  targetLagPerReplica: 50
  targetEventsPerSecondPerReplica: 20.5
  minReplicas: 0
  maxReplicas: 5
  activationLag: 1
  scaleUp: {stabilizationWindow: 15s}
  scaleDown: {stabilizationWindow: 5m}
  tolerance: 0.05
  mode: apply
status:
  observedGeneration: 1
  recommendedReplicas: 2
  lastScaleTime: "2024-01-01T00:00:00Z"
  inputs: {lag: 80, eventsPerSecond: 12.5, currentReplicas: 1, readyReplicas: 1}
---
apiVersion: zroute.io/v1alpha1
kind: Topic
metadata: {name: orders}
spec:
  partitionKeyAttribute: orderid
  retention: {maxAge: "0", maxBytes: 0}  # a plain 0 would be an integer
  allowedPublishers: [shop, admin]
  deadLetterTopic: orders-dlq
  maxEventBytes: 1024
status:
  publishers: [shop]
  conditions: []
)";
  YamlDocuments docs = YamlToJson(text);
  ASSERT_TRUE(docs.error.ok()) << docs.error;
  for (const json& doc : docs.documents) EXPECT_THAT(SchemaErrors(doc), ::testing::IsEmpty()) << doc["kind"];
  ResourceSet set = ParseYamlDocuments(text, "t.yaml");
  EXPECT_TRUE(set.errors.empty()) << (set.errors.empty() ? "" : set.errors[0].ToString());
  EXPECT_EQ(set.subscriptions.size() + set.scaling_policies.size() + set.topics.size(), 3u);
}

TEST_F(CrdManifestsTest, DuplicateConditionTypesAreRejectedBySchema) {
  json topic = {{"apiVersion", "zroute.io/v1alpha1"}, {"kind", "Topic"}, {"metadata", {{"name", "t"}}}};
  json condition = {{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", "2024-01-01T00:00:00Z"},
                    {"reason", "Ok"}, {"message", ""}};
  topic["status"]["conditions"] = json::array({condition, condition});
  EXPECT_THAT(SchemaErrors(topic), ::testing::Contains(::testing::HasSubstr("duplicate entry")));
}

}  // namespace
}  // namespace zroute::testing
