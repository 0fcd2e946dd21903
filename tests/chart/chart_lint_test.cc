// helm lint --strict accepts the chart with its defaults and with non-default values, and
// values.schema.json rejects values the chart does not understand.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/chart/helm_process.h"
#include "tests/chart/rendered_chart.h"

namespace zroute::chart_testing {
namespace {

constexpr char kSchemaError[] = "values don't meet the specifications of the schema";

ProcessResult MustRun(const std::vector<std::string>& args) {
  StatusOr<ProcessResult> run = RunHelm(args);
  EXPECT_TRUE(run.ok()) << run.status();
  return run.ok() ? *run : ProcessResult{};
}

TEST(ChartLint, StrictLintPassesWithDefaults) {
  const ProcessResult run =
      MustRun({"lint", "--strict", SourcePath("charts/zroute"), "--namespace", "zroute-system"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
}

TEST(ChartLint, StrictLintPassesWithCustomValues) {
  const ProcessResult run =
      MustRun({"lint", "--strict", SourcePath("charts/zroute"), "--namespace", "events-infra", "--values",
               SourcePath("tests/chart/values-custom.yaml")});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
}

TEST(ChartLint, BadValuesFileFailsLint) {
  const ProcessResult run = MustRun({"lint", "--strict", SourcePath("charts/zroute"), "--values",
                                     SourcePath("tests/chart/values-bad.yaml")});
  EXPECT_NE(run.exit_code, 0);
  const std::string output = run.out + run.err;
  EXPECT_NE(output.find("timeoutSeconds"), std::string::npos) << output;
  EXPECT_NE(output.find("unknownKey"), std::string::npos) << output;
}

TEST(ChartLint, BadValuesFileFailsTemplate) {
  const ProcessResult run = MustRun({"template", kReleaseName, SourcePath("charts/zroute"), "--values",
                                     SourcePath("tests/chart/values-bad.yaml")});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find(kSchemaError), std::string::npos) << run.err;
  EXPECT_TRUE(run.out.empty()) << "nothing may be rendered from rejected values";
}

TEST(ChartLint, SeveralReplicasWithoutLeaderElectionFailToRender) {
  const ProcessResult run = MustRun({"template", kReleaseName, SourcePath("charts/zroute"), "--set",
                                     "replicaCount=2", "--set", "leaderElection.enabled=false"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("leaderElection.enabled"), std::string::npos) << run.err;
}

// Each value alone violates the schema; with the chart defaults otherwise.
class ChartSchemaTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ChartSchemaTest, RejectsTheValue) {
  const ProcessResult run =
      MustRun({"template", kReleaseName, SourcePath("charts/zroute"), "--set", GetParam()});
  EXPECT_NE(run.exit_code, 0) << GetParam() << " was accepted";
  EXPECT_NE(run.err.find(kSchemaError), std::string::npos) << GetParam() << ": " << run.err;
}

INSTANTIATE_TEST_SUITE_P(
    BadValues, ChartSchemaTest,
    ::testing::Values("webhook.timeoutSeconds=11", "webhook.timeoutSeconds=0",
                      "webhook.failurePolicy=Sometimes", "webhook.unknown=1", "replicaCount=0",
                      "ports.webhook=70000", "ports.metrics=0", "resources.limits.gpu=1",
                      "resources.requests.cpu=lots", "image.pullPolicy=Sometimes", "logLevel=trace",
                      "serviceMonitor.unknown=true", "certManager.issuerRef.kind=Authority",
                      "podDisruptionBudget.minAvailable=-1", "podAntiAffinityPreset=strict",
                      "webhook.excludeNamespaces={Not_A_Namespace}", "sidecar.image.unknown=x",
                      "controlPlane.checkSourceIp=sometimes", "controlPlane.unknown=1", "unknownKey=1"),
    [](const auto& info) {
      std::string name;
      for (char c : info.param) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

// The same flags are accepted when the values are valid, so the rejections above are the
// schema's doing and not a broken command line.
TEST(ChartSchema, AcceptsValidValuesOfTheSameKeys) {
  const ProcessResult run = MustRun({"template",
                                     kReleaseName,
                                     SourcePath("charts/zroute"),
                                     "--set",
                                     "webhook.timeoutSeconds=10",
                                     "--set",
                                     "webhook.failurePolicy=Ignore",
                                     "--set",
                                     "replicaCount=3",
                                     "--set",
                                     "ports.webhook=10443",
                                     "--set",
                                     "resources.requests.cpu=0.5",
                                     "--set",
                                     "logLevel=debug",
                                     "--set",
                                     "certManager.issuerRef.kind=ClusterIssuer",
                                     "--set",
                                     "podAntiAffinityPreset=hard",
                                     "--set",
                                     "webhook.excludeNamespaces={monitoring}",
                                     "--set",
                                     "controlPlane.checkSourceIp=false"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

}  // namespace
}  // namespace zroute::chart_testing
