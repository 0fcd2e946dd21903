// The sidecar-injection MutatingWebhookConfiguration: safe selection (never the operator's own
// namespace nor kube-system, only opted-in pods), bounded timeout, policy from values, and a
// client config that reaches the operator's webhook port.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/chart/rendered_chart.h"

namespace zroute::chart_testing {
namespace {

class ChartWebhookTest : public ::testing::TestWithParam<RenderConfig> {
 protected:
  void SetUp() override {
    StatusOr<RenderedChart> chart = RenderedChart::Render(GetParam());
    ASSERT_TRUE(chart.ok()) << chart.status();
    chart_ = *chart;
    StatusOr<YAML::Node> config = chart_.One("MutatingWebhookConfiguration");
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
    const YAML::Node webhooks = NodeAt(config_, {"webhooks"});
    ASSERT_TRUE(webhooks.IsSequence() && webhooks.size() == 1);
    webhook_.reset(webhooks[0]);
  }

  RenderedChart chart_;
  YAML::Node config_;
  YAML::Node webhook_;
};

TEST_P(ChartWebhookTest, ExcludesTheReleaseNamespaceAndKubeSystem) {
  const YAML::Node expressions = NodeAt(webhook_, {"namespaceSelector", "matchExpressions"});
  ASSERT_TRUE(expressions.IsSequence());
  std::set<std::string> excluded;
  for (const YAML::Node& e : expressions) {
    if (ScalarAt(e, {"key"}) == "kubernetes.io/metadata.name" && ScalarAt(e, {"operator"}) == "NotIn") {
      for (const std::string& ns : ScalarsAt(e, {"values"})) excluded.insert(ns);
    }
  }
  EXPECT_TRUE(excluded.contains(GetParam().namespace_name));
  EXPECT_TRUE(excluded.contains("kube-system"));
  EXPECT_FALSE(NodeAt(webhook_, {"namespaceSelector", "matchLabels"}).IsDefined())
      << "matchLabels would narrow injection to labelled namespaces only";
}

TEST_P(ChartWebhookTest, TimeoutIsAtMostTenSecondsAndFromValues) {
  const std::optional<std::string> timeout = ScalarAt(webhook_, {"timeoutSeconds"});
  ASSERT_TRUE(timeout.has_value());
  EXPECT_GE(std::stoi(*timeout), 1);
  EXPECT_LE(std::stoi(*timeout), 10);
  EXPECT_EQ(timeout, ValueAt(GetParam(), {"webhook", "timeoutSeconds"}));
}

TEST_P(ChartWebhookTest, FailurePolicyComesFromValues) {
  const std::optional<std::string> policy = ScalarAt(webhook_, {"failurePolicy"});
  ASSERT_TRUE(policy.has_value());
  EXPECT_EQ(policy, ValueAt(GetParam(), {"webhook", "failurePolicy"}));
}

TEST_P(ChartWebhookTest, IsSideEffectFreeV1AndReinvokedIfNeeded) {
  EXPECT_EQ(ScalarsAt(webhook_, {"admissionReviewVersions"}), std::vector<std::string>{"v1"});
  EXPECT_EQ(ScalarAt(webhook_, {"sideEffects"}), "None");
  EXPECT_EQ(ScalarAt(webhook_, {"reinvocationPolicy"}), "IfNeeded");
}

TEST_P(ChartWebhookTest, InterceptsOnlyPodCreation) {
  const YAML::Node rules = NodeAt(webhook_, {"rules"});
  ASSERT_TRUE(rules.IsSequence() && rules.size() == 1);
  EXPECT_EQ(ScalarsAt(rules[0], {"operations"}), std::vector<std::string>{"CREATE"});
  EXPECT_EQ(ScalarsAt(rules[0], {"apiGroups"}), std::vector<std::string>{""});
  EXPECT_EQ(ScalarsAt(rules[0], {"resources"}), std::vector<std::string>{"pods"});
}

TEST_P(ChartWebhookTest, SelectsOnlyPodsAnnotatedForInjection) {
  const YAML::Node conditions = NodeAt(webhook_, {"matchConditions"});
  ASSERT_TRUE(conditions.IsSequence());
  ASSERT_EQ(conditions.size(), 1u);
  const std::string expression = ScalarAt(conditions[0], {"expression"}).value_or("");
  EXPECT_NE(expression.find("object.metadata.annotations['zroute.io/inject'] == 'true'"), std::string::npos)
      << expression;
  EXPECT_NE(expression.find("has(object.metadata.annotations)"), std::string::npos)
      << "pods without annotations must not make the expression fail: " << expression;
}

TEST_P(ChartWebhookTest, CallsTheWebhookServiceOnTheOperatorsWebhookPort) {
  const std::optional<std::string> service_name = ScalarAt(webhook_, {"clientConfig", "service", "name"});
  ASSERT_TRUE(service_name.has_value());
  EXPECT_EQ(ScalarAt(webhook_, {"clientConfig", "service", "namespace"}), GetParam().namespace_name);
  EXPECT_EQ(ScalarAt(webhook_, {"clientConfig", "service", "path"}), "/mutate-pods");
  EXPECT_EQ(ScalarAt(webhook_, {"clientConfig", "service", "port"}), "443");
  EXPECT_FALSE(NodeAt(webhook_, {"clientConfig", "url"}).IsDefined());

  std::optional<YAML::Node> service = chart_.Find("Service", *service_name);
  ASSERT_TRUE(service.has_value()) << *service_name;
  const YAML::Node ports = NodeAt(*service, {"spec", "ports"});
  ASSERT_TRUE(ports.IsSequence() && ports.size() == 1);
  EXPECT_EQ(ScalarAt(ports[0], {"port"}), "443");
  EXPECT_EQ(ScalarAt(ports[0], {"targetPort"}), "webhook");

  StatusOr<YAML::Node> container = OperatorContainer(chart_);
  ASSERT_TRUE(container.ok()) << container.status();
  std::optional<std::string> container_port;
  for (const YAML::Node& p : NodeAt(*container, {"ports"})) {
    if (ScalarAt(p, {"name"}) == "webhook") container_port = ScalarAt(p, {"containerPort"});
  }
  ASSERT_TRUE(container_port.has_value());
  EXPECT_EQ(container_port, FlagValue(*container, "--webhook-port"));
  EXPECT_EQ(container_port, ValueAt(GetParam(), {"ports", "webhook"}));
  EXPECT_EQ(FlagValue(*container, "--webhook-service"), service_name);
  EXPECT_EQ(FlagValue(*container, "--webhook-config-name"), ScalarAt(config_, {"metadata", "name"}));
}

TEST_P(ChartWebhookTest, CaBundleIsNeverSetByTheChart) {
  EXPECT_FALSE(NodeAt(webhook_, {"clientConfig", "caBundle"}).IsDefined());
}

TEST_P(ChartWebhookTest, CertificateSourceFollowsCertManagerEnabled) {
  StatusOr<YAML::Node> container = OperatorContainer(chart_);
  ASSERT_TRUE(container.ok()) << container.status();
  const std::optional<std::string> inject_from =
      ScalarAt(config_, {"metadata", "annotations", "cert-manager.io/inject-ca-from"});
  const std::vector<YAML::Node> certificates = chart_.OfKind("Certificate");
  if (ValueAt(GetParam(), {"certManager", "enabled"}) != "true") {
    EXPECT_FALSE(inject_from.has_value());
    EXPECT_TRUE(certificates.empty());
    EXPECT_TRUE(chart_.OfKind("Issuer").empty());
    EXPECT_EQ(FlagValue(*container, "--webhook-cert-mode"), "operator");
    return;
  }
  EXPECT_EQ(FlagValue(*container, "--webhook-cert-mode"), "external");
  ASSERT_EQ(certificates.size(), 1u);
  const YAML::Node& certificate = certificates[0];
  EXPECT_EQ(inject_from,
            GetParam().namespace_name + "/" + ScalarAt(certificate, {"metadata", "name"}).value_or(""));
  EXPECT_EQ(ScalarAt(certificate, {"spec", "secretName"}), FlagValue(*container, "--webhook-secret"));
  const std::string service = FlagValue(*container, "--webhook-service").value_or("");
  const std::vector<std::string> dns_names = ScalarsAt(certificate, {"spec", "dnsNames"});
  EXPECT_NE(std::find(dns_names.begin(), dns_names.end(), service + "." + GetParam().namespace_name + ".svc"),
            dns_names.end());
  const std::string issuer = ScalarAt(certificate, {"spec", "issuerRef", "name"}).value_or("");
  EXPECT_TRUE(chart_.Find("Issuer", issuer).has_value()) << "issuer " << issuer << " is not rendered";
}

INSTANTIATE_TEST_SUITE_P(Values, ChartWebhookTest, ::testing::Values(DefaultConfig(), CustomConfig()),
                         [](const auto& info) { return info.param.label; });

TEST(ChartWebhookExtraNamespaces, ExtraExclusionsAreAddedOnce) {
  RenderConfig config = DefaultConfig();
  config.label = "extra";
  config.set_flags = {"webhook.excludeNamespaces={monitoring,kube-system}"};
  StatusOr<RenderedChart> chart = RenderedChart::Render(config);
  ASSERT_TRUE(chart.ok()) << chart.status();
  StatusOr<YAML::Node> webhook_config = chart->One("MutatingWebhookConfiguration");
  ASSERT_TRUE(webhook_config.ok()) << webhook_config.status();
  const YAML::Node expressions =
      NodeAt(NodeAt(*webhook_config, {"webhooks"})[0], {"namespaceSelector", "matchExpressions"});
  ASSERT_TRUE(expressions.IsSequence() && expressions.size() == 1);
  std::vector<std::string> values = ScalarsAt(expressions[0], {"values"});
  std::sort(values.begin(), values.end());
  EXPECT_EQ(values, (std::vector<std::string>{"kube-system", "monitoring", "zroute-system"}));
}

}  // namespace
}  // namespace zroute::chart_testing
