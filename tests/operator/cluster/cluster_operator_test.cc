// The operator in cluster mode, in-process, against the fake Kubernetes API server: resources
// created/deleted in the API reach GET /v1/routing-table; the watch survives expiry (410) and cut
// streams; with --leader-elect both replicas are ready, exactly one leads and carries the
// zroute.io/control-plane=leader Pod label, and the other takes over (label included).
// Every wait is on a condition with a bound.
#include "operator/operator.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "common/routing/routing_table.h"
#include "operator/cluster/kube_resource_source.h"
#include "operator/kube/http_kube_client.h"
#include "tests/support/fake_kube/fake_kube_server.h"
#include "tests/support/wait_for.h"

namespace zroute {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

using namespace zroute::testing::gvr;  // NOLINT(build/namespaces) kTopics, kSubscriptions, kPods

using zroute::testing::WaitFor;

json TopicObject(const std::string& name) {
  return {{"apiVersion", "zroute.io/v1alpha1"}, {"kind", "Topic"}, {"metadata", {{"name", name}, {"namespace", "shop"}}}};
}

json SubscriptionObject(const std::string& name, const std::string& max_delay = "30s") {
  return {{"apiVersion", "zroute.io/v1alpha1"},
          {"kind", "Subscription"},
          {"metadata", {{"name", name}, {"namespace", "shop"}}},
          {"spec",
           {{"topic", "orders"},
            {"appId", name},
            {"route", "/"},
            {"delivery", {{"initialDelay", "200ms"}, {"maxDelay", max_delay}}}}}};
}

int HttpCode(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get(path.c_str());
  return res ? res->status : -1;
}

json RoutingEntries(int port) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/v1/routing-table");
  if (!res || res->status != 200) return json::object();
  return json::parse(res->body, nullptr, false).value("entries", json::object());
}

class ClusterOperatorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }
  void TearDown() override {
    for (auto& op : operators_) op->Stop();
    operators_.clear();
    server_.Stop();
  }

  OperatorConfig Config(const std::string& identity = "", bool leader_elect = false) {
    OperatorConfig c;
    c.control_bind = "tcp://127.0.0.1:*";
    c.http_port = 0;
    c.scaling_interval = milliseconds(200);
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
  static bool HasSubscription(int port, const std::string& key) {
    return RoutingEntries(port).contains(SubscriptionEntryKey(key));
  }
  // With leader election, and this replica's Pod (named like its identity) to label.
  OperatorConfig PodConfig(const std::string& name) {
    OperatorConfig c = Config(name, true);
    c.pod_name = name;
    return c;
  }
  void CreatePod(const std::string& name, bool leader_label = false) {
    json labels = {{"app", "zroute-operator"}};
    if (leader_label) labels["zroute.io/control-plane"] = "leader";
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}, {"namespace", "zroute-system"}, {"labels", labels}}},
                {"spec", {{"containers", json::array({{{"name", "operator"}, {"image", "zroute-operator"}}})}}}};
    auto reply = server_.store().Create(kPods, "zroute-system", pod);
    ASSERT_LT(reply.code, 300) << reply.body.dump();
  }
  json Pod(const std::string& name) {
    auto reply = server_.store().Get(kPods, "zroute-system", name, "");
    return reply.code == 200 ? reply.body : json::object();
  }
  // The pod's zroute.io/control-plane label, "" when absent.
  std::string PodLabel(const std::string& name) {
    json pod = Pod(name);
    if (!pod.contains("metadata") || !pod["metadata"].contains("labels")) return "";
    return pod["metadata"]["labels"].value("zroute.io/control-plane", "");
  }

  testing::FakeKubeServer server_;
  std::vector<std::unique_ptr<Operator>> operators_;
};

TEST_F(ClusterOperatorTest, CreatedAndDeletedResourcesReachTheRoutingTable) {
  Create(kTopics, TopicObject("orders"));  // present before start: delivered by the initial list
  Operator& op = StartOperator(Config());
  int port = op.http_port();
  EXPECT_TRUE(op.ready());
  EXPECT_EQ(HttpCode(port, "/readyz"), 200);
  // The control plane publishes the table on its own thread: wait for it.
  EXPECT_TRUE(WaitFor([&] { return RoutingEntries(port).contains(TopicEntryKey("shop/orders")); }));
  EXPECT_FALSE(op.control_endpoint().empty());

  Create(kSubscriptions, SubscriptionObject("audit"));
  EXPECT_TRUE(WaitFor([&] { return HasSubscription(port, "shop/audit"); }));

  ASSERT_EQ(server_.store().Delete(kSubscriptions, "shop", "audit").code, 200);
  EXPECT_TRUE(WaitFor([&] { return !HasSubscription(port, "shop/audit"); }));
  EXPECT_TRUE(RoutingEntries(port).contains(TopicEntryKey("shop/orders")));
}

