// The autoscaling examples users copy (charts/zroute/examples/): each parses, the KEDA ScaledObject
// and the HPA consume zroute_scaling_recommended_replicas for the app of scalingpolicy.yaml with
// the target type that makes the desired count equal the metric (AverageValue 1), and they name
// the same workload and bounds as the policy. The apply-mode policy names a kind the operator can
// scale (and the chart's RBAC allows).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <string>

namespace {

std::string ExamplePath(const std::string& name) {
  return std::string(ZROUTE_SOURCE_DIR) + "/charts/zroute/examples/" + name;
}

YAML::Node Load(const std::string& name) {
  YAML::Node node;
  try {
    node = YAML::LoadFile(ExamplePath(name));
  } catch (const YAML::Exception& e) {
    ADD_FAILURE() << name << ": " << e.what();
  }
  return node;
}

const char* kMetric = "zroute_scaling_recommended_replicas";

class AutoscalingExamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = Load("scalingpolicy.yaml");
    ASSERT_TRUE(policy_.IsMap());
    ASSERT_EQ(policy_["kind"].as<std::string>(), "ScalingPolicy");
  }
  void ExpectSameTarget(const YAML::Node& ref) {
    const YAML::Node want = policy_["spec"]["scaleTargetRef"];
    EXPECT_EQ(ref["apiVersion"].as<std::string>(), want["apiVersion"].as<std::string>());
    EXPECT_EQ(ref["kind"].as<std::string>(), want["kind"].as<std::string>());
    EXPECT_EQ(ref["name"].as<std::string>(), want["name"].as<std::string>());
  }
  std::string AppId() { return policy_["spec"]["appId"].as<std::string>(); }
  int Min() { return policy_["spec"]["minReplicas"].as<int>(); }
  int Max() { return policy_["spec"]["maxReplicas"].as<int>(); }

  YAML::Node policy_;
};

TEST_F(AutoscalingExamplesTest, HintPolicyIsHintMode) {
  EXPECT_EQ(policy_["spec"]["mode"].as<std::string>(), "hint");
}

TEST_F(AutoscalingExamplesTest, KedaScaledObjectQueriesRecommendationAsAverageValueOne) {
  YAML::Node so = Load("keda-scaledobject.yaml");
  ASSERT_TRUE(so.IsMap());
  EXPECT_EQ(so["apiVersion"].as<std::string>(), "keda.sh/v1alpha1");
  EXPECT_EQ(so["kind"].as<std::string>(), "ScaledObject");
  ExpectSameTarget(so["spec"]["scaleTargetRef"]);
  EXPECT_EQ(so["spec"]["minReplicaCount"].as<int>(), Min());
  EXPECT_EQ(so["spec"]["maxReplicaCount"].as<int>(), Max());
  ASSERT_TRUE(so["spec"]["triggers"].IsSequence());
  ASSERT_EQ(so["spec"]["triggers"].size(), 1u);
  const YAML::Node trigger = so["spec"]["triggers"][0];
  EXPECT_EQ(trigger["type"].as<std::string>(), "prometheus");
  EXPECT_EQ(trigger["metricType"].as<std::string>(), "AverageValue");
  EXPECT_EQ(trigger["metadata"]["threshold"].as<std::string>(), "1");
  const std::string query = trigger["metadata"]["query"].as<std::string>();
  EXPECT_NE(query.find(kMetric), std::string::npos) << query;
  EXPECT_NE(query.find("app_id=\"" + AppId() + "\""), std::string::npos) << query;
  EXPECT_EQ(query.rfind("max(", 0), 0u) << query;
}

TEST_F(AutoscalingExamplesTest, HpaUsesExternalRecommendationAsAverageValueOne) {
  YAML::Node hpa = Load("hpa-external.yaml");
  ASSERT_TRUE(hpa.IsMap());
  EXPECT_EQ(hpa["apiVersion"].as<std::string>(), "autoscaling/v2");
  EXPECT_EQ(hpa["kind"].as<std::string>(), "HorizontalPodAutoscaler");
  ExpectSameTarget(hpa["spec"]["scaleTargetRef"]);
  EXPECT_EQ(hpa["spec"]["minReplicas"].as<int>(), std::max(1, Min()));
  EXPECT_EQ(hpa["spec"]["maxReplicas"].as<int>(), Max());
  ASSERT_EQ(hpa["spec"]["metrics"].size(), 1u);
  const YAML::Node metric = hpa["spec"]["metrics"][0];
  EXPECT_EQ(metric["type"].as<std::string>(), "External");
  EXPECT_EQ(metric["external"]["metric"]["name"].as<std::string>(), kMetric);
  EXPECT_EQ(metric["external"]["metric"]["selector"]["matchLabels"]["app_id"].as<std::string>(), AppId());
  EXPECT_EQ(metric["external"]["target"]["type"].as<std::string>(), "AverageValue");
  EXPECT_EQ(metric["external"]["target"]["averageValue"].as<std::string>(), "1");
}

TEST_F(AutoscalingExamplesTest, PrometheusAdapterServesTheMetricUnnamespaced) {
  YAML::Node cm = Load("prometheus-adapter-rules.yaml");
  ASSERT_TRUE(cm.IsMap());
  YAML::Node config = YAML::Load(cm["data"]["config.yaml"].as<std::string>());
  ASSERT_TRUE(config["externalRules"].IsSequence());
  const YAML::Node rule = config["externalRules"][0];
  EXPECT_NE(rule["seriesQuery"].as<std::string>().find(kMetric), std::string::npos);
  EXPECT_EQ(rule["name"]["as"].as<std::string>(), kMetric);
  EXPECT_FALSE(rule["resources"]["namespaced"].as<bool>());
}

TEST_F(AutoscalingExamplesTest, ApplyPolicyTargetsAScalableKind) {
  YAML::Node apply = Load("scalingpolicy-apply.yaml");
  ASSERT_TRUE(apply.IsMap());
  EXPECT_EQ(apply["spec"]["mode"].as<std::string>(), "apply");
  const YAML::Node ref = apply["spec"]["scaleTargetRef"];
  EXPECT_EQ(ref["apiVersion"].as<std::string>(), "apps/v1");
  const std::string kind = ref["kind"].as<std::string>();
  EXPECT_TRUE(kind == "Deployment" || kind == "StatefulSet") << kind;
}

}  // namespace
