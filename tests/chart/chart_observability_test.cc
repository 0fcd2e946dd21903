// The chart's monitoring extras: the PrometheusRule carries files/prometheus-rules.yaml unchanged
// and promtool accepts its rule groups; the dashboard ConfigMap carries files/dashboards/zroute.json
// with the label the Grafana sidecar selects; both are off by default. (That every metric they
// name exists on a live /metrics is checked by tests/integration/observability_test.cc.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/chart/helm_process.h"
#include "tests/chart/rendered_chart.h"
#include "tests/support/run_process.h"

namespace zroute::chart_testing {
namespace {

constexpr char kPromtool[] = "/usr/bin/promtool";

RenderConfig MonitoringConfig() {
  return {"monitoring", "zroute-system", {},
          {"prometheusRule.enabled=true", "prometheusRule.labels.release=kube-prometheus",
           "grafanaDashboard.enabled=true", "grafanaDashboard.annotations.grafana_folder=zroute"},
          ""};
}

std::string ReadSource(const std::string& relative) {
  std::ifstream in(SourcePath(relative));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ChartObservability, RuleAndDashboardAreOffByDefault) {
  auto chart = RenderedChart::Render(DefaultConfig());
  ASSERT_TRUE(chart.ok()) << chart.status();
  EXPECT_TRUE(chart->OfKind("PrometheusRule").empty());
  for (const YAML::Node& cm : chart->OfKind("ConfigMap")) {
    EXPECT_FALSE(NodeAt(cm, {"data", "zroute.json"}).IsDefined());
  }
}

TEST(ChartObservability, PrometheusRuleCarriesTheRuleFileAndPromtoolAcceptsIt) {
  auto chart = RenderedChart::Render(MonitoringConfig());
  ASSERT_TRUE(chart.ok()) << chart.status();
  auto rule = chart->One("PrometheusRule");
  ASSERT_TRUE(rule.ok()) << rule.status();
  EXPECT_EQ(ScalarAt(*rule, {"apiVersion"}), "monitoring.coreos.com/v1");
  EXPECT_EQ(ScalarAt(*rule, {"metadata", "namespace"}), "zroute-system");
  EXPECT_EQ(ScalarAt(*rule, {"metadata", "labels", "release"}), "kube-prometheus");

  const YAML::Node file = YAML::Load(ReadSource("charts/zroute/files/prometheus-rules.yaml"));
  const YAML::Node spec = NodeAt(*rule, {"spec"});
  EXPECT_EQ(YAML::Dump(spec), YAML::Dump(file)) << "the rendered rules differ from the rule file";

  std::set<std::string> alerts;
  for (const YAML::Node& group : spec["groups"]) {
    for (const YAML::Node& r : group["rules"]) alerts.insert(r["alert"].as<std::string>());
  }
  for (const char* expected : {"ZrouteSubscriptionLagGrowing", "ZrouteEventsDeadLettered", "ZrouteOperatorNoLeader",
                               "ZrouteSidecarDisconnected", "ZrouteNoSidecarsConnected", "ZrouteDeliveryFailing"}) {
    EXPECT_TRUE(alerts.count(expected)) << expected;
  }

  if (!zroute::testing::IsExecutable(kPromtool)) GTEST_SKIP() << kPromtool << " is missing (make deps installs it)";
  // The rule groups as rendered, extracted to a rule file of their own.
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("zroute-rules-" + std::to_string(::getpid()) + ".yaml")).string();
  std::ofstream(path) << YAML::Dump(spec) << "\n";
  auto check = zroute::testing::RunProcess({kPromtool, "check", "rules", path});
  std::filesystem::remove(path);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_EQ(check->exit_code, 0) << check->out << check->err;
  EXPECT_NE(check->out.find("SUCCESS: " + std::to_string(alerts.size()) + " rules found"), std::string::npos)
      << check->out;
}

TEST(ChartObservability, PromtoolRejectsABrokenRule) {
  // The check above can fail: a rule with a PromQL syntax error is refused.
  if (!zroute::testing::IsExecutable(kPromtool)) GTEST_SKIP() << kPromtool << " is missing";
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("zroute-bad-rules-" + std::to_string(::getpid()) + ".yaml")).string();
  std::ofstream(path) << "groups:\n  - name: bad\n    rules:\n      - alert: Broken\n        expr: rate(zroute_events_delivered_total[5m]\n";
  auto check = zroute::testing::RunProcess({kPromtool, "check", "rules", path});
  std::filesystem::remove(path);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_NE(check->exit_code, 0) << check->out;
}

TEST(ChartObservability, DashboardConfigMapCarriesTheDashboardWithTheGrafanaLabel) {
  auto chart = RenderedChart::Render(MonitoringConfig());
  ASSERT_TRUE(chart.ok()) << chart.status();
  auto cm = chart->Find("ConfigMap", std::string(kReleaseName) + "-zroute-dashboard");
  ASSERT_TRUE(cm.has_value());
  EXPECT_EQ(ScalarAt(*cm, {"metadata", "labels", "grafana_dashboard"}), "1");
  EXPECT_EQ(ScalarAt(*cm, {"metadata", "annotations", "grafana_folder"}), "zroute");
  auto text = ScalarAt(*cm, {"data", "zroute.json"});
  ASSERT_TRUE(text.has_value());
  const auto rendered = nlohmann::json::parse(*text, nullptr, false);
  ASSERT_FALSE(rendered.is_discarded()) << "the dashboard is not JSON after rendering";
  EXPECT_EQ(rendered, nlohmann::json::parse(ReadSource("charts/zroute/files/dashboards/zroute.json")));
  EXPECT_EQ(rendered["uid"], "zroute-overview");
}

TEST(ChartObservability, StrictLintPassesWithRuleAndDashboardEnabled) {
  auto run = RunHelm({"lint", "--strict", SourcePath("charts/zroute"), "--namespace", "zroute-system", "--set",
                      "prometheusRule.enabled=true", "--set", "grafanaDashboard.enabled=true"});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 0) << run->out << run->err;
}

TEST(ChartObservability, SchemaRefusesUnknownMonitoringKeys) {
  for (const char* bad : {"prometheusRule.enable=true", "grafanaDashboard.label=bad label",
                          "grafanaDashboard.enabled=yes-please"}) {
    auto run = RunHelm({"template", kReleaseName, SourcePath("charts/zroute"), "--set", bad});
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_NE(run->exit_code, 0) << bad;
  }
}

}  // namespace
}  // namespace zroute::chart_testing
