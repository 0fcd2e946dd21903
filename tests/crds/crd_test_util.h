// Loading CRDs and manifests for the crd_schema_test suites.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zroute::testing {

// The source tree root (ZROUTE_SOURCE_DIR, set by tests/crds/CMakeLists.txt).
std::string SourceDir();

// Every document of a YAML file as JSON; fails the current test on a read or syntax error.
std::vector<nlohmann::json> LoadYamlFile(const std::string& path);

struct Crd {
  std::string file;
  nlohmann::json object;  // the whole CustomResourceDefinition
  // The openAPIV3Schema of the storage version.
  const nlohmann::json& Schema() const;
};

// crds/*.yaml, in name order.
std::vector<Crd> LoadCrds();

// The CRD serving `apiVersion` + `kind`, or nullptr.
const Crd* FindCrd(const std::vector<Crd>& crds, const std::string& api_version, const std::string& kind);

}  // namespace zroute::testing
