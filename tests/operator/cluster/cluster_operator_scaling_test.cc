// The operator in cluster mode, in-process, against the fake API server: its ScalingService acts
// through the /scale subresource and records Kubernetes Events. Without any load a policy
// recommends minReplicas, so a Deployment at 0 replicas shows the wiring: mode apply patches it to
// minReplicas once and records SuccessfulRescale on the policy; mode hint reads and never writes.
// The operator's loops run on real time (short interval); every wait is bounded.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "operator/operator.h"
#include "tests/support/fake_kube/fake_kube_server.h"
#include "tests/support/wait_for.h"

namespace zroute {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

using namespace zroute::testing::gvr;  // NOLINT(build/namespaces) kDeployments, kPolicies, kEvents

bool WaitFor(const std::function<bool()>& cond, milliseconds limit = milliseconds(15000)) {
  return zroute::testing::WaitFor(cond, limit);
}

json Deployment(const std::string& name, int replicas) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}, {"namespace", "shop"}}},
          {"spec", {{"replicas", replicas}, {"selector", {{"matchLabels", {{"app", name}}}}}}}};
}

json Policy(const std::string& name, const std::string& mode) {
  return {{"apiVersion", "zroute.io/v1alpha1"},
          {"kind", "ScalingPolicy"},
          {"metadata", {{"name", name}, {"namespace", "shop"}}},
          {"spec",
           {{"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", name}}},
            {"appId", name},
            {"targetLagPerReplica", 100},
            {"minReplicas", 2},
            {"maxReplicas", 5},
            {"mode", mode}}}};
}

class ClusterOperatorScalingTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }
  void TearDown() override {
    if (operator_) operator_->Stop();
    operator_.reset();
    server_.Stop();
  }
  void Create(const testing::FakeGvr& gvr, const json& object) {
    auto reply = server_.store().Create(gvr, "shop", object);
    ASSERT_LT(reply.code, 300) << reply.body.dump();
  }
  int Replicas(const std::string& name) {
    return server_.store().Get(kDeployments, "shop", name, "").body["spec"]["replicas"].get<int>();
  }
  std::vector<json> Events(const std::string& reason) {
    std::vector<json> out;
    const json items = server_.store().List(kEvents, "shop", "", 0, "", "").body["items"];
    for (const json& e : items) {
      if (e["reason"] == reason) out.push_back(e);
    }
    return out;
  }

  testing::FakeKubeServer server_;
  std::unique_ptr<Operator> operator_;
};

TEST_F(ClusterOperatorScalingTest, ApplyModePatchesScaleAndRecordsEventHintModeNeverWrites) {
  Create(kDeployments, Deployment("billing", 0));
  Create(kDeployments, Deployment("audit", 0));
  Create(kPolicies, Policy("billing", "apply"));
  Create(kPolicies, Policy("audit", "hint"));
  const std::string policy_uid = server_.store().Get(kPolicies, "shop", "billing", "").body["metadata"]["uid"];

  OperatorConfig c;
  c.control_bind = "tcp://127.0.0.1:*";
  c.http_port = 0;
  c.scaling_interval = milliseconds(20);
  kube::KubeConfig kc;
  kc.server = server_.url();
  kc.ns = "zroute-system";
  c.kube = kc;
  c.identity = "zroute-operator-test";
  operator_ = std::make_unique<Operator>(c, RealClock());
  ASSERT_TRUE(operator_->Start().ok());

  const std::string billing_scale = "/apis/apps/v1/namespaces/shop/deployments/billing/scale";
  const std::string audit_scale = "/apis/apps/v1/namespaces/shop/deployments/audit/scale";
  ASSERT_TRUE(WaitFor([&] { return Replicas("billing") == 2; }));
  ASSERT_TRUE(WaitFor([&] { return !Events("SuccessfulRescale").empty(); }));
  // Many more evaluations: the target already has 2, so no second patch; audit is only read.
  ASSERT_TRUE(WaitFor([&] { return server_.RequestCount("get", audit_scale) >= 20; }));
  EXPECT_EQ(server_.RequestCount("patch", billing_scale), 1);
  EXPECT_EQ(server_.RequestCount("patch", audit_scale), 0);
  EXPECT_EQ(Replicas("audit"), 0);

  auto rescales = Events("SuccessfulRescale");
  ASSERT_EQ(rescales.size(), 1u);
  EXPECT_EQ(rescales[0]["type"], "Normal");
  EXPECT_EQ(rescales[0]["involvedObject"],
            (json{{"apiVersion", "zroute.io/v1alpha1"}, {"kind", "ScalingPolicy"}, {"namespace", "shop"},
                  {"name", "billing"}, {"uid", policy_uid}}));
  EXPECT_EQ(rescales[0]["reportingInstance"], "zroute-operator-test");
  EXPECT_EQ(rescales[0]["message"].get<std::string>().rfind("New size: 2", 0), 0u);
}

}  // namespace
}  // namespace zroute
