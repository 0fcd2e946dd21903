// The chart as `helm template` renders it, parsed into YAML documents, plus small lookups the
// chart tests share. Renders are cached per (namespace, values, --set) for the life of the test
// binary: helm is slow compared to the assertions. Thread-compatible.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/util/status.h"

namespace zroute::chart_testing {

// Release name every render uses.
inline constexpr char kReleaseName[] = "zr";

// One way of installing the chart.
struct RenderConfig {
  std::string label;                     // names the case in test output: "defaults", "custom"
  std::string namespace_name;            // --namespace
  std::vector<std::string> value_files;  // paths relative to the repository root
  std::vector<std::string> set_flags;    // each passed as --set <flag>
  std::string kube_version;              // --kube-version (empty: helm's default)
};

inline void PrintTo(const RenderConfig& config, std::ostream* os) { *os << config.label; }

// Defaults in namespace zroute-system, and tests/chart/values-custom.yaml in events-infra.
RenderConfig DefaultConfig();
RenderConfig CustomConfig();

class RenderedChart {
 public:
  // Parses a multi-document YAML stream; empty documents are dropped.
  static StatusOr<RenderedChart> Parse(const std::string& yaml);

  // Runs helm template for `config` (cached). Fails when helm fails or the output is not YAML.
  static StatusOr<RenderedChart> Render(const RenderConfig& config);

  const std::vector<YAML::Node>& documents() const { return documents_; }
  std::vector<YAML::Node> OfKind(const std::string& kind) const;
  // The one object of `kind`; an error when there are none or several.
  StatusOr<YAML::Node> One(const std::string& kind) const;
  std::optional<YAML::Node> Find(const std::string& kind, const std::string& name) const;

 private:
  std::vector<YAML::Node> documents_;
};

// A scalar of the values a render uses: the last of config.value_files that sets it, else the
// chart's values.yaml (set_flags are not considered). Lets tests expect what the values say.
std::optional<std::string> ValueAt(const RenderConfig& config, const std::vector<std::string>& path);

// The chart's appVersion, read from charts/zroute/Chart.yaml.
StatusOr<std::string> ChartAppVersion();

// The container named "operator" in the chart's one Deployment.
StatusOr<YAML::Node> OperatorContainer(const RenderedChart& chart);

// Every container and init container of a pod template spec.
std::vector<YAML::Node> PodContainers(const YAML::Node& pod_spec);

// The value of `--name=value` in a container's args, if present.
std::optional<std::string> FlagValue(const YAML::Node& container, const std::string& name);
bool HasFlag(const YAML::Node& container, const std::string& name);

// The node at a path of map keys; an undefined node when any step is missing. Read-only use.
YAML::Node NodeAt(const YAML::Node& node, const std::vector<std::string>& path);

// Scalar at a path of map keys, or nullopt when any step is missing or not a scalar.
std::optional<std::string> ScalarAt(const YAML::Node& node, const std::vector<std::string>& path);

// The scalars of the sequence at a path; empty when it is missing or not a sequence.
std::vector<std::string> ScalarsAt(const YAML::Node& node, const std::vector<std::string>& path);

}  // namespace zroute::chart_testing
