// Structural-schema rules the API server enforces on CRDs, checked without an API server, plus
// zroute's own conventions (names, status subresource, conditions, printer columns, defaults).
#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/util/duration.h"
#include "tests/crds/crd_test_util.h"
#include "tests/support/openapi_schema_validator.h"

namespace zroute::testing {
namespace {

using nlohmann::json;

// JSONSchemaProps keys a structural schema may use (v1). Absent on purpose: $ref, definitions,
// patternProperties, dependencies, additionalItems, uniqueItems, id, $schema, and the logical
// junctors allOf/anyOf/oneOf/not, which zroute's CRDs do not need.
const std::set<std::string> kAllowedKeys = {
    "description", "type", "format", "title", "default", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems", "multipleOf", "enum",
    "maxProperties", "minProperties", "required", "items", "properties", "additionalProperties", "nullable",
    "example", "externalDocs", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource",
    "x-kubernetes-int-or-string", "x-kubernetes-list-map-keys", "x-kubernetes-list-type", "x-kubernetes-map-type",
    "x-kubernetes-validations"};

const std::set<std::string> kTypes = {"object", "array", "string", "integer", "number", "boolean"};

// Walks a schema and records every non-structural construct as "path: problem".
class StructuralChecker {
 public:
  std::vector<std::string> problems;

  void Walk(const json& node, const std::string& path, bool is_root) {
    if (!node.is_object()) {
      Problem(path, "schema node is not an object");
      return;
    }
    for (const auto& [key, value] : node.items()) {
      if (!kAllowedKeys.count(key)) Problem(path, "\"" + key + "\" is not allowed in a structural schema");
    }
    const bool int_or_string = node.value("x-kubernetes-int-or-string", false);
    const bool preserve = node.value("x-kubernetes-preserve-unknown-fields", false);
    if (!node.contains("type")) {
      if (!int_or_string && !preserve) Problem(path, "missing type");
    } else if (!node["type"].is_string() || !kTypes.count(node["type"].get<std::string>())) {
      Problem(path, "unknown type " + node["type"].dump());
    }
    const std::string type = node.value("type", "");
    if (node.contains("additionalProperties")) {
      if (!node["additionalProperties"].is_object()) {
        Problem(path, "additionalProperties must be a schema (false is not structural)");
      } else {
        if (node.contains("properties")) Problem(path, "properties and additionalProperties are exclusive");
        Walk(node["additionalProperties"], path + ".additionalProperties", false);
      }
    }
    if (type == "array") {
      if (!node.contains("items")) Problem(path, "array without items");
      else Walk(node["items"], path + ".items", false);
      CheckListType(node, path);
    } else if (node.contains("items")) {
      Problem(path, "items on a non-array");
    }
    if (node.contains("properties")) {
      if (type != "object") Problem(path, "properties on a non-object");
      for (const auto& [name, child] : node["properties"].items()) {
        if (is_root && name == "metadata") {
          CheckMetadata(child, path + ".properties.metadata");
        } else {
          Walk(child, path + ".properties." + name, false);
        }
      }
    }
    for (const json& name : node.value("required", json::array())) {
      if (!node.contains("properties") || !node["properties"].contains(name.get<std::string>())) {
        Problem(path, "required field " + name.dump() + " is not a property");
      }
    }
    if (node.contains("x-kubernetes-validations")) CheckValidations(node, path);
  }

 private:
  void Problem(const std::string& path, const std::string& what) { problems.push_back(path + ": " + what); }

  void CheckMetadata(const json& node, const std::string& path) {
    if (node.value("type", "") != "object") Problem(path, "metadata must be of type object");
    for (const auto& [key, value] : node.items()) {
      if (key != "type" && key != "properties" && key != "description") {
        Problem(path, "metadata may not set \"" + key + "\"");
      }
    }
    if (node.contains("properties")) {
      for (const auto& [name, child] : node["properties"].items()) {
        if (name != "name" && name != "generateName") Problem(path, "metadata may only constrain name and generateName");
        Walk(child, path + ".properties." + name, false);
      }
    }
  }

