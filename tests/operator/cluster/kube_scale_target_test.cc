// KubeScaleTarget against the fake API server's /scale subresource: reads spec.replicas of
// Deployments and StatefulSets, writes only spec.replicas (one merge PATCH), and maps errors.
#include "operator/cluster/kube_scale_target.h"

#include <gtest/gtest.h>

#include "tests/operator/kube/kube_test_env.h"

namespace zroute::cluster {
namespace {

using kube::Json;
using zroute::testing::FakeGvr;

using namespace zroute::testing::gvr;  // NOLINT(build/namespaces) kDeployments, kStatefulSets
const std::string kDeploymentsPath = "/apis/apps/v1/namespaces/shop/deployments";

Json Workload(const std::string& kind, const std::string& name, int replicas) {
  return {{"apiVersion", "apps/v1"},
          {"kind", kind},
          {"metadata", {{"name", name}, {"namespace", "shop"}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template", {{"metadata", {{"labels", {{"app", name}}}}}}}}}};
}

ScaleTargetRef Ref(const std::string& kind, const std::string& name) {
  return ScaleTargetRef{.api_version = "apps/v1", .kind = kind, .name = name};
}

class KubeScaleTargetTest : public kube::testing::KubeTestEnv {
 protected:
  Json Stored(const FakeGvr& gvr, const std::string& name) {
    return server_.store().Get(gvr, "shop", name, "").body;
  }
};

TEST_F(KubeScaleTargetTest, ReadsReplicasOfDeploymentAndStatefulSet) {
  ASSERT_EQ(server_.store().Create(kDeployments, "shop", Workload("Deployment", "billing", 2)).code, 201);
  ASSERT_EQ(server_.store().Create(kStatefulSets, "shop", Workload("StatefulSet", "ledger", 4)).code, 201);
  KubeScaleTarget target(*client_);
  auto d = target.GetReplicas("shop", Ref("Deployment", "billing"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, 2);
  auto s = target.GetReplicas("shop", Ref("StatefulSet", "ledger"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s, 4);
  EXPECT_EQ(server_.RequestCount("get", kDeploymentsPath + "/billing/scale"), 1);
}

TEST_F(KubeScaleTargetTest, ScaleWithoutReplicasReadsZero) {
  Json d = Workload("Deployment", "idle", 0);
  d["spec"].erase("replicas");
  ASSERT_EQ(server_.store().Create(kDeployments, "shop", d).code, 201);
  KubeScaleTarget target(*client_);
  auto n = target.GetReplicas("shop", Ref("Deployment", "idle"));
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 0);
}

TEST_F(KubeScaleTargetTest, SetPatchesOnlySpecReplicasThroughScale) {
  ASSERT_EQ(server_.store().Create(kDeployments, "shop", Workload("Deployment", "billing", 1)).code, 201);
  const Json before = Stored(kDeployments, "billing");
  KubeScaleTarget target(*client_);
  ASSERT_TRUE(target.SetReplicas("shop", Ref("Deployment", "billing"), 3).ok());
  EXPECT_EQ(server_.RequestCount("patch", kDeploymentsPath + "/billing/scale"), 1);
  EXPECT_EQ(server_.RequestCount("patch"), 1);
  EXPECT_EQ(server_.RequestCount("update"), 0);
  Json after = Stored(kDeployments, "billing");
  EXPECT_EQ(after["spec"]["replicas"], 3);
  EXPECT_EQ(after["metadata"]["generation"], before["metadata"]["generation"].get<int>() + 1);
  // Nothing but spec.replicas (and the server-owned metadata) changed.
  Json expected = before;
  expected["spec"]["replicas"] = 3;
  expected["metadata"] = after["metadata"];
  EXPECT_EQ(after, expected);
  auto n = target.GetReplicas("shop", Ref("Deployment", "billing"));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3);
}

TEST_F(KubeScaleTargetTest, MissingWorkloadIsNotFound) {
  KubeScaleTarget target(*client_);
  EXPECT_EQ(target.GetReplicas("shop", Ref("Deployment", "ghost")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(target.SetReplicas("shop", Ref("Deployment", "ghost"), 2).code(), StatusCode::kNotFound);
}

TEST_F(KubeScaleTargetTest, ServerErrorsAreUnavailableOrExhausted) {
  ASSERT_EQ(server_.store().Create(kDeployments, "shop", Workload("Deployment", "billing", 1)).code, 201);
  KubeScaleTarget target(*client_);
  server_.InjectFaults(kDeploymentsPath, 500, 1);
  EXPECT_EQ(target.GetReplicas("shop", Ref("Deployment", "billing")).status().code(), StatusCode::kUnavailable);
  server_.InjectFaults(kDeploymentsPath, 429, 1);
  EXPECT_EQ(target.SetReplicas("shop", Ref("Deployment", "billing"), 5).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Stored(kDeployments, "billing")["spec"]["replicas"], 1);
}

TEST_F(KubeScaleTargetTest, UnsupportedKindsAndHostileNamesAreRefusedWithoutARequest) {
  KubeScaleTarget target(*client_);
  const ScaleTargetRef refs[] = {
      {.api_version = "apps/v1", .kind = "ReplicaSet", .name = "x"},
      {.api_version = "apps/v1beta1", .kind = "Deployment", .name = "x"},
      {.api_version = "example.com/v1", .kind = "Widget", .name = "x"},
      Ref("Deployment", ""),
      Ref("Deployment", "../../secrets/x"),
      Ref("Deployment", "x?watch=1"),
      Ref("Deployment", "UPPER"),
      Ref("Deployment", std::string(300, 'a')),
  };
  for (const auto& ref : refs) {
    EXPECT_EQ(target.GetReplicas("shop", ref).status().code(), StatusCode::kInvalidArgument) << ref.name;
    EXPECT_EQ(target.SetReplicas("shop", ref, 1).code(), StatusCode::kInvalidArgument) << ref.name;
  }
  EXPECT_EQ(target.SetReplicas("shop", Ref("Deployment", "x"), -1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server_.RequestCount(""), 0);
  auto unsupported = ScaleTargetResource({.api_version = "apps/v1", .kind = "ReplicaSet", .name = "x"});
  EXPECT_NE(unsupported.status().message().find("Deployment"), std::string::npos);
}

TEST_F(KubeScaleTargetTest, MalformedScaleReplicasIsAnError) {
  // A workload whose stored spec.replicas is not an integer (the fake stores what it is given).
  Json d = Workload("Deployment", "odd", 1);
  d["spec"]["replicas"] = "three";
  ASSERT_EQ(server_.store().Create(kDeployments, "shop", d).code, 201);
  KubeScaleTarget target(*client_);
  EXPECT_EQ(target.GetReplicas("shop", Ref("Deployment", "odd")).status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace zroute::cluster
