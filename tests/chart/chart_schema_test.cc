// values.schema.json covers values.yaml completely: every key has a typed schema and every map of
// the chart's own values is closed (additionalProperties false), so a new value cannot be added
// without its schema and a typo in a user's values file is an error.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/chart/helm_process.h"
#include "tests/chart/rendered_chart.h"

namespace zroute::chart_testing {
namespace {

// Maps whose keys belong to the user (labels, annotations, selectors) or to Kubernetes (pass-through
// objects): they are open, but their values must still be typed where the chart knows the type.
const std::set<std::string>& OpenMaps() {
  static const std::set<std::string> open{"affinity",
                                          "nodeSelector",
                                          "podAnnotations",
                                          "podLabels",
                                          "serviceAccount.annotations",
                                          "serviceMonitor.labels",
                                          "podMonitor.labels",
                                          "prometheusRule.labels",
                                          "grafanaDashboard.annotations"};
  return open;
}

std::string Join(const std::vector<std::string>& path) {
  std::string out;
  for (const std::string& p : path) out += (out.empty() ? "" : ".") + p;
  return out;
}

struct SchemaWalk {
  std::vector<std::string> problems;

  // `values` is a node of values.yaml at `path`; `schema` the schema node that describes it.
  void Check(const YAML::Node& values, const YAML::Node& schema, std::vector<std::string>& path) {
    const std::string where = path.empty() ? "(root)" : Join(path);
    if (!schema.IsDefined() || !schema.IsMap()) {
      problems.push_back(where + ": no schema");
      return;
    }
    if (!NodeAt(schema, {"type"}).IsDefined()) problems.push_back(where + ": schema has no type");
    if (!values.IsMap()) return;
    if (OpenMaps().contains(where)) return;
    const YAML::Node closed = NodeAt(schema, {"additionalProperties"});
    if (!closed.IsDefined() || !closed.IsScalar() || closed.Scalar() != "false") {
      problems.push_back(where + ": additionalProperties is not false");
    }
    for (const auto& kv : values) {
      path.push_back(kv.first.Scalar());
      Check(kv.second, NodeAt(schema, {"properties", kv.first.Scalar()}), path);
      path.pop_back();
    }
  }
};

std::vector<std::string> SchemaProblems(const YAML::Node& values, const YAML::Node& schema) {
  SchemaWalk walk;
  std::vector<std::string> path;
  walk.Check(values, schema, path);
  return walk.problems;
}

TEST(ChartSchemaCoverage, EveryValueIsTypedAndEveryOwnMapIsClosed) {
  // JSON is YAML, so yaml-cpp reads the schema too.
  const YAML::Node values = YAML::LoadFile(SourcePath("charts/zroute/values.yaml"));
  const YAML::Node schema = YAML::LoadFile(SourcePath("charts/zroute/values.schema.json"));
  EXPECT_EQ(ScalarAt(schema, {"$schema"}), "http://json-schema.org/draft-07/schema#");
  const std::vector<std::string> problems = SchemaProblems(values, schema);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
}

TEST(ChartSchemaCoverage, OpenMapsOnlyTakeStringsWhereKubernetesSaysSo) {
  const YAML::Node schema = YAML::LoadFile(SourcePath("charts/zroute/values.schema.json"));
  for (const std::vector<std::string>& path :
       std::vector<std::vector<std::string>>{{"properties", "nodeSelector"},
                                             {"properties", "podAnnotations"},
                                             {"properties", "podLabels"},
                                             {"properties", "serviceAccount", "properties", "annotations"},
                                             {"properties", "serviceMonitor", "properties", "labels"},
                                             {"properties", "podMonitor", "properties", "labels"}}) {
    std::vector<std::string> type_path = path;
    type_path.insert(type_path.end(), {"additionalProperties", "type"});
    EXPECT_EQ(ScalarAt(schema, type_path), "string") << Join(path);
  }
}

// The walk itself must be able to fail.
TEST(ChartSchemaCoverage, WalkReportsUntypedAndOpenMaps) {
  const YAML::Node values = YAML::Load("a: {b: 1}\nc: 2\nd: 3\n");
  const YAML::Node schema = YAML::Load(R"({
    "type": "object", "additionalProperties": false,
    "properties": {
      "a": {"type": "object", "properties": {"b": {"type": "integer"}}},
      "c": {"minimum": 1}
    }})");
  const std::vector<std::string> problems = SchemaProblems(values, schema);
  EXPECT_EQ(problems, (std::vector<std::string>{"a: additionalProperties is not false",
                                                "c: schema has no type", "d: no schema"}));
}

}  // namespace
}  // namespace zroute::chart_testing
