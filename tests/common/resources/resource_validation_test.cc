// Every validation rule of resource_parser.h, each checked to name its field.
#include <chrono>
#include <functional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/resources/resource_parser.h"

namespace zroute {
namespace {

using namespace std::chrono_literals;
using ::testing::StartsWith;

Topic ValidTopic() {
  Topic t;
  t.meta.name = "orders";
  return t;
}

Subscription ValidSubscription() {
  Subscription s;
  s.meta.name = "audit-orders";
  s.spec.topic = "orders";
  s.spec.app_id = "audit";
  return s;
}

ScalingPolicy ValidPolicy() {
  ScalingPolicy p;
  p.meta.name = "billing";
  p.spec.scale_target_ref.name = "billing";
  p.spec.app_id = "billing";
  return p;
}

Filter Exact(std::string name, std::string value) {
  Filter f;
  f.attributes[std::move(name)] = std::move(value);
  return f;
}

struct Case {
  const char* name;
  std::function<void(Topic&, Subscription&, ScalingPolicy&)> mutate;
  const char* field;  // the message must start with "<field>: "
};

class ValidationRuleTest : public ::testing::TestWithParam<Case> {};

TEST_P(ValidationRuleTest, RejectsAndNamesTheField) {
  Topic t = ValidTopic();
  Subscription s = ValidSubscription();
  ScalingPolicy p = ValidPolicy();
  ASSERT_TRUE(ValidateTopic(t).ok());
  ASSERT_TRUE(ValidateSubscription(s).ok());
  ASSERT_TRUE(ValidateScalingPolicy(p).ok());
  GetParam().mutate(t, s, p);
  Status status = ValidateTopic(t);
  if (status.ok()) status = ValidateSubscription(s);
  if (status.ok()) status = ValidateScalingPolicy(p);
  ASSERT_FALSE(status.ok()) << GetParam().name;
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), StartsWith(std::string(GetParam().field) + ": ")) << status;
}

std::string Long(size_t n) { return std::string(n, 'a'); }

