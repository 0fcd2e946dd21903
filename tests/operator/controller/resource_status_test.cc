// ComputeStatus and its helpers: conditions for valid, invalid, topic-less and endpoint-less
// subscriptions, generation tracking, lastTransitionTime carry-over, lag rounding, the merge patch,
// events on transitions; every computed status validates against the CRD's status schema.
#include "operator/controller/resource_status.h"

#include <gtest/gtest.h>

#include "common/resources/resource_parser.h"
#include "tests/crds/crd_test_util.h"
#include "tests/support/openapi_schema_validator.h"

namespace zroute {
namespace {

using nlohmann::json;
using std::chrono::seconds;

const WallTime kT0 = WallTime{} + std::chrono::hours(24 * 365 * 56);  // 2026
const WallTime kT1 = kT0 + seconds(90);

json TopicObject(const std::string& name, int64_t generation = 1) {
  return {{"apiVersion", "zroute.io/v1alpha1"},
          {"kind", "Topic"},
          {"metadata", {{"name", name}, {"namespace", "shop"}, {"generation", generation}, {"uid", "u-" + name}}},
          {"spec", json::object()}};
}

json SubscriptionObject(const std::string& name, const std::string& topic, int64_t generation = 1) {
  return {{"apiVersion", "zroute.io/v1alpha1"},
          {"kind", "Subscription"},
          {"metadata", {{"name", name}, {"namespace", "shop"}, {"generation", generation}}},
          {"spec", {{"topic", topic}, {"appId", "billing"}}}};
}

Member SidecarMember(const std::string& id, const std::string& app, json load = json::object()) {
  Member m;
  m.info.sidecar_id = id;
  m.info.app_id = app;
  m.info.namespace_ = "shop";
  m.info.pod = "pod-" + id;
  m.info.data_endpoint = "tcp://127.0.0.1:1";
  m.load = std::move(load);
  return m;
}

// The routing table the control plane would build from these objects and ready members.
RoutingTable Table(const std::vector<json>& objects, const std::vector<Member>& ready) {
  std::vector<Topic> topics;
  std::vector<Subscription> subs;
  for (const json& o : objects) {
    if (o["kind"] == "Topic") {
      if (auto t = TopicFromJson(o); t.ok()) topics.push_back(*t);
    } else if (auto s = SubscriptionFromJson(o); s.ok()) {
      subs.push_back(*s);
    }
  }
  std::map<std::string, std::vector<Endpoint>> endpoints;
  for (const Member& m : ready) {
    endpoints[m.info.namespace_ + "/" + m.info.app_id].push_back(
        Endpoint{m.info.sidecar_id, m.info.app_id, m.info.namespace_, m.info.pod, m.info.data_endpoint, "", false});
  }
  return RoutingTable::Build(1, topics, subs, endpoints);
}

const json& Cond(const json& status, const std::string& type) {
  static const json kNone;
  for (const json& c : status["conditions"]) {
    if (c["type"] == type) return c;
  }
  ADD_FAILURE() << "no condition " << type << " in " << status.dump();
  return kNone;
}

class ResourceStatusTest : public ::testing::Test {
 protected:
  json Compute(ResourceKind kind, const json& object, const RoutingTable& table, const std::vector<Member>& members,
               WallTime now = kT0, const json* outcome = nullptr) {
    StatusInputs in;
    in.kind = kind;
    in.object = &object;
    in.validation = kind == ResourceKind::kTopic          ? TopicFromJson(object).status()
                    : kind == ResourceKind::kSubscription ? SubscriptionFromJson(object).status()
                                                          : ScalingPolicyFromJson(object).status();
    in.table = &table;
    in.members = &members;
    lag_ = SubscriptionLag(members);
    in.lag = &lag_;
    in.scaling_outcome = outcome;
    in.now = now;
    json status = ComputeStatus(in);
    ExpectMatchesCrd(KindName(kind), status);
    return status;
  }
  void ExpectMatchesCrd(const std::string& kind, const json& status) {
    const testing::Crd* crd = testing::FindCrd(crds_, "zroute.io/v1alpha1", kind);
    ASSERT_NE(crd, nullptr);
    for (const std::string& e : testing::ValidateAgainstSchema(crd->Schema()["properties"]["status"], status)) {
      ADD_FAILURE() << kind << " status violates the CRD: " << e << "\n" << status.dump();
    }
  }

