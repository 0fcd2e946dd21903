// The zroute.io CRDs ship as templates (so upgrades update them) kept on uninstall, and the
// chart's copies are the repository's crds/ files, byte for byte.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "tests/chart/helm_process.h"
#include "tests/chart/rendered_chart.h"

namespace zroute::chart_testing {
namespace {

namespace fs = std::filesystem;

// File name -> contents of the *.yaml files directly in `dir` (empty when it does not exist).
std::map<std::string, std::string> YamlFiles(const fs::path& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file() || e.path().extension() != ".yaml") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    out[e.path().filename().string()] = text.str();
  }
  return out;
}

// Same content, map order aside; scalars that are both numbers compare as numbers (the template
// parses and re-emits the CRDs, which may respell 1.0 as 1).
bool Equivalent(const YAML::Node& a, const YAML::Node& b, const std::string& where, std::string* difference) {
  if (a.Type() != b.Type()) {
    *difference = where + ": node types differ";
    return false;
  }
  if (a.IsScalar()) {
    if (a.Scalar() == b.Scalar()) return true;
    double x = 0;
    double y = 0;
    if (YAML::convert<double>::decode(a, x) && YAML::convert<double>::decode(b, y) && x == y) return true;
    *difference = where + ": " + a.Scalar() + " != " + b.Scalar();
    return false;
  }
  if (a.IsSequence()) {
    if (a.size() != b.size()) {
      *difference = where + ": lengths differ";
      return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
      if (!Equivalent(a[i], b[i], where + "[" + std::to_string(i) + "]", difference)) return false;
    }
    return true;
  }
  if (a.IsMap()) {
    if (a.size() != b.size()) {
      *difference = where + ": key counts differ";
      return false;
    }
    for (const auto& kv : a) {
      const std::string key = kv.first.Scalar();
      const YAML::Node other = NodeAt(b, {key});
      if (!other.IsDefined()) {
        *difference = where + "." + key + ": missing";
        return false;
      }
      if (!Equivalent(kv.second, other, where + "." + key, difference)) return false;
    }
    return true;
  }
  return true;  // both null or undefined
}

// Names of the CustomResourceDefinitions the chart's copies define.
std::set<std::string> CopiedCrdNames() {
  std::set<std::string> names;
  for (const auto& [file, text] : YamlFiles(SourcePath("charts/zroute/files/crds"))) {
    for (const YAML::Node& doc : YAML::LoadAll(text)) {
      if (ScalarAt(doc, {"kind"}) == "CustomResourceDefinition") {
        names.insert(ScalarAt(doc, {"metadata", "name"}).value_or(file));
      }
    }
  }
  return names;
}

TEST(ChartCrds, EveryCopiedCrdIsRenderedWithTheKeepPolicy) {
  const std::set<std::string> copied = CopiedCrdNames();
  ASSERT_FALSE(copied.empty()) << "charts/zroute/files/crds holds no CRD";
  StatusOr<RenderedChart> chart = RenderedChart::Render(DefaultConfig());
  ASSERT_TRUE(chart.ok()) << chart.status();
  std::set<std::string> rendered;
  for (const YAML::Node& crd : chart->OfKind("CustomResourceDefinition")) {
    const std::string name = ScalarAt(crd, {"metadata", "name"}).value_or("?");
    rendered.insert(name);
    EXPECT_EQ(ScalarAt(crd, {"metadata", "annotations", "helm.sh/resource-policy"}), "keep") << name;
    EXPECT_EQ(ScalarAt(crd, {"spec", "group"}), "zroute.io") << name;
  }
  EXPECT_EQ(rendered, copied);
}

TEST(ChartCrds, RenderedCrdsKeepTheirSchema) {
  StatusOr<RenderedChart> chart = RenderedChart::Render(DefaultConfig());
  ASSERT_TRUE(chart.ok()) << chart.status();
  for (const auto& [file, text] : YamlFiles(SourcePath("charts/zroute/files/crds"))) {
    for (const YAML::Node& source : YAML::LoadAll(text)) {
      const std::optional<std::string> name = ScalarAt(source, {"metadata", "name"});
      if (!name.has_value()) continue;
      std::optional<YAML::Node> rendered = chart->Find("CustomResourceDefinition", *name);
      ASSERT_TRUE(rendered.has_value()) << *name;
      std::string difference;
      EXPECT_TRUE(Equivalent(NodeAt(source, {"spec"}), NodeAt(*rendered, {"spec"}), "spec", &difference))
          << *name << ": " << difference;
      EXPECT_EQ(ScalarAt(*rendered, {"spec", "names", "kind"}), ScalarAt(source, {"spec", "names", "kind"}));
      EXPECT_EQ(NodeAt(*rendered, {"spec", "versions"}).size(), NodeAt(source, {"spec", "versions"}).size());
    }
  }
}

TEST(ChartCrds, DisablingCrdsRendersNone) {
  RenderConfig config = DefaultConfig();
  config.label = "no-crds";
  config.set_flags = {"crds.enabled=false"};
  StatusOr<RenderedChart> chart = RenderedChart::Render(config);
  ASSERT_TRUE(chart.ok()) << chart.status();
  EXPECT_TRUE(chart->OfKind("CustomResourceDefinition").empty());
  EXPECT_FALSE(chart->OfKind("Deployment").empty());
}

// scripts/sync-chart-crds.sh keeps charts/zroute/files/crds/ equal to crds/.
TEST(ChartCrds, ChartCopiesEqualTheRepositoryCrds) {
  const std::map<std::string, std::string> sources = YamlFiles(SourcePath("crds"));
  const std::map<std::string, std::string> copies = YamlFiles(SourcePath("charts/zroute/files/crds"));
  if (sources.empty()) {
    // Until crds/ lands, the chart may only hold marked placeholders, never stray definitions.
    for (const auto& [file, text] : copies) {
      EXPECT_NE(text.find("zroute-placeholder-crd"), std::string::npos)
          << file << " is in the chart but not in crds/: run scripts/sync-chart-crds.sh";
    }
    return;
  }
  for (const auto& [file, text] : sources) {
    auto copy = copies.find(file);
    ASSERT_NE(copy, copies.end()) << "crds/" << file
                                  << " is not in the chart: run scripts/sync-chart-crds.sh";
    EXPECT_EQ(copy->second, text) << "charts/zroute/files/crds/" << file
                                  << " differs from crds/: run scripts/sync-chart-crds.sh";
  }
  for (const auto& [file, text] : copies) {
    EXPECT_TRUE(sources.contains(file))
        << "charts/zroute/files/crds/" << file << " is not in crds/: run scripts/sync-chart-crds.sh";
  }
}

}  // namespace
}  // namespace zroute::chart_testing
