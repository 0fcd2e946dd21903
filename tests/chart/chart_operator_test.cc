// The operator's workload: a highly available, locked-down Deployment whose flags, ports and
// images agree with the Services, the values and the chart's appVersion.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "operator/webhook/sidecar_container.h"
#include "tests/chart/rendered_chart.h"

namespace zroute::chart_testing {
namespace {

class ChartOperatorTest : public ::testing::TestWithParam<RenderConfig> {
 protected:
  void SetUp() override {
    StatusOr<RenderedChart> chart = RenderedChart::Render(GetParam());
    ASSERT_TRUE(chart.ok()) << chart.status();
    chart_ = *chart;
    StatusOr<YAML::Node> deployment = chart_.One("Deployment");
    ASSERT_TRUE(deployment.ok()) << deployment.status();
    deployment_ = *deployment;
    pod_spec_ = NodeAt(deployment_, {"spec", "template", "spec"});
    ASSERT_TRUE(pod_spec_.IsMap());
    StatusOr<YAML::Node> container = OperatorContainer(chart_);
    ASSERT_TRUE(container.ok()) << container.status();
    operator_ = *container;
  }

  // The expected image: repository:tag from the values, the tag defaulting to appVersion.
  std::string ExpectedImage(const std::vector<std::string>& image_path) const {
    std::vector<std::string> repository = image_path;
    repository.push_back("repository");
    std::vector<std::string> tag = image_path;
    tag.push_back("tag");
    std::string tag_value = ValueAt(GetParam(), tag).value_or("");
    if (tag_value.empty()) tag_value = ChartAppVersion().ok() ? *ChartAppVersion() : "<no appVersion>";
    return ValueAt(GetParam(), repository).value_or("<no repository>") + ":" + tag_value;
  }

