// The operator in cluster mode writes `.status` of Topics and Subscriptions through the /status
// subresource of the fake Kubernetes API server: the right conditions for a valid, an invalid, a
// topic-less and an endpoint-less subscription; writes only on change (counted PATCH requests over
// several reconcile passes of a steady system); no failed reconcile across a token rotation; only
// the leader writes, and the next leader takes over. Every wait is on a condition with a bound;
// "several passes" are observed through the reconcile counter on /metrics, not through time.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <thread>

#include <zmq.hpp>

#include "common/wire/control_messages.h"
#include "operator/operator.h"
#include "tests/support/fake_kube/fake_kube_server.h"
#include "tests/support/wait_for.h"

namespace zroute {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

using namespace zroute::testing::gvr;  // NOLINT(build/namespaces) kTopics, kSubscriptions, kPods, kPolicies, kDeployments
const std::string kStatusPrefix = "/apis/zroute.io/v1alpha1/namespaces/shop/";

bool WaitFor(const std::function<bool()>& cond, milliseconds limit = milliseconds(15000)) {
  return zroute::testing::WaitFor(cond, limit);
}

json TopicObject(const std::string& name) {
  return {{"apiVersion", "zroute.io/v1alpha1"}, {"kind", "Topic"}, {"metadata", {{"name", name}, {"namespace", "shop"}}}};
}

json SubscriptionObject(const std::string& name, const std::string& topic, const std::string& max_delay = "30s") {
  return {{"apiVersion", "zroute.io/v1alpha1"},
          {"kind", "Subscription"},
          {"metadata", {{"name", name}, {"namespace", "shop"}}},
          {"spec",
           {{"topic", topic}, {"appId", name}, {"delivery", {{"initialDelay", "200ms"}, {"maxDelay", max_delay}}}}}};
}

// The value of one series on a /metrics page (0 when absent); `labels` like {"kind=\"topic\""}.
double MetricValue(int port, const std::string& name, const std::vector<std::string>& labels) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) return -1;
  std::istringstream in(res->body);
  std::string line;
  double sum = 0;
  while (std::getline(in, line)) {
    if (line.rfind(name + "{", 0) != 0 && line.rfind(name + " ", 0) != 0) continue;
    bool match = true;
    for (const auto& l : labels) match = match && line.find(l) != std::string::npos;
    if (match) sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

// The routing table's endpoints entries, as GET /v1/routing-table serves them.
json RoutingEndpoints(int port) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/v1/routing-table");
  json entries = res && res->status == 200 ? json::parse(res->body, nullptr, false).value("entries", json::object())
                                           : json::object();
  json endpoints = json::object();
  for (auto& [key, value] : entries.items()) {
    if (key.rfind("endpoints/", 0) == 0) endpoints[key] = value;
  }
  return endpoints;
}

double Reconciles(int port, const std::string& result = "success") {
  return MetricValue(port, "zroute_operator_reconcile_total", {"result=\"" + result + "\""});
}

// One sidecar's end of the control protocol: registers, then stays silent (the test's heartbeat
// timeout is long enough).
class FakeSidecar {
 public:
  FakeSidecar(const std::string& endpoint, const std::string& app, const std::string& pod)
      : socket_(context_, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::routing_id, "sc-" + pod);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect(endpoint);
    wire::SidecarInfo info;
    info.sidecar_id = "sc-" + pod;
    info.app_id = app;
    info.namespace_ = "shop";
    info.pod = pod;
    info.data_endpoint = "tcp://127.0.0.1:1";
    std::string frame = wire::EncodeControlMessage({wire::ControlCommand::kRegister, wire::SidecarInfoToJson(info)});
    socket_.send(zmq::buffer(frame), zmq::send_flags::none);
  }

 private:
  zmq::context_t context_{1};
  zmq::socket_t socket_;
};

class ClusterStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("zroute-status-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(server_.Start().ok());
  }
  void TearDown() override {
    for (auto& op : operators_) op->Stop();
    operators_.clear();
    server_.Stop();
    std::filesystem::remove_all(dir_);
  }

  OperatorConfig Config(const std::string& identity = "", bool leader_elect = false) {
    OperatorConfig c;
    c.control_bind = "tcp://127.0.0.1:*";
    c.http_port = 0;
    c.scaling_interval = milliseconds(100);  // the periodic pass that re-enqueues every object
    c.heartbeat_timeout = milliseconds(60000);
    kube::KubeConfig kc;
    kc.server = server_.url();
    kc.ns = "zroute-system";
    c.kube = kc;
    c.sync_timeout = milliseconds(10000);
    c.leader_elect = leader_elect;
    c.identity = identity;
    c.lease_duration = milliseconds(1500);
    c.renew_deadline = milliseconds(1000);
    c.retry_period = milliseconds(100);
    return c;
  }
  Operator& StartOperator(OperatorConfig config) {
    operators_.push_back(std::make_unique<Operator>(std::move(config), RealClock()));
    Status s = operators_.back()->Start();
    EXPECT_TRUE(s.ok()) << s;
    return *operators_.back();
  }
  void Create(const testing::FakeGvr& gvr, const json& object) {
    auto reply = server_.store().Create(gvr, "shop", object);
    ASSERT_LT(reply.code, 300) << reply.body.dump();
  }
  json StatusOf(const testing::FakeGvr& gvr, const std::string& name) {
    auto reply = server_.store().Get(gvr, "shop", name, "");
    return reply.code == 200 ? reply.body.value("status", json::object()) : json::object();
  }
  static std::string Condition(const json& status, const std::string& type, const std::string& field = "status") {
    if (!status.contains("conditions")) return "";
    for (const json& c : status["conditions"]) {
      if (c.value("type", "") == type) return c.value(field, "");
    }
    return "";
  }
  int StatusPatches(const std::string& resource_and_name = "") {
    return server_.RequestCount("patch", kStatusPrefix + resource_and_name);
  }
  // Waits until the operator has run `passes` more reconciles of every object (n objects).
  bool WaitForPasses(int port, int objects, int passes) {
    double start = Reconciles(port);
    return WaitFor([&] { return Reconciles(port) >= start + objects * passes; });
  }
  // Injected for `app_id`; by default with the address the test's sidecars connect from, so that
  // their registrations bind to it.
  void MakeReadyPod(const std::string& name, const std::string& app_id = "billing",
                    const std::string& ip = "127.0.0.1") {
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata",
                 {{"name", name},
                  {"namespace", "shop"},
                  {"annotations", {{"zroute.io/injected", "true"}, {"zroute.io/app-id", app_id}}}}},
                {"spec", {{"containers", json::array({{{"name", "app"}}})}}}};
    Create(kPods, pod);
    auto created = server_.store().Get(kPods, "shop", name, "");
    ASSERT_EQ(created.code, 200);
    json with_status = created.body;
    with_status["status"] = {{"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})},
                             {"podIP", ip},
                             {"podIPs", json::array({{{"ip", ip}}})}};
    ASSERT_EQ(server_.store().Update(kPods, "shop", name, "status", with_status).code, 200);
  }
  void ChangeRoute(const std::string& name, const std::string& route) {
    auto current = server_.store().Get(kSubscriptions, "shop", name, "");
    ASSERT_EQ(current.code, 200);
    current.body["spec"]["route"] = route;
    ASSERT_EQ(server_.store().Update(kSubscriptions, "shop", name, "", current.body).code, 200);
  }

  std::filesystem::path dir_;
  testing::FakeKubeServer server_;
  std::vector<std::unique_ptr<Operator>> operators_;
};