TEST_F(ClusterOperatorTest, InvalidObjectIsLeftOutAndOthersStillApply) {
  Operator& op = StartOperator(Config());
  int port = op.http_port();
  Create(kSubscriptions, SubscriptionObject("broken", "100ms"));  // maxDelay < initialDelay
  Create(kSubscriptions, SubscriptionObject("good"));
  EXPECT_TRUE(WaitFor([&] { return HasSubscription(port, "shop/good"); }));
  EXPECT_FALSE(HasSubscription(port, "shop/broken"));
}

TEST_F(ClusterOperatorTest, ConvergesAfterTheWatchExpires) {
  // An empty fake store lists at RV "0", and a watch from "0" never expires: start non-empty.
  Create(kTopics, TopicObject("orders"));
  Operator& op = StartOperator(Config());
  int port = op.http_port();
  const std::string prefix = "/apis/zroute.io/v1alpha1/subscriptions";
  int lists_before = server_.RequestCount("list", prefix);
  Create(kTopics, TopicObject("moves-the-rv"));  // so the subscriptions watch's RV falls behind
  server_.store().CompactHistory();  // the watch's RV is now too old: 410, relist
  server_.CloseWatches();
  // Wait for the relist first: a change made before the close takes effect could still arrive on
  // the old stream and prove nothing about recovery.
  ASSERT_TRUE(WaitFor([&] { return server_.RequestCount("list", prefix) > lists_before; }));
  Create(kSubscriptions, SubscriptionObject("after-expiry"));
  EXPECT_TRUE(WaitFor([&] { return HasSubscription(port, "shop/after-expiry"); }));
}

TEST_F(ClusterOperatorTest, ConvergesAfterTheStreamIsCut) {
  Operator& op = StartOperator(Config());
  int port = op.http_port();
  ASSERT_TRUE(WaitFor([&] { return server_.ActiveWatches() >= 4; }));  // 3 resource types + pods
  server_.CutWatches();
  Create(kSubscriptions, SubscriptionObject("after-cut"));
  EXPECT_TRUE(WaitFor([&] { return HasSubscription(port, "shop/after-cut"); }));
}

TEST_F(ClusterOperatorTest, BothReplicasAreReadyOnlyTheLeadersPodIsLabelledAndTheOtherTakesOver) {
  Create(kTopics, TopicObject("orders"));
  CreatePod("replica-a");
  CreatePod("replica-b");
  Operator& a = StartOperator(PodConfig("replica-a"));
  Operator& b = StartOperator(PodConfig("replica-b"));
  ASSERT_TRUE(WaitFor([&] { return a.leading() || b.leading(); }));
  Operator& leader = a.leading() ? a : b;
  Operator& standby = a.leading() ? b : a;
  const std::string leader_pod = a.leading() ? "replica-a" : "replica-b";
  const std::string standby_pod = a.leading() ? "replica-b" : "replica-a";
  ASSERT_TRUE(WaitFor([&] { return PodLabel(leader_pod) == "leader"; }));
  EXPECT_EQ(PodLabel(standby_pod), "");
  // Readiness does not depend on leadership (no webhook port here: HTTP serving is enough for
  // the standby; the leader also needs its control plane with the resources loaded).
  ASSERT_TRUE(WaitFor([&] { return leader.ready() && standby.ready(); }));
  EXPECT_FALSE(standby.leading());
  EXPECT_EQ(HttpCode(standby.http_port(), "/healthz"), 200);
  EXPECT_EQ(HttpCode(standby.http_port(), "/readyz"), 200);
  EXPECT_EQ(HttpCode(leader.http_port(), "/readyz"), 200);
  EXPECT_TRUE(standby.control_endpoint().empty());
  EXPECT_FALSE(leader.control_endpoint().empty());
  // Still exactly one leader and one label after several renewals of the Lease.
  const std::string lease_path = "/apis/coordination.k8s.io/v1/namespaces/zroute-system/leases";
  const int renewals = server_.RequestCount("update", lease_path);
  ASSERT_TRUE(WaitFor([&] { return server_.RequestCount("update", lease_path) >= renewals + 3; }));
  EXPECT_NE(a.leading(), b.leading());
  EXPECT_EQ(PodLabel(leader_pod), "leader");
  EXPECT_EQ(PodLabel(standby_pod), "");

  auto stopped = std::chrono::steady_clock::now();
  leader.Stop();
  EXPECT_FALSE(leader.ready());
  EXPECT_EQ(PodLabel(leader_pod), "");  // removed by Stop(), before the Lease was released
  // The lease is released on a clean stop, so the takeover must come within one lease duration.
  ASSERT_TRUE(WaitFor([&] { return standby.leading(); }, milliseconds(1500)));
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, milliseconds(1500));
  EXPECT_TRUE(WaitFor([&] { return PodLabel(standby_pod) == "leader"; }));
  EXPECT_EQ(PodLabel(leader_pod), "");
  EXPECT_TRUE(WaitFor([&] { return standby.ready(); }));
  EXPECT_TRUE(WaitFor([&] { return RoutingEntries(standby.http_port()).contains(TopicEntryKey("shop/orders")); }));
}

