// The scaling controller driven tick by tick on a simulated clock, acting on a Deployment in the
// fake API server through KubeScaleTarget and reporting through KubeEventRecorder: mode apply
// patches /scale once per change and never when the target already has the recommendation; mode
// hint never writes; a missing workload is a FailedGetScale warning Event.
#include <gtest/gtest.h>

#include <set>

#include "operator/cluster/kube_event_recorder.h"
#include "operator/cluster/kube_scale_target.h"
#include "operator/scaling/load_aggregator.h"
#include "operator/scaling/scaling_controller.h"
#include "operator/scaling/scaling_event_forwarder.h"
#include "tests/operator/kube/kube_test_env.h"
#include "tests/operator/scaling/scaling_fakes.h"

namespace zroute::cluster {
namespace {

using kube::Json;
using std::chrono::seconds;

using namespace zroute::testing::gvr;  // NOLINT(build/namespaces) kDeployments, kEvents
const std::string kScalePath = "/apis/apps/v1/namespaces/shop/deployments/billing/scale";
constexpr auto kInterval = seconds(5);

ScalingPolicy Policy(ScalingMode mode, const std::string& target = "billing") {
  ScalingPolicy p;
  p.meta.name = "billing";
  p.meta.namespace_ = "shop";
  p.meta.uid = "policy-uid";
  p.spec.scale_target_ref = {.api_version = "apps/v1", .kind = "Deployment", .name = target};
  p.spec.app_id = "billing";
  p.spec.target_lag_per_replica = 100;
  p.spec.min_replicas = 1;
  p.spec.max_replicas = 10;
  p.spec.scale_down_stabilization = seconds(300);
  p.spec.mode = mode;
  return p;
}

class ScalingApplyTest : public kube::testing::KubeTestEnv {
 protected:
  void SetUp() override {
    KubeTestEnv::SetUp();
    Json deployment = {{"apiVersion", "apps/v1"},
                       {"kind", "Deployment"},
                       {"metadata", {{"name", "billing"}, {"namespace", "shop"}}},
                       {"spec",
                        {{"replicas", 1},
                         {"selector", {{"matchLabels", {{"app", "billing"}}}}},
                         {"template", {{"metadata", {{"labels", {{"app", "billing"}}}}}}}}}};
    ASSERT_EQ(server_.store().Create(kDeployments, "shop", deployment).code, 201);
    target_ = std::make_unique<KubeScaleTarget>(*client_);
    recorder_ = std::make_unique<KubeEventRecorder>(*client_, clock_);
    forwarder_ = std::make_unique<scaling::ScalingEventForwarder>(*recorder_);
    forwarder_->SetPolicyUids({{"shop/billing", "policy-uid"}});
    controller_ = std::make_unique<scaling::ScalingController>(clock_, aggregator_, sink_, *forwarder_, target_.get());
  }
  void TearDown() override {
    controller_.reset();
    recorder_->Stop();
    KubeTestEnv::TearDown();
  }

  // One report interval: the publisher reports `lag` for billing, and `replicas` billing sidecars.
  void Tick(int64_t lag, int replicas) {
    clock_.Advance(kInterval);
    scaling::LoadReport pub;
    pub.sidecar_id = "orders-0";
    pub.namespace_ = "shop";
    pub.app_id = "orders";
    pub.backlog = {{"shop/billing-orders", "billing", lag}};
    ASSERT_TRUE(aggregator_.Ingest(pub).ok());
    for (int i = 0; i < replicas; ++i) {
      scaling::LoadReport c;
      c.sidecar_id = "billing-" + std::to_string(i);
      c.namespace_ = "shop";
      c.app_id = "billing";
      c.consumer = scaling::ConsumerLoad{};
      ASSERT_TRUE(aggregator_.Ingest(c).ok());
    }
    controller_->Tick();
  }

  int ScalePatches() { return server_.RequestCount("patch", kScalePath); }
  int StoredReplicas() {
    return server_.store().Get(kDeployments, "shop", "billing", "").body["spec"]["replicas"].get<int>();
  }
  std::vector<Json> EventsWithReason(const std::string& reason) {
    EXPECT_TRUE(recorder_->WaitIdle(std::chrono::seconds(10)));
    std::vector<Json> out;
    const Json items = server_.store().List(kEvents, "shop", "", 0, "", "").body["items"];
    for (const Json& e : items) {
      if (e["reason"] == reason) out.push_back(e);
    }
    return out;
  }

