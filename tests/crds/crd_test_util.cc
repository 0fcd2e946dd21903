#include "tests/crds/crd_test_util.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/resources/yaml_to_json.h"

namespace zroute::testing {

std::string SourceDir() { return ZROUTE_SOURCE_DIR; }

std::vector<nlohmann::json> LoadYamlFile(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  YamlDocuments docs = YamlToJson(text.str());
  EXPECT_TRUE(docs.error.ok()) << path << ": " << docs.error;
  return docs.documents;
}

const nlohmann::json& Crd::Schema() const {
  for (const nlohmann::json& version : object["spec"]["versions"]) {
    if (version.value("storage", false)) return version["schema"]["openAPIV3Schema"];
  }
  static const nlohmann::json kNone;
  ADD_FAILURE() << file << ": no storage version";
  return kNone;
}

std::vector<Crd> LoadCrds() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(SourceDir() + "/crds")) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<Crd> crds;
  for (const std::string& file : files) {
    std::vector<nlohmann::json> docs = LoadYamlFile(file);
    EXPECT_EQ(docs.size(), 1u) << file << ": one CRD per file";
    if (!docs.empty()) crds.push_back(Crd{file, docs[0]});
  }
  return crds;
}

const Crd* FindCrd(const std::vector<Crd>& crds, const std::string& api_version, const std::string& kind) {
  for (const Crd& crd : crds) {
    const nlohmann::json& spec = crd.object["spec"];
    if (spec["names"]["kind"] != kind) continue;
    for (const nlohmann::json& version : spec["versions"]) {
      if (spec["group"].get<std::string>() + "/" + version["name"].get<std::string>() == api_version &&
          version.value("served", false)) {
        return &crd;
      }
    }
  }
  return nullptr;
}

}  // namespace zroute::testing
