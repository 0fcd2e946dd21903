#include "operator/scaling/scaling_service.h"

#include <gtest/gtest.h>

#include "tests/operator/scaling/metric_text.h"
#include "tests/operator/scaling/scaling_fakes.h"
#include "tests/support/simulated_clock.h"

namespace zroute::scaling {
namespace {

using nlohmann::json;
using std::chrono::seconds;

ScalingPolicy Policy(const std::string& name = "billing", const std::string& app = "billing") {
  ScalingPolicy p;
  p.meta.name = name;
  p.meta.namespace_ = "default";
  p.spec.scale_target_ref.name = app;
  p.spec.app_id = app;
  p.spec.target_lag_per_replica = 100;
  p.spec.min_replicas = 1;
  p.spec.max_replicas = 10;
  p.spec.scale_down_stabilization = seconds(60);
  return p;
}

const ReporterIdentity kPublisher{"orders-0", "default", "orders"};
const ReporterIdentity kConsumer{"billing-0", "default", "billing"};

json Backlog(int64_t lag) {
  return {{"subscriptions",
           json::array({{{"subscription", "default/billing-orders"}, {"appId", "billing"}, {"lag", lag}}})}};
}
json IdleConsumer() { return {{"subscriptions", json::array()}, {"consumer", json::object()}}; }

class ScalingServiceTest : public ::testing::Test {
 protected:
  void Report(int64_t lag) {
    ASSERT_TRUE(service_.OnLoad(kPublisher, Backlog(lag), clock_.Now()).ok());
    ASSERT_TRUE(service_.OnLoad(kConsumer, IdleConsumer(), clock_.Now()).ok());
  }
  json Entry(const std::string& key = "default/billing") {
    for (const auto& e : service_.StatusJson()) {
      if (e["policy"] == key) return e;
    }
    ADD_FAILURE() << "no entry for " << key;
    return json::object();
  }

  zroute::testing::SimulatedClock clock_;
  Metrics metrics_;
  testing::RecordingEvents events_;
  ScalingService service_{clock_, metrics_, events_, nullptr,
                          ScalingServiceOptions{.staleness_timeout = seconds(10)}};
};

TEST_F(ScalingServiceTest, BacklogFromReportsRaisesTheHint) {
  ASSERT_TRUE(service_.SetPolicies({Policy()}).empty());
  Report(0);
  service_.Tick();
  EXPECT_EQ(Entry()["recommendedReplicas"], 1);
  EXPECT_EQ(Entry()["currentReplicas"], 1);

  Report(480);
  service_.Tick();
  EXPECT_EQ(Entry()["recommendedReplicas"], 5);
  EXPECT_EQ(Entry()["inputs"]["lag"], 480);
  EXPECT_EQ(testing::SampleValue(metrics_.Serialize(), "zroute_scaling_recommended_replicas",
                                 {{"app_id", "billing"}, {"policy", "billing"}}),
            5);
  EXPECT_EQ(events_.CountReason(kEventRecommendationChanged), 1);
}

TEST_F(ScalingServiceTest, MalformedReportIsRefusedAndChangesNothing) {
  ASSERT_TRUE(service_.SetPolicies({Policy()}).empty());
  Report(300);
  json bad = Backlog(5000);
  bad["subscriptions"][0]["lag"] = -1;
  Status s = service_.OnLoad(kPublisher, bad, clock_.Now());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("orders-0"), std::string::npos) << s.message();
  EXPECT_FALSE(service_.OnLoad(kPublisher, json::array(), clock_.Now()).ok());
  EXPECT_FALSE(service_.OnLoad(ReporterIdentity{"", "default", "x"}, Backlog(1), clock_.Now()).ok());
  service_.Tick();
  EXPECT_EQ(Entry()["inputs"]["lag"], 300);
}

TEST_F(ScalingServiceTest, GoneSidecarStopsCountingAtOnce) {
  ASSERT_TRUE(service_.SetPolicies({Policy()}).empty());
  Report(300);
  service_.OnSidecarGone(kPublisher.sidecar_id);
  service_.Tick();
  EXPECT_EQ(Entry()["inputs"]["lag"], 0);
  EXPECT_EQ(Entry()["inputs"]["consumerReplicas"], 1);
}

TEST_F(ScalingServiceTest, SilentSidecarStopsCountingAfterTheStalenessTimeout) {
  ASSERT_TRUE(service_.SetPolicies({Policy()}).empty());
  Report(300);
  clock_.Advance(seconds(5));
  service_.Tick();
  EXPECT_EQ(Entry()["inputs"]["lag"], 300);
  clock_.Advance(seconds(6));
  service_.Tick();
  EXPECT_EQ(Entry()["inputs"]["lag"], 0);
  EXPECT_EQ(Entry()["inputs"]["consumerReplicas"], 0);
}

TEST_F(ScalingServiceTest, PolicySetIsLevelBased) {
  ASSERT_TRUE(service_.SetPolicies({Policy("billing"), Policy("audit", "audit")}).empty());
  service_.Tick();
  EXPECT_EQ(service_.StatusJson().size(), 2u);

  // audit disappears from the set: its hint and series go.
  ASSERT_TRUE(service_.SetPolicies({Policy("billing")}).empty());
  EXPECT_EQ(service_.controller().PolicyKeys(), std::vector<std::string>{"default/billing"});
  EXPECT_EQ(service_.StatusJson().size(), 1u);
  EXPECT_FALSE(testing::SampleValue(metrics_.Serialize(), "zroute_scaling_recommended_replicas",
                                    {{"app_id", "audit"}})
                   .has_value());
}

TEST_F(ScalingServiceTest, InvalidPolicyIsReportedAndRemoved) {
  ASSERT_TRUE(service_.SetPolicies({Policy("billing"), Policy("audit", "audit")}).empty());
  ScalingPolicy broken = Policy("billing");
  broken.spec.min_replicas = 5;
  broken.spec.max_replicas = 2;
  std::vector<Status> errors = service_.SetPolicies({broken, Policy("audit", "audit")});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message().find("default/billing"), std::string::npos) << errors[0].message();
  EXPECT_EQ(service_.controller().PolicyKeys(), std::vector<std::string>{"default/audit"});
}

}  // namespace
}  // namespace zroute::scaling
