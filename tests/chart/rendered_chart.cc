#include "tests/chart/rendered_chart.h"

#include <utility>

#include "tests/chart/helm_process.h"

namespace zroute::chart_testing {
namespace {

std::string CacheKey(const RenderConfig& config) {
  std::string key = config.namespace_name;
  for (const std::string& f : config.value_files) key += "\n-f " + f;
  for (const std::string& s : config.set_flags) key += "\n--set " + s;
  if (!config.kube_version.empty()) key += "\n--kube-version " + config.kube_version;
  return key;
}

// yaml-cpp's non-const operator[] inserts missing keys and Node assignment writes through, so
// every lookup here goes through a const node and reset(). A missing key yields an "invalid"
// node whose accessors throw; it is replaced by a plain undefined one.
YAML::Node Child(const YAML::Node& node, const std::string& key) {
  if (!node.IsDefined() || !node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node& const_node = node;
  YAML::Node child = const_node[key];
  if (!child.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
  return child;
}

}  // namespace

RenderConfig DefaultConfig() { return {"defaults", "zroute-system", {}, {}, ""}; }

RenderConfig CustomConfig() { return {"custom", "events-infra", {"tests/chart/values-custom.yaml"}, {}, ""}; }

StatusOr<RenderedChart> RenderedChart::Parse(const std::string& yaml) {
  RenderedChart chart;
  try {
    for (const YAML::Node& doc : YAML::LoadAll(yaml)) {
      if (doc.IsNull() || !doc.IsDefined()) continue;
      if (!doc.IsMap()) return Status::InvalidArgument("a rendered document is not a map");
      chart.documents_.push_back(doc);
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("rendered chart is not YAML: ") + e.what());
  }
  return chart;
}

StatusOr<RenderedChart> RenderedChart::Render(const RenderConfig& config) {
  static std::map<std::string, RenderedChart> cache;
  const std::string key = CacheKey(config);
  if (auto it = cache.find(key); it != cache.end()) return it->second;

  std::vector<std::string> args{"template", kReleaseName, SourcePath("charts/zroute"), "--namespace",
                                config.namespace_name};
  for (const std::string& f : config.value_files) {
    args.push_back("--values");
    args.push_back(SourcePath(f));
  }
  for (const std::string& s : config.set_flags) {
    args.push_back("--set");
    args.push_back(s);
  }
  if (!config.kube_version.empty()) {
    args.push_back("--kube-version");
    args.push_back(config.kube_version);
  }
  ZR_ASSIGN_OR_RETURN(ProcessResult run, RunHelm(args));
  if (run.exit_code != 0) {
    return Status::FailedPrecondition("helm template (" + config.label + ") exited with " +
                                      std::to_string(run.exit_code) + ": " + run.err);
  }
  ZR_ASSIGN_OR_RETURN(RenderedChart chart, Parse(run.out));
  cache.emplace(key, chart);
  return chart;
}

std::vector<YAML::Node> RenderedChart::OfKind(const std::string& kind) const {
  std::vector<YAML::Node> out;
  for (const YAML::Node& doc : documents_) {
    if (ScalarAt(doc, {"kind"}) == kind) out.push_back(doc);
  }
  return out;
}

StatusOr<YAML::Node> RenderedChart::One(const std::string& kind) const {
  std::vector<YAML::Node> all = OfKind(kind);
  if (all.size() != 1) {
    return Status::NotFound("expected exactly one " + kind + ", found " + std::to_string(all.size()));
  }
  return all.front();
}

std::optional<YAML::Node> RenderedChart::Find(const std::string& kind, const std::string& name) const {
  for (const YAML::Node& doc : OfKind(kind)) {
    if (ScalarAt(doc, {"metadata", "name"}) == name) return doc;
  }
  return std::nullopt;
}

std::optional<std::string> ValueAt(const RenderConfig& config, const std::vector<std::string>& path) {
  std::vector<std::string> files{"charts/zroute/values.yaml"};
  files.insert(files.end(), config.value_files.begin(), config.value_files.end());
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    try {
      if (auto v = ScalarAt(YAML::LoadFile(SourcePath(*it)), path); v.has_value()) return v;
    } catch (const YAML::Exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

StatusOr<std::string> ChartAppVersion() {
  try {
    const YAML::Node chart = YAML::LoadFile(SourcePath("charts/zroute/Chart.yaml"));
    if (auto v = ScalarAt(chart, {"appVersion"}); v.has_value()) return *v;
    return Status::NotFound("Chart.yaml has no appVersion");
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("Chart.yaml: ") + e.what());
  }
}

StatusOr<YAML::Node> OperatorContainer(const RenderedChart& chart) {
  ZR_ASSIGN_OR_RETURN(YAML::Node deployment, chart.One("Deployment"));
  for (const YAML::Node& c : PodContainers(NodeAt(deployment, {"spec", "template", "spec"}))) {
    if (ScalarAt(c, {"name"}) == "operator") return c;
  }
  return Status::NotFound("the Deployment has no container named operator");
}

std::vector<YAML::Node> PodContainers(const YAML::Node& pod_spec) {
  std::vector<YAML::Node> out;
  for (const char* field : {"initContainers", "containers"}) {
    const YAML::Node list = Child(pod_spec, field);
    if (!list.IsSequence()) continue;
    for (const YAML::Node& c : list) out.push_back(c);
  }
  return out;
}

std::optional<std::string> FlagValue(const YAML::Node& container, const std::string& name) {
  const YAML::Node args = Child(container, "args");
  if (!args.IsSequence()) return std::nullopt;
  const std::string prefix = name + "=";
  for (const YAML::Node& arg : args) {
    if (!arg.IsScalar()) continue;
    const std::string text = arg.Scalar();
    if (text.rfind(prefix, 0) == 0) return text.substr(prefix.size());
  }
  return std::nullopt;
}

bool HasFlag(const YAML::Node& container, const std::string& name) {
  const YAML::Node args = Child(container, "args");
  if (!args.IsSequence()) return false;
  for (const YAML::Node& arg : args) {
    if (arg.IsScalar() && (arg.Scalar() == name || arg.Scalar().rfind(name + "=", 0) == 0)) return true;
  }
  return false;
}

YAML::Node NodeAt(const YAML::Node& node, const std::vector<std::string>& path) {
  YAML::Node current(node);
  for (const std::string& key : path) {
    YAML::Node next = Child(current, key);
    if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    current.reset(next);
  }
  return current;
}

std::optional<std::string> ScalarAt(const YAML::Node& node, const std::vector<std::string>& path) {
  const YAML::Node found = NodeAt(node, path);
  if (!found.IsDefined() || !found.IsScalar()) return std::nullopt;
  return found.Scalar();
}

std::vector<std::string> ScalarsAt(const YAML::Node& node, const std::vector<std::string>& path) {
  std::vector<std::string> out;
  const YAML::Node found = NodeAt(node, path);
  if (!found.IsDefined() || !found.IsSequence()) return out;
  for (const YAML::Node& item : found) {
    if (item.IsScalar()) out.push_back(item.Scalar());
  }
  return out;
}

}  // namespace zroute::chart_testing