TEST_F(ClusterStatusTest, ConditionsForValidInvalidTopicMissingAndEndpointless) {
  Create(kTopics, TopicObject("orders"));
  Create(kSubscriptions, SubscriptionObject("billing", "orders"));
  Create(kSubscriptions, SubscriptionObject("broken", "orders", "100ms"));  // maxDelay < initialDelay
  Create(kSubscriptions, SubscriptionObject("lost", "nowhere"));
  Create(kSubscriptions, SubscriptionObject("idle", "orders"));
  Operator& op = StartOperator(Config());
  MakeReadyPod("billing-0");
  FakeSidecar sidecar(op.control_endpoint(), "billing", "billing-0");

  ASSERT_TRUE(WaitFor([&] { return Condition(StatusOf(kSubscriptions, "billing"), "Ready") == "True"; }))
      << StatusOf(kSubscriptions, "billing").dump();
  json billing = StatusOf(kSubscriptions, "billing");
  EXPECT_EQ(billing["readyReplicas"], 1);
  EXPECT_EQ(billing["observedGeneration"], 1);
  EXPECT_EQ(Condition(billing, "EndpointsReady"), "True");

  ASSERT_TRUE(WaitFor([&] { return Condition(StatusOf(kSubscriptions, "broken"), "Valid") == "False"; }));
  json broken = StatusOf(kSubscriptions, "broken");
  EXPECT_EQ(Condition(broken, "Valid", "reason"), "Invalid");
  EXPECT_NE(Condition(broken, "Valid", "message").find("maxDelay"), std::string::npos) << broken.dump();
  EXPECT_EQ(Condition(broken, "Ready"), "False");

  ASSERT_TRUE(WaitFor([&] { return Condition(StatusOf(kSubscriptions, "lost"), "TopicFound") == "False"; }));
  EXPECT_EQ(Condition(StatusOf(kSubscriptions, "lost"), "Ready", "reason"), "TopicNotFound");

  ASSERT_TRUE(WaitFor([&] { return Condition(StatusOf(kSubscriptions, "idle"), "EndpointsReady") == "False"; }));
  EXPECT_EQ(Condition(StatusOf(kSubscriptions, "idle"), "Ready", "reason"), "NoReadyEndpoints");
  EXPECT_EQ(StatusOf(kSubscriptions, "idle")["readyReplicas"], 0);

  ASSERT_TRUE(WaitFor([&] { return StatusOf(kTopics, "orders").value("subscriptions", -1) == 2; }))
      << StatusOf(kTopics, "orders").dump();  // billing and idle route through it
  EXPECT_EQ(Condition(StatusOf(kTopics, "orders"), "Ready"), "True");

  // The topic appears: "lost" finds it without any change to itself.
  Create(kTopics, TopicObject("nowhere"));
  EXPECT_TRUE(WaitFor([&] { return Condition(StatusOf(kSubscriptions, "lost"), "TopicFound") == "True"; }));
  EXPECT_EQ(Reconciles(op.http_port(), "error"), 0);
}

TEST_F(ClusterStatusTest, ARegistrationFromAnotherAddressThanItsPodIsNoEndpointUnlessTheCheckIsOff) {
  Create(kTopics, TopicObject("orders"));
  Create(kSubscriptions, SubscriptionObject("billing", "orders"));
  Create(kSubscriptions, SubscriptionObject("audit", "orders"));
  Operator& op = StartOperator(Config());
  MakeReadyPod("billing-0", "billing", "10.244.9.9");  // the sidecar connects from 127.0.0.1
  MakeReadyPod("audit-0", "billing");                  // right address, injected for another app
  FakeSidecar billing(op.control_endpoint(), "billing", "billing-0");
  FakeSidecar audit(op.control_endpoint(), "audit", "audit-0");
  ASSERT_TRUE(WaitFor([&] {
    return MetricValue(op.http_port(), "zroute_operator_control_rejected_total", {"reason=\"pod_mismatch\""}) == 2;
  }));
  ASSERT_TRUE(WaitFor([&] { return Condition(StatusOf(kSubscriptions, "billing"), "Ready", "reason") == "NoReadyEndpoints"; }))
      << StatusOf(kSubscriptions, "billing").dump();
  ASSERT_TRUE(WaitFor([&] { return Condition(StatusOf(kSubscriptions, "audit"), "Ready", "reason") == "NoReadyEndpoints"; }))
      << StatusOf(kSubscriptions, "audit").dump();
  EXPECT_TRUE(RoutingEndpoints(op.http_port()).empty()) << RoutingEndpoints(op.http_port()).dump();
  // Both stay members; GET /v1/sidecars shows the address each registered from.
  httplib::Client client("127.0.0.1", op.http_port());
  auto sidecars = client.Get("/v1/sidecars");
  ASSERT_TRUE(sidecars && sidecars->status == 200);
  json members = json::parse(sidecars->body, nullptr, false);
  ASSERT_TRUE(members.is_array() && members.size() == 2) << sidecars->body;
  for (const json& m : members) EXPECT_EQ(m.value("peerAddress", ""), "127.0.0.1") << m.dump();
  op.Stop();

  // The same pods with the source check off (a masquerading CNI): only the app-id still refuses.
  OperatorConfig lenient = Config();
  lenient.control_check_source_ip = false;
  Operator& next = StartOperator(std::move(lenient));
  FakeSidecar billing_again(next.control_endpoint(), "billing", "billing-0");
  FakeSidecar audit_again(next.control_endpoint(), "audit", "audit-0");
  EXPECT_TRUE(WaitFor([&] { return Condition(StatusOf(kSubscriptions, "billing"), "Ready") == "True"; }))
      << StatusOf(kSubscriptions, "billing").dump();
  EXPECT_TRUE(WaitFor([&] {
    return MetricValue(next.http_port(), "zroute_operator_control_rejected_total", {"reason=\"pod_mismatch\""}) == 1;
  }));
  EXPECT_EQ(Condition(StatusOf(kSubscriptions, "audit"), "Ready", "reason"), "NoReadyEndpoints");
}