  RenderedChart chart_;
  YAML::Node deployment_;
  YAML::Node pod_spec_;
  YAML::Node operator_;
};

TEST_P(ChartOperatorTest, ReplicasComeFromValuesAndDefaultToTwo) {
  EXPECT_EQ(ScalarAt(deployment_, {"spec", "replicas"}), ValueAt(GetParam(), {"replicaCount"}));
  if (GetParam().value_files.empty()) {
    EXPECT_EQ(ScalarAt(deployment_, {"spec", "replicas"}), "2");
  }
}

TEST_P(ChartOperatorTest, EveryContainerHasHealthAndReadinessProbes) {
  const std::vector<YAML::Node> containers = PodContainers(pod_spec_);
  ASSERT_FALSE(containers.empty());
  for (const YAML::Node& c : containers) {
    const std::string name = ScalarAt(c, {"name"}).value_or("?");
    EXPECT_EQ(ScalarAt(c, {"livenessProbe", "httpGet", "path"}), "/healthz") << name;
    EXPECT_EQ(ScalarAt(c, {"readinessProbe", "httpGet", "path"}), "/readyz") << name;
    EXPECT_TRUE(ScalarAt(c, {"livenessProbe", "httpGet", "port"}).has_value()) << name;
    EXPECT_TRUE(ScalarAt(c, {"readinessProbe", "httpGet", "port"}).has_value()) << name;
  }
}

TEST_P(ChartOperatorTest, EveryContainerHasResourceRequestsAndLimits) {
  for (const YAML::Node& c : PodContainers(pod_spec_)) {
    const std::string name = ScalarAt(c, {"name"}).value_or("?");
    for (const std::string kind : {"requests", "limits"}) {
      for (const std::string resource : {"cpu", "memory"}) {
        EXPECT_TRUE(ScalarAt(c, {"resources", kind, resource}).has_value())
            << name << " " << kind << "." << resource;
      }
    }
  }
  EXPECT_EQ(ScalarAt(operator_, {"resources", "requests", "memory"}),
            ValueAt(GetParam(), {"resources", "requests", "memory"}));
}

TEST_P(ChartOperatorTest, EveryContainerIsLockedDown) {
  for (const YAML::Node& c : PodContainers(pod_spec_)) {
    const std::string name = ScalarAt(c, {"name"}).value_or("?");
    EXPECT_EQ(ScalarAt(c, {"securityContext", "runAsNonRoot"}), "true") << name;
    EXPECT_EQ(ScalarAt(c, {"securityContext", "readOnlyRootFilesystem"}), "true") << name;
    EXPECT_EQ(ScalarAt(c, {"securityContext", "allowPrivilegeEscalation"}), "false") << name;
    EXPECT_EQ(ScalarsAt(c, {"securityContext", "capabilities", "drop"}), std::vector<std::string>{"ALL"})
        << name;
    EXPECT_FALSE(NodeAt(c, {"securityContext", "capabilities", "add"}).IsDefined()) << name;
    EXPECT_EQ(ScalarAt(c, {"securityContext", "seccompProfile", "type"}), "RuntimeDefault") << name;
  }
  EXPECT_EQ(ScalarAt(pod_spec_, {"securityContext", "runAsNonRoot"}), "true");
  EXPECT_FALSE(NodeAt(pod_spec_, {"hostNetwork"}).IsDefined());
}

TEST_P(ChartOperatorTest, FlagsMatchContainerPortsAndValues) {
  EXPECT_EQ(HasFlag(operator_, "--leader-elect"),
            ValueAt(GetParam(), {"leaderElection", "enabled"}) == "true");
  for (const std::string port : {"webhook", "metrics", "control"}) {
    std::optional<std::string> container_port;
    for (const YAML::Node& p : NodeAt(operator_, {"ports"})) {
      if (ScalarAt(p, {"name"}) == port) container_port = ScalarAt(p, {"containerPort"});
    }
    ASSERT_TRUE(container_port.has_value()) << port;
    EXPECT_EQ(FlagValue(operator_, "--" + port + "-port"), container_port) << port;
    EXPECT_EQ(container_port, ValueAt(GetParam(), {"ports", port})) << port;
  }
  EXPECT_EQ(ScalarAt(operator_, {"livenessProbe", "httpGet", "port"}), "metrics");
  EXPECT_EQ(FlagValue(operator_, "--control-check-source-ip"), ValueAt(GetParam(), {"controlPlane", "checkSourceIp"}));
  if (GetParam().value_files.empty()) {
    EXPECT_EQ(FlagValue(operator_, "--control-check-source-ip"), "true") << "registrations are bound to pod IPs by default";
  }
}

TEST_P(ChartOperatorTest, PodIdentityComesFromTheDownwardApi) {
  std::map<std::string, std::string> env;
  for (const YAML::Node& e : NodeAt(operator_, {"env"})) {
    env[ScalarAt(e, {"name"}).value_or("")] =
        ScalarAt(e, {"valueFrom", "fieldRef", "fieldPath"}).value_or("");
  }
  EXPECT_EQ(env["POD_NAME"], "metadata.name");
  EXPECT_EQ(env["POD_NAMESPACE"], "metadata.namespace");
}

TEST_P(ChartOperatorTest, ImagesComeFromValues) {
  EXPECT_EQ(ScalarAt(operator_, {"image"}), ExpectedImage({"image"}));
  EXPECT_EQ(FlagValue(operator_, "--sidecar-image"), ExpectedImage({"sidecar", "image"}));
  EXPECT_EQ(ScalarAt(operator_, {"imagePullPolicy"}), ValueAt(GetParam(), {"image", "pullPolicy"}));
}

TEST_P(ChartOperatorTest, ReplicasAreSpreadAcrossNodesOrZones) {
  const bool anti_affinity = NodeAt(pod_spec_, {"affinity", "podAntiAffinity"}).IsDefined();
  const YAML::Node spread = NodeAt(pod_spec_, {"topologySpreadConstraints"});
  EXPECT_TRUE(anti_affinity || (spread.IsSequence() && spread.size() > 0));
}

TEST_P(ChartOperatorTest, DisruptionBudgetKeepsOneReplica) {
  StatusOr<YAML::Node> pdb = chart_.One("PodDisruptionBudget");
  ASSERT_TRUE(pdb.ok()) << pdb.status();
  EXPECT_EQ(ScalarAt(*pdb, {"spec", "minAvailable"}),
            ValueAt(GetParam(), {"podDisruptionBudget", "minAvailable"}));
  if (GetParam().value_files.empty()) {
    EXPECT_EQ(ScalarAt(*pdb, {"spec", "minAvailable"}), "1");
  }
  const YAML::Node selector = NodeAt(*pdb, {"spec", "selector", "matchLabels"});
  ASSERT_TRUE(selector.IsMap());
  for (const auto& kv : selector) {
    EXPECT_EQ(ScalarAt(deployment_, {"spec", "template", "metadata", "labels", kv.first.Scalar()}),
              kv.second.Scalar())
        << "the budget does not select the operator pods: " << kv.first.Scalar();
  }
}

TEST_P(ChartOperatorTest, ServicesExposeControlWebhookAndMetricsPorts) {
  std::set<std::string> target_ports;
  for (const YAML::Node& service : chart_.OfKind("Service")) {
    for (const YAML::Node& p : NodeAt(service, {"spec", "ports"})) {
      target_ports.insert(ScalarAt(p, {"targetPort"}).value_or(""));
    }
  }
  EXPECT_EQ(target_ports, (std::set<std::string>{"control", "webhook", "metrics"}));
  const std::string endpoint = FlagValue(operator_, "--control-endpoint").value_or("");
  EXPECT_EQ(endpoint.rfind("tcp://", 0), 0u) << endpoint;
  EXPECT_NE(
      endpoint.find("." + GetParam().namespace_name + ".svc:" + *ValueAt(GetParam(), {"ports", "control"})),
      std::string::npos)
      << endpoint;
}

// Every replica is Ready and serves the webhook; only the leader labels its pod
// zroute.io/control-plane=leader, and only the control-plane Service selects that label.
TEST_P(ChartOperatorTest, OnlyTheControlServiceSelectsTheLeaderLabel) {
  const YAML::Node pod_labels = NodeAt(deployment_, {"spec", "template", "metadata", "labels"});
  ASSERT_TRUE(pod_labels.IsMap());
  EXPECT_FALSE(ScalarAt(pod_labels, {"zroute.io/control-plane"}).has_value())
      << "the pod template must not carry the leader label: every replica would match";
  std::set<std::string> seen;
  for (const YAML::Node& service : chart_.OfKind("Service")) {
    const YAML::Node ports = NodeAt(service, {"spec", "ports"});
    ASSERT_TRUE(ports.IsSequence() && ports.size() == 1);
    const std::string target = ScalarAt(ports[0], {"targetPort"}).value_or("");
    seen.insert(target);
    const YAML::Node selector = NodeAt(service, {"spec", "selector"});
    ASSERT_TRUE(selector.IsMap()) << target;
    const std::optional<std::string> leader = ScalarAt(selector, {"zroute.io/control-plane"});
    if (target == "control") {
      EXPECT_EQ(leader, "leader");
    } else {
      EXPECT_FALSE(leader.has_value()) << target << " must reach every replica";
    }
    // Apart from the leader label, the selector picks the operator's pods.
    for (const auto& kv : selector) {
      if (kv.first.Scalar() == "zroute.io/control-plane") continue;
      EXPECT_EQ(ScalarAt(pod_labels, {kv.first.Scalar()}), kv.second.Scalar()) << target << ": " << kv.first.Scalar();
    }
  }
  EXPECT_EQ(seen, (std::set<std::string>{"control", "webhook", "metrics"}));
}

TEST_P(ChartOperatorTest, OperatorKnowsItsPodName) {
  bool found = false;
  for (const YAML::Node& env : NodeAt(operator_, {"env"})) {
    if (ScalarAt(env, {"name"}) != "POD_NAME") continue;
    found = true;
    EXPECT_EQ(ScalarAt(env, {"valueFrom", "fieldRef", "fieldPath"}), "metadata.name");
  }
  EXPECT_TRUE(found) << "POD_NAME (the pod the leader labels) is not set";
}

TEST_P(ChartOperatorTest, PodsAreAnnotatedForScraping) {
  const YAML::Node annotations = NodeAt(deployment_, {"spec", "template", "metadata", "annotations"});
  EXPECT_EQ(ScalarAt(annotations, {"prometheus.io/scrape"}), "true");
  EXPECT_EQ(ScalarAt(annotations, {"prometheus.io/port"}), ValueAt(GetParam(), {"ports", "metrics"}));
  EXPECT_EQ(ScalarAt(annotations, {"prometheus.io/path"}), "/metrics");
}

TEST_P(ChartOperatorTest, ServiceMonitorOnlyWhenEnabled) {
  const bool enabled = ValueAt(GetParam(), {"serviceMonitor", "enabled"}) == "true";
  const std::vector<YAML::Node> monitors = chart_.OfKind("ServiceMonitor");
  ASSERT_EQ(monitors.size(), enabled ? 1u : 0u);
  if (!enabled) return;
  const YAML::Node endpoints = NodeAt(monitors[0], {"spec", "endpoints"});
  ASSERT_TRUE(endpoints.IsSequence() && endpoints.size() == 1);
  EXPECT_EQ(ScalarAt(endpoints[0], {"port"}), "metrics");
  EXPECT_EQ(ScalarAt(endpoints[0], {"interval"}), ValueAt(GetParam(), {"serviceMonitor", "interval"}));
}

// Injected sidecars serve /metrics on the pod IP; the PodMonitor scrapes the port by the name the
// injector gives it, in every namespace, and only pods that have that port.
TEST_P(ChartOperatorTest, SidecarPodMonitorOnlyWhenEnabledAndNamesTheInjectedPort) {
  const bool enabled = ValueAt(GetParam(), {"podMonitor", "enabled"}) == "true";
  const std::vector<YAML::Node> monitors = chart_.OfKind("PodMonitor");
  ASSERT_EQ(monitors.size(), enabled ? 1u : 0u);
  if (!enabled) return;
  EXPECT_EQ(ScalarAt(monitors[0], {"spec", "namespaceSelector", "any"}), "true");
  const YAML::Node endpoints = NodeAt(monitors[0], {"spec", "podMetricsEndpoints"});
  ASSERT_TRUE(endpoints.IsSequence() && endpoints.size() == 1);
  EXPECT_EQ(ScalarAt(endpoints[0], {"port"}), webhook::kSidecarMetricsPortName);
  EXPECT_EQ(ScalarAt(endpoints[0], {"path"}), "/metrics");
  EXPECT_EQ(ScalarAt(endpoints[0], {"interval"}), ValueAt(GetParam(), {"podMonitor", "interval"}));
  EXPECT_EQ(ScalarAt(monitors[0], {"metadata", "labels", "release"}), "monitoring");
}

INSTANTIATE_TEST_SUITE_P(Values, ChartOperatorTest, ::testing::Values(DefaultConfig(), CustomConfig()),
                         [](const auto& info) { return info.param.label; });

// The injector needs the cluster's minor version (native sidecars from 1.29): helm knows it at
// install time and passes it on.
TEST(ChartKubernetesVersion, OperatorIsToldTheClusterMinorVersion) {
  for (const auto& [version, minor] : {std::pair{"1.28.3", "28"}, std::pair{"1.30.1", "30"}}) {
    RenderConfig config = DefaultConfig();
    config.label = std::string("kube-") + version;
    config.kube_version = version;
    StatusOr<RenderedChart> chart = RenderedChart::Render(config);
    ASSERT_TRUE(chart.ok()) << chart.status();
    StatusOr<YAML::Node> container = OperatorContainer(*chart);
    ASSERT_TRUE(container.ok()) << container.status();
    EXPECT_EQ(FlagValue(*container, "--kubernetes-minor"), minor) << version;
  }
}

TEST(ChartSingleOperator, OneReplicaRunsWithoutLeaderElectionOrBudget) {
  RenderConfig config = DefaultConfig();
  config.label = "single";
  config.set_flags = {"replicaCount=1", "leaderElection.enabled=false"};
  StatusOr<RenderedChart> chart = RenderedChart::Render(config);
  ASSERT_TRUE(chart.ok()) << chart.status();
  StatusOr<YAML::Node> container = OperatorContainer(*chart);
  ASSERT_TRUE(container.ok()) << container.status();
  EXPECT_FALSE(HasFlag(*container, "--leader-elect"));
  EXPECT_TRUE(chart->OfKind("PodDisruptionBudget").empty()) << "a budget would block every node drain";
}

}  // namespace
}  // namespace zroute::chart_testing