  std::vector<testing::Crd> crds_ = testing::LoadCrds();
  std::map<std::string, double> lag_;
};

TEST_F(ResourceStatusTest, ValidSubscriptionWithReadyEndpointsIsReady) {
  json topic = TopicObject("orders"), sub = SubscriptionObject("billing", "orders", 3);
  std::vector<Member> members = {SidecarMember("b1", "billing"), SidecarMember("b2", "billing")};
  json status = Compute(ResourceKind::kSubscription, sub, Table({topic, sub}, members), members);
  EXPECT_EQ(status["observedGeneration"], 3);
  EXPECT_EQ(status["readyReplicas"], 2);
  EXPECT_EQ(status["lag"], 0);
  for (const char* type : {"Valid", "TopicFound", "EndpointsReady", "Ready"}) {
    EXPECT_EQ(Cond(status, type)["status"], "True") << type;
    EXPECT_EQ(Cond(status, type)["observedGeneration"], 3) << type;
    EXPECT_EQ(Cond(status, type)["lastTransitionTime"], FormatKubeTime(kT0)) << type;
  }
  EXPECT_EQ(Cond(status, "Ready")["reason"], "Ready");
}

TEST_F(ResourceStatusTest, InvalidSubscriptionSaysWhy) {
  json topic = TopicObject("orders"), sub = SubscriptionObject("billing", "orders");
  sub["spec"]["delivery"] = {{"initialDelay", "2s"}, {"maxDelay", "1s"}};
  std::vector<Member> members = {SidecarMember("b1", "billing")};
  json status = Compute(ResourceKind::kSubscription, sub, Table({topic, sub}, members), members);
  EXPECT_EQ(Cond(status, "Valid")["status"], "False");
  EXPECT_EQ(Cond(status, "Valid")["reason"], "Invalid");
  EXPECT_NE(Cond(status, "Valid")["message"].get<std::string>().find("maxDelay"), std::string::npos)
      << Cond(status, "Valid")["message"];
  EXPECT_EQ(Cond(status, "Ready")["status"], "False");
  EXPECT_EQ(Cond(status, "Ready")["reason"], "Invalid");
  EXPECT_EQ(status["readyReplicas"], 0);
}

TEST_F(ResourceStatusTest, MissingTopicIsTopicNotFound) {
  json sub = SubscriptionObject("billing", "nowhere");
  std::vector<Member> members = {SidecarMember("b1", "billing")};
  json status = Compute(ResourceKind::kSubscription, sub, Table({sub}, members), members);
  EXPECT_EQ(Cond(status, "Valid")["status"], "True");
  EXPECT_EQ(Cond(status, "TopicFound")["status"], "False");
  EXPECT_EQ(Cond(status, "TopicFound")["reason"], "TopicNotFound");
  EXPECT_EQ(Cond(status, "Ready")["reason"], "TopicNotFound");
  EXPECT_EQ(status["readyReplicas"], 0);
}

TEST_F(ResourceStatusTest, NoReadyEndpointsNamesRegisteredButUnreadyPods) {
  json topic = TopicObject("orders"), sub = SubscriptionObject("billing", "orders");
  // Registered, but the table (ready pods only) has no endpoint for it.
  std::vector<Member> members = {SidecarMember("b1", "billing")};
  json status = Compute(ResourceKind::kSubscription, sub, Table({topic, sub}, {}), members);
  EXPECT_EQ(Cond(status, "EndpointsReady")["status"], "False");
  EXPECT_EQ(Cond(status, "EndpointsReady")["reason"], "NoReadyEndpoints");
  EXPECT_NE(Cond(status, "EndpointsReady")["message"].get<std::string>().find("1 registered sidecar whose pod is not Ready"),
            std::string::npos)
      << Cond(status, "EndpointsReady")["message"];
  EXPECT_EQ(Cond(status, "Ready")["status"], "False");
  EXPECT_EQ(Cond(status, "Ready")["reason"], "NoReadyEndpoints");

  // Nothing registered at all: no mention of unready pods.
  json none = Compute(ResourceKind::kSubscription, sub, Table({topic, sub}, {}), {});
  EXPECT_EQ(Cond(none, "EndpointsReady")["message"].get<std::string>().find("registered"), std::string::npos);
}

TEST_F(ResourceStatusTest, GenerationBumpMovesObservedGenerationButKeepsTransitionTimes) {
  json topic = TopicObject("orders"), sub = SubscriptionObject("billing", "orders", 1);
  std::vector<Member> members = {SidecarMember("b1", "billing")};
  RoutingTable table = Table({topic, sub}, members);
  json first = Compute(ResourceKind::kSubscription, sub, table, members, kT0);
  sub["status"] = first;
  sub["metadata"]["generation"] = 2;
  json second = Compute(ResourceKind::kSubscription, sub, table, members, kT1);
  EXPECT_EQ(second["observedGeneration"], 2);
  EXPECT_EQ(Cond(second, "Ready")["observedGeneration"], 2);
  EXPECT_EQ(Cond(second, "Ready")["lastTransitionTime"], FormatKubeTime(kT0));  // status did not flip
  EXPECT_NE(first, second);
}

TEST_F(ResourceStatusTest, SameWorldLaterGivesTheSameStatus) {
  json topic = TopicObject("orders"), sub = SubscriptionObject("billing", "orders");
  std::vector<Member> members = {SidecarMember("b1", "billing")};
  RoutingTable table = Table({topic, sub}, members);
  json first = Compute(ResourceKind::kSubscription, sub, table, members, kT0);
  sub["status"] = first;
  EXPECT_EQ(Compute(ResourceKind::kSubscription, sub, table, members, kT1), first);
}

TEST_F(ResourceStatusTest, FlippedConditionGetsANewTransitionTime) {
  json topic = TopicObject("orders"), sub = SubscriptionObject("billing", "orders");
  std::vector<Member> members = {SidecarMember("b1", "billing")};
  json ready = Compute(ResourceKind::kSubscription, sub, Table({topic, sub}, members), members, kT0);
  sub["status"] = ready;
  json gone = Compute(ResourceKind::kSubscription, sub, Table({topic, sub}, {}), {}, kT1);
  EXPECT_EQ(Cond(gone, "EndpointsReady")["lastTransitionTime"], FormatKubeTime(kT1));
  EXPECT_EQ(Cond(gone, "Ready")["lastTransitionTime"], FormatKubeTime(kT1));
  EXPECT_EQ(Cond(gone, "Valid")["lastTransitionTime"], FormatKubeTime(kT0));
  EXPECT_EQ(Cond(gone, "TopicFound")["lastTransitionTime"], FormatKubeTime(kT0));
}

TEST_F(ResourceStatusTest, LagIsSummedOverPublishersAndRounded) {
  json topic = TopicObject("orders"), sub = SubscriptionObject("billing", "orders");
  auto backlog = [](int64_t lag) {
    return json{{"subscriptions", json::array({{{"subscription", "shop/billing"}, {"appId", "billing"}, {"lag", lag}}})}};
  };
  std::vector<Member> members = {SidecarMember("b1", "billing"), SidecarMember("p1", "shop-api", backlog(300)),
                                 SidecarMember("p2", "shop-api", backlog(80))};
  json status = Compute(ResourceKind::kSubscription, sub, Table({topic, sub}, members), members);
  EXPECT_EQ(status["lag"], 200);  // 380 rounded down to a 1-2-5 step
  json topic_status = Compute(ResourceKind::kTopic, topic, Table({topic, sub}, members), members);
  EXPECT_EQ(topic_status["publishers"], json({"shop-api"}));
  EXPECT_EQ(topic_status["subscriptions"], 1);
}

TEST(TableReflectsTest, WaitsForTheTableToCatchUpWithValidObjects) {
  json topic = TopicObject("orders", 2), sub = SubscriptionObject("billing", "orders", 2);
  RoutingTable empty = Table({}, {});
  EXPECT_FALSE(TableReflects(ResourceKind::kTopic, topic, Status::OK(), &empty));
  EXPECT_FALSE(TableReflects(ResourceKind::kSubscription, sub, Status::OK(), nullptr));
  json old_topic = TopicObject("orders", 1), old_sub = SubscriptionObject("billing", "orders", 1);
  RoutingTable old = Table({old_topic, old_sub}, {});
  EXPECT_FALSE(TableReflects(ResourceKind::kSubscription, sub, Status::OK(), &old));  // older generation
  RoutingTable current = Table({topic, sub}, {});
  EXPECT_TRUE(TableReflects(ResourceKind::kTopic, topic, Status::OK(), &current));
  EXPECT_TRUE(TableReflects(ResourceKind::kSubscription, sub, Status::OK(), &current));
  // Invalid objects and policies are never in the table: nothing to wait for.
  EXPECT_TRUE(TableReflects(ResourceKind::kSubscription, sub, Status::InvalidArgument("x"), &empty));
  EXPECT_TRUE(TableReflects(ResourceKind::kScalingPolicy, json::object(), Status::OK(), nullptr));
}

TEST(RoundForStatusTest, StepsAreOneTwoFive) {
  EXPECT_EQ(RoundForStatus(0), 0);
  EXPECT_EQ(RoundForStatus(0.9), 0);
  EXPECT_EQ(RoundForStatus(-5), 0);
  EXPECT_EQ(RoundForStatus(std::nan("")), 0);
  EXPECT_EQ(RoundForStatus(1), 1);
  EXPECT_EQ(RoundForStatus(4.99), 2);
  EXPECT_EQ(RoundForStatus(5), 5);
  EXPECT_EQ(RoundForStatus(19), 10);
  EXPECT_EQ(RoundForStatus(1234), 1000);
  EXPECT_EQ(RoundForStatus(1e30), 5000000000000000000);
}

TEST_F(ResourceStatusTest, InvalidTopicAndValidTopic) {
  json topic = TopicObject("orders");
  json status = Compute(ResourceKind::kTopic, topic, Table({topic}, {}), {});
  EXPECT_EQ(Cond(status, "Ready")["status"], "True");
  EXPECT_EQ(status["subscriptions"], 0);
  json bad = TopicObject("Bad_Name");
  json bad_status = Compute(ResourceKind::kTopic, bad, Table({}, {}), {});
  EXPECT_EQ(Cond(bad_status, "Valid")["status"], "False");
  EXPECT_EQ(Cond(bad_status, "Ready")["reason"], "Invalid");
}

TEST_F(ResourceStatusTest, ScalingPolicyReportsTheRecommendation) {
  json policy = {{"apiVersion", "zroute.io/v1alpha1"},
                 {"kind", "ScalingPolicy"},
                 {"metadata", {{"name", "billing"}, {"namespace", "shop"}, {"generation", 4}}},
                 {"spec", {{"scaleTargetRef", {{"name", "billing"}}}, {"appId", "billing"}}}};
  json none = Compute(ResourceKind::kScalingPolicy, policy, Table({}, {}), {});
  EXPECT_EQ(Cond(none, "Ready")["status"], "False");
  EXPECT_EQ(Cond(none, "AbleToScale")["status"], "Unknown");
  EXPECT_FALSE(none.contains("recommendedReplicas"));

  json outcome = {{"policy", "shop/billing"}, {"recommendedReplicas", 5}, {"desiredReplicas", 6}, {"currentReplicas", 2},
                  {"reason", "ScaleUp"}, {"message", "lag 431 ..."}, {"applied", true}, {"status", "OK"},
                  {"inputs", {{"lag", 431}, {"inFlight", 20}, {"completionRate", 41.5}, {"consumerReplicas", 2}}}};
  json status = Compute(ResourceKind::kScalingPolicy, policy, Table({}, {}), {}, kT0, &outcome);
  EXPECT_EQ(status["observedGeneration"], 4);
  EXPECT_EQ(status["recommendedReplicas"], 5);
  EXPECT_EQ(status["desiredReplicas"], 6);
  EXPECT_EQ(status["reason"], "ScaleUp");
  EXPECT_EQ(status["inputs"]["lag"], 200);  // 451 rounded
  EXPECT_EQ(status["inputs"]["eventsPerSecond"], 20);
  EXPECT_EQ(status["inputs"]["currentReplicas"], 2);
  EXPECT_EQ(status["lastScaleTime"], FormatKubeTime(kT0));
  EXPECT_EQ(Cond(status, "Ready")["status"], "True");

  // A later tick that applied nothing keeps lastScaleTime; a failed read is AbleToScale=False.
  policy["status"] = status;
  outcome["applied"] = false;
  outcome["status"] = "Unavailable: scale subresource unreachable";
  json failed = Compute(ResourceKind::kScalingPolicy, policy, Table({}, {}), {}, kT1, &outcome);
  EXPECT_EQ(failed["lastScaleTime"], FormatKubeTime(kT0));
  EXPECT_EQ(Cond(failed, "AbleToScale")["status"], "False");
  EXPECT_EQ(Cond(failed, "AbleToScale")["reason"], "FailedGetScale");
  EXPECT_EQ(Cond(failed, "Ready")["status"], "False");
}

TEST_F(ResourceStatusTest, HostileObjectShapesDoNotThrow) {
  for (json bad : {json{{"metadata", 3}}, json{{"metadata", {{"generation", "x"}, {"namespace", 1}}}, {"spec", "y"}},
                   json{{"spec", {{"topic", 5}, {"appId", json::array()}}}, {"status", {{"conditions", "no"}}}},
                   json{{"status", {{"conditions", json::array({1, "a", json::object()})}}}}}) {
    for (ResourceKind kind : {ResourceKind::kTopic, ResourceKind::kSubscription, ResourceKind::kScalingPolicy}) {
      StatusInputs in;
      in.kind = kind;
      in.object = &bad;
      in.validation = Status::InvalidArgument("bad");
      json status;
      EXPECT_NO_THROW(status = ComputeStatus(in)) << bad.dump();
      EXPECT_EQ(Cond(status, "Valid")["status"], "False");
    }
  }
}

TEST(StatusMergePatchTest, RemovesFieldsTheDesiredStatusDropped) {
  json current = {{"lag", 5}, {"recommendedReplicas", 3}};
  json desired = {{"lag", 10}};
  EXPECT_EQ(StatusMergePatch(current, desired), json({{"status", {{"lag", 10}, {"recommendedReplicas", nullptr}}}}));
  EXPECT_EQ(StatusMergePatch(json::object(), desired), json({{"status", desired}}));
}

json WithConditions(std::vector<std::pair<std::string, std::string>> conditions) {
  json list = json::array();
  for (auto& [type, status] : conditions) list.push_back({{"type", type}, {"status", status}, {"message", type + " says"}});
  return {{"conditions", list}};
}

TEST(TransitionEventsTest, ImportantTransitionsOnly) {
  json none = json::object();
  json invalid = WithConditions({{"Valid", "False"}, {"Ready", "False"}});
  json no_topic = WithConditions({{"Valid", "True"}, {"TopicFound", "False"}, {"Ready", "False"}});
  json ready = WithConditions({{"Valid", "True"}, {"TopicFound", "True"}, {"Ready", "True"}});

  EXPECT_EQ(TransitionEvents(none, invalid), (std::vector<StatusEvent>{{true, "Invalid", "Valid says"}}));
  EXPECT_EQ(TransitionEvents(invalid, invalid), std::vector<StatusEvent>{});
  EXPECT_EQ(TransitionEvents(none, no_topic), (std::vector<StatusEvent>{{true, "TopicNotFound", "TopicFound says"}}));
  EXPECT_EQ(TransitionEvents(no_topic, ready), (std::vector<StatusEvent>{{false, "Ready", "Ready says"}}));
  EXPECT_EQ(TransitionEvents(ready, ready), std::vector<StatusEvent>{});
  EXPECT_EQ(TransitionEvents(ready, no_topic), (std::vector<StatusEvent>{{true, "TopicNotFound", "TopicFound says"},
                                                                         {true, "NotReady", "Ready says"}}));
}

}  // namespace
}  // namespace zroute