  scaling::LoadAggregator aggregator_{clock_, scaling::LoadAggregatorOptions{.staleness_timeout = seconds(30)}};
  scaling::testing::RecordingSink sink_;
  std::unique_ptr<KubeScaleTarget> target_;
  std::unique_ptr<KubeEventRecorder> recorder_;
  std::unique_ptr<scaling::ScalingEventForwarder> forwarder_;
  std::unique_ptr<scaling::ScalingController> controller_;
};

TEST_F(ScalingApplyTest, ApplyPatchesScaleOncePerChangeAndScalesDownAfterWindow) {
  ASSERT_TRUE(controller_->UpsertPolicy(Policy(ScalingMode::kApply)).ok());
  Tick(300, 1);
  EXPECT_EQ(ScalePatches(), 1);
  EXPECT_EQ(StoredReplicas(), 3);
  EXPECT_TRUE(sink_.outcomes.back().applied);
  EXPECT_EQ(sink_.outcomes.back().replica_source, scaling::ReplicaSource::kScaleTarget);

  // The target already runs 3: no further writes while the load holds.
  for (int i = 0; i < 10; ++i) Tick(300, 3);
  EXPECT_EQ(ScalePatches(), 1);
  EXPECT_FALSE(sink_.outcomes.back().applied);

  // Drained: held for the 300 s scale-down window, then one patch down to minReplicas.
  const MonoTime drained = clock_.Now();
  while (clock_.Now() - drained < seconds(300)) {
    Tick(0, 3);
    if (clock_.Now() - drained < seconds(300)) {
      ASSERT_EQ(StoredReplicas(), 3);
    }
  }
  for (int i = 0; i < 5; ++i) Tick(0, 3);
  EXPECT_EQ(ScalePatches(), 2);
  EXPECT_EQ(StoredReplicas(), 1);
  EXPECT_EQ(server_.RequestCount("update"), 0);

  auto rescales = EventsWithReason("SuccessfulRescale");
  ASSERT_EQ(rescales.size(), 2u);
  for (const Json& e : rescales) {
    EXPECT_EQ(e["type"], "Normal");
    EXPECT_EQ(e["involvedObject"],
              (Json{{"apiVersion", "zroute.io/v1alpha1"}, {"kind", "ScalingPolicy"}, {"namespace", "shop"},
                    {"name", "billing"}, {"uid", "policy-uid"}}));
  }
  std::set<std::string> messages;
  for (const Json& e : rescales) messages.insert(e["message"].get<std::string>().substr(0, 11));
  EXPECT_EQ(messages, (std::set<std::string>{"New size: 3", "New size: 1"}));
}

TEST_F(ScalingApplyTest, HintModeNeverWrites) {
  ASSERT_TRUE(controller_->UpsertPolicy(Policy(ScalingMode::kHint)).ok());
  Tick(300, 1);
  for (int i = 0; i < 10; ++i) Tick(900, 1);
  for (int i = 0; i < 80; ++i) Tick(0, 1);
  EXPECT_EQ(server_.RequestCount("patch", "/apis/apps"), 0);
  EXPECT_EQ(ScalePatches(), 0);
  EXPECT_EQ(server_.RequestCount("update"), 0);
  EXPECT_EQ(StoredReplicas(), 1);
  EXPECT_GE(server_.RequestCount("get", kScalePath), 1);  // hint mode reads the current count
  EXPECT_EQ(controller_->LastRecommendation("shop/billing")->recommended_replicas, 1);
  EXPECT_FALSE(EventsWithReason("RecommendationChanged").empty());
  EXPECT_TRUE(EventsWithReason("SuccessfulRescale").empty());
}

TEST_F(ScalingApplyTest, MissingTargetIsFailedGetScaleWarningEvent) {
  ASSERT_TRUE(controller_->UpsertPolicy(Policy(ScalingMode::kApply, "ghost")).ok());
  for (int i = 0; i < 5; ++i) Tick(300, 1);
  EXPECT_EQ(server_.RequestCount("patch", "/apis/apps"), 0);
  EXPECT_EQ(sink_.outcomes.back().status.code(), StatusCode::kNotFound);
  EXPECT_FALSE(sink_.outcomes.back().recommendation.has_value());
  auto warnings = EventsWithReason("FailedGetScale");
  ASSERT_EQ(warnings.size(), 1u);  // recorded once, not every tick
  EXPECT_EQ(warnings[0]["type"], "Warning");
  EXPECT_EQ(warnings[0]["involvedObject"]["name"], "billing");
  EXPECT_NE(warnings[0]["message"].get<std::string>().find("ghost"), std::string::npos);
}

TEST_F(ScalingApplyTest, PatchRefusedByApiIsFailedRescaleAndRetriedNextTick) {
  ASSERT_TRUE(controller_->UpsertPolicy(Policy(ScalingMode::kApply)).ok());
  server_.InjectFaults(kScalePath, 500, 1, "patch");
  Tick(300, 1);
  EXPECT_EQ(StoredReplicas(), 1);
  EXPECT_EQ(sink_.outcomes.back().status.code(), StatusCode::kUnavailable);
  Tick(300, 1);
  EXPECT_EQ(StoredReplicas(), 3);
  EXPECT_EQ(ScalePatches(), 2);
  auto failed = EventsWithReason("FailedRescale");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]["type"], "Warning");
}

}  // namespace
}  // namespace zroute::cluster