INSTANTIATE_TEST_SUITE_P(
    AllRules, ValidationRuleTest,
    ::testing::Values(
        Case{"TopicNameEmpty", [](Topic& t, auto&, auto&) { t.meta.name = ""; }, "metadata.name"},
        Case{"TopicNameUpper", [](Topic& t, auto&, auto&) { t.meta.name = "Orders"; }, "metadata.name"},
        Case{"TopicNameTooLong", [](Topic& t, auto&, auto&) { t.meta.name = Long(64); }, "metadata.name"},
        Case{"TopicNameTrailingDash", [](Topic& t, auto&, auto&) { t.meta.name = "orders-"; }, "metadata.name"},
        Case{"NamespaceBad", [](Topic& t, auto&, auto&) { t.meta.namespace_ = "a.b"; }, "metadata.namespace"},
        Case{"PartitionKeyBad", [](Topic& t, auto&, auto&) { t.spec.partition_key_attribute = "Order_Id"; },
             "spec.partitionKeyAttribute"},
        Case{"PartitionKeyTooLong", [](Topic& t, auto&, auto&) { t.spec.partition_key_attribute = Long(21); },
             "spec.partitionKeyAttribute"},
        Case{"RetentionAgeNegative", [](Topic& t, auto&, auto&) { t.spec.retention_max_age = -1s; },
             "spec.retention.maxAge"},
        Case{"RetentionBytesNegative", [](Topic& t, auto&, auto&) { t.spec.retention_max_bytes = -1; },
             "spec.retention.maxBytes"},
        Case{"PublisherBad", [](Topic& t, auto&, auto&) { t.spec.allowed_publishers = {"ok", "Not OK"}; },
             "spec.allowedPublishers[1]"},
        Case{"PublisherDuplicate", [](Topic& t, auto&, auto&) { t.spec.allowed_publishers = {"a", "b", "a"}; },
             "spec.allowedPublishers[2]"},
        Case{"TopicDeadLetterBad", [](Topic& t, auto&, auto&) { t.spec.dead_letter_topic = "dead_letter"; },
             "spec.deadLetterTopic"},
        Case{"TopicDeadLetterSelf", [](Topic& t, auto&, auto&) { t.spec.dead_letter_topic = "orders"; },
             "spec.deadLetterTopic"},
        Case{"MaxEventBytesZero", [](Topic& t, auto&, auto&) { t.spec.max_event_bytes = 0; }, "spec.maxEventBytes"},
        Case{"MaxEventBytesHuge", [](Topic& t, auto&, auto&) { t.spec.max_event_bytes = (64LL << 20) + 1; },
             "spec.maxEventBytes"},
        Case{"SubscriptionName", [](auto&, Subscription& s, auto&) { s.meta.name = "a b"; }, "metadata.name"},
        Case{"TopicMissing", [](auto&, Subscription& s, auto&) { s.spec.topic = ""; }, "spec.topic"},
        Case{"TopicBad", [](auto&, Subscription& s, auto&) { s.spec.topic = "Orders"; }, "spec.topic"},
        Case{"AppIdMissing", [](auto&, Subscription& s, auto&) { s.spec.app_id = ""; }, "spec.appId"},
        Case{"AppIdBad", [](auto&, Subscription& s, auto&) { s.spec.app_id = "-audit"; }, "spec.appId"},
        Case{"RouteRelative", [](auto&, Subscription& s, auto&) { s.spec.route = "events"; }, "spec.route"},
        Case{"RouteEmpty", [](auto&, Subscription& s, auto&) { s.spec.route = ""; }, "spec.route"},
        Case{"RouteQuery", [](auto&, Subscription& s, auto&) { s.spec.route = "/e?x=1"; }, "spec.route"},
        Case{"RouteSpace", [](auto&, Subscription& s, auto&) { s.spec.route = "/a b"; }, "spec.route"},
        Case{"RouteNewline", [](auto&, Subscription& s, auto&) { s.spec.route = "/a\r\nX: y"; }, "spec.route"},
        Case{"RouteTooLong", [](auto&, Subscription& s, auto&) { s.spec.route = "/" + Long(1024); }, "spec.route"},
        Case{"FilterNoAttributes", [](auto&, Subscription& s, auto&) { s.spec.filters = {Filter{}}; },
             "spec.filters[0].exact"},
        Case{"FilterAttributeName",
             [](auto&, Subscription& s, auto&) { s.spec.filters = {Exact("type", "x"), Exact("Type", "x")}; },
             "spec.filters[1].exact.Type"},
        Case{"FilterEmptyValue",
             [](auto&, Subscription& s, auto&) {
               Filter f = Exact("subject", "");
               f.kind = Filter::Kind::kPrefix;
               s.spec.filters = {f};
             },
             "spec.filters[0].prefix.subject"},
        Case{"FilterEmptyAny",
             [](auto&, Subscription& s, auto&) {
               Filter f;
               f.kind = Filter::Kind::kAny;
               s.spec.filters = {f};
             },
             "spec.filters[0].any"},
        Case{"FilterNestedBad",
             [](auto&, Subscription& s, auto&) {
               Filter bad = Exact("x", "1");
               bad.kind = Filter::Kind::kSuffix;
               bad.attributes["bad-name"] = "v";
               Filter all;
               all.kind = Filter::Kind::kAll;
               all.children = {Exact("a", "1"), bad};
               Filter negated;
               negated.kind = Filter::Kind::kNot;
               negated.children = {all};
               s.spec.filters = {negated};
             },
             "spec.filters[0].not.all[1].suffix.bad-name"},
        Case{"FilterNotWithoutChild",
             [](auto&, Subscription& s, auto&) {
               Filter f;
               f.kind = Filter::Kind::kNot;
               s.spec.filters = {f};
             },
             "spec.filters[0].not"},
        Case{"MaxAttemptsZero", [](auto&, Subscription& s, auto&) { s.spec.delivery.max_attempts = 0; },
             "spec.delivery.maxAttempts"},
        Case{"MaxAttemptsHuge", [](auto&, Subscription& s, auto&) { s.spec.delivery.max_attempts = 101; },
             "spec.delivery.maxAttempts"},
        Case{"InitialDelayNegative",
             [](auto&, Subscription& s, auto&) { s.spec.delivery.initial_delay = -1ms; },
             "spec.delivery.initialDelay"},
        Case{"MaxDelayBelowInitial",
             [](auto&, Subscription& s, auto&) {
               s.spec.delivery.initial_delay = 2s;
               s.spec.delivery.max_delay = 1s;
             },
             "spec.delivery.maxDelay"},
        Case{"AttemptTimeoutZero", [](auto&, Subscription& s, auto&) { s.spec.delivery.attempt_timeout = 0ms; },
             "spec.delivery.attemptTimeout"},
        Case{"MaxInFlightZero", [](auto&, Subscription& s, auto&) { s.spec.delivery.max_in_flight = 0; },
             "spec.delivery.maxInFlight"},
        Case{"MaxInFlightHuge", [](auto&, Subscription& s, auto&) { s.spec.delivery.max_in_flight = 10001; },
             "spec.delivery.maxInFlight"},
        Case{"BatchMaxEventsZero", [](auto&, Subscription& s, auto&) { s.spec.delivery.batch_max_events = 0; },
             "spec.delivery.batch.maxEvents"},
        Case{"BatchMaxEventsHuge", [](auto&, Subscription& s, auto&) { s.spec.delivery.batch_max_events = 1001; },
             "spec.delivery.batch.maxEvents"},
        Case{"SubscriptionDeadLetterBad",
             [](auto&, Subscription& s, auto&) { s.spec.dead_letter_topic = "DLQ"; }, "spec.deadLetterTopic"},
        Case{"SubscriptionDeadLetterIsTopic",
             [](auto&, Subscription& s, auto&) { s.spec.dead_letter_topic = "orders"; }, "spec.deadLetterTopic"},
        Case{"PolicyName", [](auto&, auto&, ScalingPolicy& p) { p.meta.name = ""; }, "metadata.name"},
        Case{"TargetApiVersion", [](auto&, auto&, ScalingPolicy& p) { p.spec.scale_target_ref.api_version = ""; },
             "spec.scaleTargetRef.apiVersion"},
        Case{"TargetKind", [](auto&, auto&, ScalingPolicy& p) { p.spec.scale_target_ref.kind = ""; },
             "spec.scaleTargetRef.kind"},
        Case{"TargetNameMissing", [](auto&, auto&, ScalingPolicy& p) { p.spec.scale_target_ref.name = ""; },
             "spec.scaleTargetRef.name"},
        Case{"TargetNameBad", [](auto&, auto&, ScalingPolicy& p) { p.spec.scale_target_ref.name = "a..b"; },
             "spec.scaleTargetRef.name"},
        Case{"PolicyAppId", [](auto&, auto&, ScalingPolicy& p) { p.spec.app_id = ""; }, "spec.appId"},
        Case{"TargetLagZero", [](auto&, auto&, ScalingPolicy& p) { p.spec.target_lag_per_replica = 0; },
             "spec.targetLagPerReplica"},
        Case{"RateNegative",
             [](auto&, auto&, ScalingPolicy& p) { p.spec.target_events_per_second_per_replica = -1; },
             "spec.targetEventsPerSecondPerReplica"},
        Case{"MinNegative", [](auto&, auto&, ScalingPolicy& p) { p.spec.min_replicas = -1; }, "spec.minReplicas"},
        Case{"MaxZero",
             [](auto&, auto&, ScalingPolicy& p) {
               p.spec.min_replicas = 0;
               p.spec.max_replicas = 0;
             },
             "spec.maxReplicas"},
        Case{"MinAboveMax",
             [](auto&, auto&, ScalingPolicy& p) {
               p.spec.min_replicas = 6;
               p.spec.max_replicas = 5;
             },
             "spec.minReplicas"},
        Case{"ActivationNegative", [](auto&, auto&, ScalingPolicy& p) { p.spec.activation_lag = -0.5; },
             "spec.activationLag"},
        Case{"ScaleUpWindowLong", [](auto&, auto&, ScalingPolicy& p) { p.spec.scale_up_stabilization = 3601s; },
             "spec.scaleUp.stabilizationWindow"},
        Case{"ScaleDownWindowNegative",
             [](auto&, auto&, ScalingPolicy& p) { p.spec.scale_down_stabilization = -1s; },
             "spec.scaleDown.stabilizationWindow"},
        Case{"ToleranceAboveOne", [](auto&, auto&, ScalingPolicy& p) { p.spec.tolerance = 1.5; }, "spec.tolerance"},
        Case{"ToleranceNegative", [](auto&, auto&, ScalingPolicy& p) { p.spec.tolerance = -0.1; },
             "spec.tolerance"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(ValidationTest, BoundaryValuesAreAccepted) {
  Topic t = ValidTopic();
  t.meta.name = Long(63);
  t.spec.partition_key_attribute = Long(20);
  t.spec.retention_max_age = 0s;
  t.spec.retention_max_bytes = 0;
  t.spec.max_event_bytes = 64LL << 20;
  EXPECT_TRUE(ValidateTopic(t).ok()) << ValidateTopic(t);

  Subscription s = ValidSubscription();
  s.spec.delivery.max_attempts = 1;
  s.spec.delivery.initial_delay = 0ms;
  s.spec.delivery.max_delay = 0ms;
  s.spec.delivery.max_in_flight = 10000;
  s.spec.route = "/a/b-c_d.e~f%20";
  EXPECT_TRUE(ValidateSubscription(s).ok()) << ValidateSubscription(s);

  ScalingPolicy p = ValidPolicy();
  p.spec.min_replicas = 0;
  p.spec.max_replicas = 1;
  p.spec.scale_target_ref.name = "billing.v2";
  p.spec.tolerance = 0;
  p.spec.scale_down_stabilization = 3600s;
  EXPECT_TRUE(ValidateScalingPolicy(p).ok()) << ValidateScalingPolicy(p);
}

}  // namespace
}  // namespace zroute