TEST_F(ClusterStatusTest, WritesOnlyWhenTheStatusChanges) {
  Create(kTopics, TopicObject("orders"));
  Create(kSubscriptions, SubscriptionObject("audit", "orders"));
  Operator& op = StartOperator(Config());
  const int port = op.http_port();
  ASSERT_TRUE(WaitFor([&] {
    return Condition(StatusOf(kSubscriptions, "audit"), "Ready", "reason") == "NoReadyEndpoints" &&
           Condition(StatusOf(kTopics, "orders"), "Ready") == "True";
  }));
  ASSERT_TRUE(WaitForPasses(port, 2, 2));  // let anything in flight settle
  const int converged = StatusPatches();
  EXPECT_EQ(converged, 2);  // one write per object: nothing computed from a half-updated table
  ASSERT_TRUE(WaitForPasses(port, 2, 5));
  EXPECT_EQ(StatusPatches(), converged) << "a steady system wrote status";

  // A spec change bumps the generation: exactly one write, to that object.
  const int topic_writes = StatusPatches("topics/orders/status");
  ChangeRoute("audit", "/v2");
  ASSERT_TRUE(WaitFor([&] { return StatusOf(kSubscriptions, "audit").value("observedGeneration", 0) == 2; }));
  const json audit_status = StatusOf(kSubscriptions, "audit");  // the loop below must not outlive it
  for (const json& c : audit_status["conditions"]) EXPECT_EQ(c["observedGeneration"], 2) << c.dump();
  ASSERT_TRUE(WaitForPasses(port, 2, 5));
  EXPECT_EQ(StatusPatches(), converged + 1);
  EXPECT_EQ(StatusPatches("topics/orders/status"), topic_writes);
  EXPECT_EQ(MetricValue(port, "zroute_operator_status_writes_total", {}), converged + 1);
  EXPECT_EQ(Reconciles(port, "error"), 0);
}

TEST_F(ClusterStatusTest, TokenRotationMidRunFailsNoReconcile) {
  const std::string token_file = (dir_ / "token").string();
  std::ofstream(token_file, std::ios::trunc) << "token-1\n";
  server_.SetValidToken("token-1");
  Create(kTopics, TopicObject("orders"));
  Create(kSubscriptions, SubscriptionObject("audit", "orders"));
  OperatorConfig config = Config();
  config.kube->token_file = token_file;
  Operator& op = StartOperator(std::move(config));
  const int port = op.http_port();
  ASSERT_TRUE(WaitFor([&] { return Condition(StatusOf(kSubscriptions, "audit"), "Valid") == "True"; }));

  // The kubelet writes the new token; then the old one stops being accepted.
  std::ofstream(token_file, std::ios::trunc) << "token-2\n";
  server_.SetValidToken("token-2");
  const int refused_before = server_.ResponseCount(401);

  Create(kSubscriptions, SubscriptionObject("after-rotation", "orders"));
  ASSERT_TRUE(WaitFor([&] { return Condition(StatusOf(kSubscriptions, "after-rotation"), "Valid") == "True"; }));
  ChangeRoute("audit", "/rotated");
  ASSERT_TRUE(WaitFor([&] { return StatusOf(kSubscriptions, "audit").value("observedGeneration", 0) == 2; }));
  EXPECT_GT(server_.ResponseCount(401), refused_before) << "the old token was never refused: nothing was rotated";
  EXPECT_EQ(Reconciles(port, "error"), 0);
  EXPECT_GT(Reconciles(port), 0);
}