  void CheckListType(const json& node, const std::string& path) {
    if (!node.contains("x-kubernetes-list-type")) return;
    const std::string list_type = node["x-kubernetes-list-type"].get<std::string>();
    if (list_type != "atomic" && list_type != "set" && list_type != "map") Problem(path, "bad list type");
    if (list_type == "map") {
      if (!node.contains("x-kubernetes-list-map-keys") || node["x-kubernetes-list-map-keys"].empty()) {
        Problem(path, "list-type map needs x-kubernetes-list-map-keys");
        return;
      }
      const json& item = node["items"];
      for (const json& key : node["x-kubernetes-list-map-keys"]) {
        const std::string k = key.get<std::string>();
        const json required_fields = item.value("required", json::array());
        const bool required = std::find(required_fields.begin(), required_fields.end(), key) != required_fields.end();
        const bool defaulted = item.contains("properties") && item["properties"].contains(k) &&
                               item["properties"][k].contains("default");
        if (!required && !defaulted) Problem(path, "list-map key " + k + " must be required or defaulted");
      }
    } else if (node.contains("x-kubernetes-list-map-keys")) {
      Problem(path, "list-map-keys without list-type map");
    }
  }

  // Each CEL rule is well-formed and names only fields its node declares (a typo in a field name
  // would only show as a cluster-side compile error).
  void CheckValidations(const json& node, const std::string& path) {
    static const std::regex kSelfField(R"(self\.([A-Za-z_][A-Za-z0-9_]*))");
    for (const json& rule : node["x-kubernetes-validations"]) {
      for (const auto& [key, value] : rule.items()) {
        if (key != "rule" && key != "message" && key != "fieldPath" && key != "messageExpression" && key != "reason") {
          Problem(path, "validation rule has unknown key " + key);
        }
      }
      if (!rule.contains("rule") || !rule["rule"].is_string() || rule["rule"].get<std::string>().empty()) {
        Problem(path, "validation without rule");
        continue;
      }
      if (!rule.contains("message")) Problem(path, "validation rule without message");
      if (rule.contains("fieldPath") && rule["fieldPath"].get<std::string>().rfind(".", 0) != 0) {
        Problem(path, "fieldPath must start with '.'");
      }
      const std::string text = rule["rule"].get<std::string>();
      if (!node.contains("properties")) continue;  // a map or scalar: self has no fields
      for (std::sregex_iterator it(text.begin(), text.end(), kSelfField), end; it != end; ++it) {
        const std::string field = (*it)[1];
        if (!node["properties"].contains(field)) Problem(path, "rule names unknown field self." + field);
      }
    }
  }
};

class CrdTest : public ::testing::Test {
 protected:
  std::vector<Crd> crds_ = LoadCrds();
};

TEST_F(CrdTest, AllThreeCrdsArePresent) {
  std::set<std::string> names;
  for (const Crd& crd : crds_) names.insert(crd.object["metadata"]["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"topics.zroute.io", "subscriptions.zroute.io", "scalingpolicies.zroute.io"}));
}

TEST_F(CrdTest, NamesFollowTheConventions) {
  for (const Crd& crd : crds_) {
    SCOPED_TRACE(crd.file);
    const json& spec = crd.object["spec"];
    EXPECT_EQ(crd.object["apiVersion"], "apiextensions.k8s.io/v1");
    EXPECT_EQ(crd.object["kind"], "CustomResourceDefinition");
    EXPECT_EQ(spec["group"], "zroute.io");
    EXPECT_EQ(spec["scope"], "Namespaced");
    EXPECT_EQ(crd.object["metadata"]["name"], spec["names"]["plural"].get<std::string>() + ".zroute.io");
    EXPECT_EQ(std::filesystem::path(crd.file).filename().string(),
              crd.object["metadata"]["name"].get<std::string>() + ".yaml");
    EXPECT_EQ(spec["names"]["listKind"], spec["names"]["kind"].get<std::string>() + "List");
    EXPECT_FALSE(spec["names"].value("shortNames", json::array()).empty());
    EXPECT_THAT(spec["names"].value("categories", json::array()), ::testing::Contains(json("zroute")));
  }
}

TEST_F(CrdTest, ExactlyOneStorageVersionAndItIsServed) {
  for (const Crd& crd : crds_) {
    SCOPED_TRACE(crd.file);
    int storage = 0;
    for (const json& version : crd.object["spec"]["versions"]) {
      if (version.value("storage", false)) {
        ++storage;
        EXPECT_TRUE(version.value("served", false));
        EXPECT_EQ(version["name"], "v1alpha1");
      }
    }
    EXPECT_EQ(storage, 1);
  }
}

TEST_F(CrdTest, SchemasAreStructural) {
  for (const Crd& crd : crds_) {
    SCOPED_TRACE(crd.file);
    StructuralChecker checker;
    checker.Walk(crd.Schema(), "openAPIV3Schema", /*is_root=*/true);
    EXPECT_THAT(checker.problems, ::testing::IsEmpty());
    EXPECT_EQ(crd.Schema()["type"], "object");
  }
}

TEST_F(CrdTest, EverySchemaNodeIsDescribedDownToTheSpecFields) {
  for (const Crd& crd : crds_) {
    SCOPED_TRACE(crd.file);
    const json& properties = crd.Schema()["properties"];
    for (const char* part : {"spec", "status"}) {
      ASSERT_TRUE(properties.contains(part)) << part;
      EXPECT_TRUE(properties[part].contains("description")) << part;
      for (const auto& [name, field] : properties[part]["properties"].items()) {
        EXPECT_TRUE(field.contains("description")) << part << "." << name;
      }
    }
  }
}

TEST_F(CrdTest, StatusSubresourceAndConditionsListMap) {
  for (const Crd& crd : crds_) {
    SCOPED_TRACE(crd.file);
    for (const json& version : crd.object["spec"]["versions"]) {
      ASSERT_TRUE(version.contains("subresources") && version["subresources"].contains("status"));
    }
    const json& status = crd.Schema()["properties"]["status"]["properties"];
    ASSERT_TRUE(status.contains("conditions"));
    const json& conditions = status["conditions"];
    EXPECT_EQ(conditions["x-kubernetes-list-type"], "map");
    EXPECT_EQ(conditions["x-kubernetes-list-map-keys"], json({"type"}));
    EXPECT_EQ(conditions["items"]["properties"]["status"]["enum"], json({"True", "False", "Unknown"}));
    EXPECT_TRUE(status.contains("observedGeneration"));
  }
}

TEST_F(CrdTest, StatusFieldsTheOperatorWrites) {
  auto status_of = [&](const std::string& kind) {
    const Crd* crd = FindCrd(crds_, "zroute.io/v1alpha1", kind);
    EXPECT_NE(crd, nullptr) << kind;
    return crd ? crd->Schema()["properties"]["status"]["properties"] : json::object();
  };
  for (const char* field : {"readyReplicas", "lag", "delivered", "deadLettered"}) {
    EXPECT_TRUE(status_of("Subscription").contains(field)) << field;
  }
  for (const char* field : {"recommendedReplicas", "inputs"}) {
    EXPECT_TRUE(status_of("ScalingPolicy").contains(field)) << field;
  }
  EXPECT_TRUE(status_of("Topic").contains("publishers"));
}

// Resolves a printer column's simple JSONPath (.a.b, .a[?(...)].c) against the schema.
bool JsonPathExists(const json& schema, const std::string& json_path) {
  const std::string path = std::regex_replace(json_path, std::regex(R"(\[[^\]]*\])"), "");
  if (path == ".metadata.creationTimestamp" || path == ".metadata.name") return true;
  const json* node = &schema;
  size_t start = 1;
  while (start <= path.size()) {
    const size_t dot = path.find('.', start);
    const std::string name = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if ((*node).value("type", "") == "array") node = &(*node)["items"];
    if (!node->contains("properties") || !(*node)["properties"].contains(name)) return false;
    node = &(*node)["properties"][name];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return true;
}

TEST_F(CrdTest, PrinterColumnsPointAtSchemaFields) {
  const std::set<std::string> types = {"integer", "number", "string", "boolean", "date"};
  for (const Crd& crd : crds_) {
    SCOPED_TRACE(crd.file);
    for (const json& version : crd.object["spec"]["versions"]) {
      ASSERT_TRUE(version.contains("additionalPrinterColumns"));
      bool has_age = false;
      for (const json& column : version["additionalPrinterColumns"]) {
        EXPECT_TRUE(types.count(column["type"].get<std::string>())) << column;
        EXPECT_TRUE(JsonPathExists(crd.Schema(), column["jsonPath"].get<std::string>())) << column;
        has_age = has_age || column["name"] == "Age";
      }
      EXPECT_TRUE(has_age);
    }
  }
}

// Collects every schema node with a default, with its path.
void CollectDefaults(const json& node, const std::string& path, std::vector<std::pair<std::string, const json*>>* out) {
  if (!node.is_object()) return;
  if (node.contains("default")) out->push_back({path, &node});
  if (node.contains("properties")) {
    for (const auto& [name, child] : node["properties"].items()) CollectDefaults(child, path + "." + name, out);
  }
  if (node.contains("items")) CollectDefaults(node["items"], path + "[]", out);
  if (node.contains("additionalProperties")) CollectDefaults(node["additionalProperties"], path + ".*", out);
}

TEST_F(CrdTest, EveryDefaultValidatesAgainstItsOwnSchema) {
  size_t defaults = 0;
  for (const Crd& crd : crds_) {
    std::vector<std::pair<std::string, const json*>> nodes;
    CollectDefaults(crd.Schema(), "", &nodes);
    for (const auto& [path, node] : nodes) {
      ++defaults;
      const json value = ApplyDefaults(*node, (*node)["default"]);
      EXPECT_THAT(ValidateAgainstSchema(*node, value), ::testing::IsEmpty()) << crd.file << " " << path;
    }
  }
  EXPECT_GE(defaults, 20u);  // the CRDs default every optional spec field
}

void CollectDurations(const json& node, std::vector<const json*>* out) {
  if (!node.is_object()) return;
  if (node.value("pattern", "").find("ms|s|m|h") != std::string::npos) out->push_back(&node);
  for (const char* key : {"items", "additionalProperties"}) {
    if (node.contains(key)) CollectDurations(node[key], out);
  }
  if (node.contains("properties")) {
    for (const auto& [name, child] : node["properties"].items()) CollectDurations(child, out);
  }
}

// Duration strings use exactly the grammar common/util/duration.h parses, and a length bound that
// keeps the estimated cost of CEL's duration() within the API server's budget.
TEST_F(CrdTest, DurationFieldsUseTheParserGrammarAndAreBounded) {
  std::vector<const json*> durations;
  for (const Crd& crd : crds_) CollectDurations(crd.Schema(), &durations);
  EXPECT_EQ(durations.size(), 6u);  // maxAge; initialDelay, maxDelay, attemptTimeout; two windows
  for (const json* node : durations) {
    EXPECT_EQ((*node)["pattern"], kDurationPattern) << *node;
    EXPECT_EQ((*node)["maxLength"], kMaxDurationLength) << *node;
    if (node->contains("default")) {
      EXPECT_TRUE(ParseDuration((*node)["default"].get<std::string>()).ok()) << *node;
    }
  }
}

}  // namespace
}  // namespace zroute::testing