TEST_F(ClusterOperatorTest, StaleLeaderLabelIsClearedAtStartBeforeCandidacy) {
  // A restarted ex-leader: its pod still carries the label, and the Lease is held by another
  // (live) replica, so this one stays a standby.
  CreatePod("replica-a", /*leader_label=*/true);
  const testing::FakeGvr leases{"coordination.k8s.io", "v1", "leases"};
  json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", "zroute-operator"}, {"namespace", "zroute-system"}}},
                {"spec", {{"holderIdentity", "replica-b"}, {"leaseDurationSeconds", 3600}}}};
  ASSERT_LT(server_.store().Create(leases, "zroute-system", lease).code, 300);
  Operator& op = StartOperator(PodConfig("replica-a"));
  // Start() returned: the label is gone already, and the pod's other labels are kept.
  EXPECT_EQ(PodLabel("replica-a"), "");
  EXPECT_EQ(Pod("replica-a")["metadata"]["labels"].value("app", ""), "zroute-operator");
  EXPECT_FALSE(op.leading());
  EXPECT_TRUE(WaitFor([&] { return op.ready(); }));
  EXPECT_EQ(HttpCode(op.http_port(), "/readyz"), 200);
  EXPECT_EQ(PodLabel("replica-a"), "");
}

TEST_F(ClusterOperatorTest, FailedLabelPatchesAreRetriedAndNeverFatal) {
  CreatePod("replica-a", /*leader_label=*/true);
  // The clear at start and the first retries fail; the replica still starts, leads, is ready.
  server_.InjectFaults("/api/v1/namespaces/zroute-system/pods/replica-a", 500, 2, "patch");
  Operator& op = StartOperator(PodConfig("replica-a"));
  ASSERT_TRUE(WaitFor([&] { return op.leading() && op.ready(); }));
  EXPECT_TRUE(WaitFor([&] { return server_.RequestCount("patch", "/api/v1/namespaces/zroute-system/pods/replica-a") >= 3; }));
  EXPECT_TRUE(WaitFor([&] { return PodLabel("replica-a") == "leader"; }));
}

TEST_F(ClusterOperatorTest, WithoutAPodNameNoPodIsPatched) {
  CreatePod("replica-a", /*leader_label=*/true);
  Operator& op = StartOperator(Config("replica-a", true));  // no pod_name
  ASSERT_TRUE(WaitFor([&] { return op.leading() && op.ready(); }));
  op.Stop();
  EXPECT_EQ(server_.RequestCount("patch", "/api/v1/namespaces/zroute-system/pods"), 0);
  EXPECT_EQ(PodLabel("replica-a"), "leader");  // untouched
}

TEST_F(ClusterOperatorTest, LeaderThatLosesTheLeaseStopsLeaderWork) {
  std::atomic<bool> lost{false};
  OperatorConfig config = Config("replica-a", true);
  config.on_leadership_lost = [&lost] { lost = true; };
  Operator& op = StartOperator(std::move(config));
  ASSERT_TRUE(WaitFor([&] { return op.leading() && op.ready(); }));
  // Another holder takes the Lease behind our back (as after a long pause of this replica).
  const testing::FakeGvr leases{"coordination.k8s.io", "v1", "leases"};
  auto lease = server_.store().Get(leases, "zroute-system", "zroute-operator", "");
  ASSERT_EQ(lease.code, 200) << lease.body.dump();
  lease.body["spec"]["holderIdentity"] = "intruder";
  ASSERT_EQ(server_.store().Update(leases, "zroute-system", "zroute-operator", "", lease.body).code, 200);
  EXPECT_TRUE(WaitFor([&] { return lost.load(); }, milliseconds(5000)));
  EXPECT_FALSE(op.leading());
  EXPECT_FALSE(op.ready());
  EXPECT_EQ(HttpCode(op.http_port(), "/readyz"), 503);
  EXPECT_EQ(HttpCode(op.http_port(), "/healthz"), 200);
}

}  // namespace
}  // namespace zroute