TEST_F(ClusterStatusTest, OnlyTheLeaderWritesAndTheNextLeaderTakesOver) {
  Create(kTopics, TopicObject("orders"));
  Create(kSubscriptions, SubscriptionObject("audit", "orders"));
  Operator& a = StartOperator(Config("replica-a", true));
  Operator& b = StartOperator(Config("replica-b", true));
  // Both replicas become ready (readiness does not depend on leadership): find the leader.
  ASSERT_TRUE(WaitFor([&] { return a.leading() || b.leading(); }));
  Operator& leader = a.leading() ? a : b;
  Operator& standby = a.leading() ? b : a;
  ASSERT_TRUE(WaitFor([&] { return leader.ready(); }));
  ASSERT_TRUE(WaitFor([&] { return Condition(StatusOf(kSubscriptions, "audit"), "Valid") == "True"; }));
  ASSERT_TRUE(WaitForPasses(leader.http_port(), 2, 3));
  // Every status write the server saw came from the leader; the standby reconciled nothing.
  EXPECT_EQ(MetricValue(leader.http_port(), "zroute_operator_status_writes_total", {}), StatusPatches());
  EXPECT_EQ(MetricValue(standby.http_port(), "zroute_operator_status_writes_total", {}), 0);
  EXPECT_EQ(Reconciles(standby.http_port()), 0);

  leader.Stop();
  ASSERT_TRUE(WaitFor([&] { return standby.leading() && standby.ready(); }));
  ChangeRoute("audit", "/after-failover");
  EXPECT_TRUE(WaitFor([&] { return StatusOf(kSubscriptions, "audit").value("observedGeneration", 0) == 2; }));
  // The operator counts a write once the API server has answered it, so the count may trail the
  // status the server already shows.
  EXPECT_TRUE(WaitFor([&] { return MetricValue(standby.http_port(), "zroute_operator_status_writes_total", {}) >= 1; }))
      << "the new leader wrote no status";
}

TEST_F(ClusterStatusTest, ScalingPolicyStatusCarriesTheRecommendationAndSettles) {
  auto policy = [](const std::string& name, int min, int max) {
    return json{{"apiVersion", "zroute.io/v1alpha1"},
                {"kind", "ScalingPolicy"},
                {"metadata", {{"name", name}, {"namespace", "shop"}}},
                {"spec", {{"scaleTargetRef", {{"name", name}}}, {"appId", name}, {"minReplicas", min}, {"maxReplicas", max}}}};
  };
  // The target exists (cluster mode reads its /scale for the current replica count) at the minimum.
  Create(kDeployments, json{{"apiVersion", "apps/v1"},
                            {"kind", "Deployment"},
                            {"metadata", {{"name", "billing"}, {"namespace", "shop"}}},
                            {"spec", {{"replicas", 2}, {"selector", {{"matchLabels", {{"app", "billing"}}}}}}}});
  Create(kPolicies, policy("billing", 2, 5));
  Create(kPolicies, policy("inverted", 5, 2));  // minReplicas > maxReplicas
  Operator& op = StartOperator(Config());
  const int port = op.http_port();
  ASSERT_TRUE(WaitFor([&] { return StatusOf(kPolicies, "billing").contains("recommendedReplicas"); }))
      << StatusOf(kPolicies, "billing").dump();
  json billing = StatusOf(kPolicies, "billing");
  EXPECT_EQ(billing["recommendedReplicas"], 2);  // nothing reports load: the minimum
  EXPECT_EQ(Condition(billing, "Valid"), "True");
  EXPECT_EQ(Condition(billing, "Ready"), "True");
  ASSERT_TRUE(WaitFor([&] { return Condition(StatusOf(kPolicies, "inverted"), "Valid") == "False"; }));
  EXPECT_FALSE(StatusOf(kPolicies, "inverted").contains("recommendedReplicas"));

  // Scaling ticks keep coming; with nothing changing, nothing is written.
  ASSERT_TRUE(WaitForPasses(port, 2, 2));
  const int settled = StatusPatches();
  ASSERT_TRUE(WaitForPasses(port, 2, 5));
  EXPECT_EQ(StatusPatches(), settled);
  EXPECT_EQ(Reconciles(port, "error"), 0);
}

}  // namespace
}  // namespace zroute
