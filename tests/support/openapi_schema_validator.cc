#include "tests/support/openapi_schema_validator.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <regex>
#include <set>

namespace zroute::testing {
namespace {

using nlohmann::json;

class Validator {
 public:
  std::vector<std::string> errors;

  void Check(const json& schema, const json& value, const std::string& path, bool root) {
    if (value.is_null()) {
      if (!schema.value("nullable", false)) Fail(path, "must not be null");
      return;
    }
    if (schema.value("x-kubernetes-int-or-string", false)) {
      if (!value.is_number_integer() && !value.is_string()) Fail(path, "must be an integer or a string");
      return;
    }
    const std::string type = schema.value("type", "");
    if (!type.empty() && !HasType(value, type)) {
      Fail(path, "must be of type " + type + ", not " + std::string(value.type_name()));
      return;
    }
    if (schema.contains("enum")) {
      bool found = false;
      for (const json& allowed : schema["enum"]) found = found || allowed == value;
      if (!found) Fail(path, "must be one of " + schema["enum"].dump() + ", not " + value.dump());
    }
    if (value.is_string()) CheckString(schema, value.get<std::string>(), path);
    if (value.is_number()) CheckNumber(schema, value, path);
    if (value.is_array()) CheckArray(schema, value, path);
    if (value.is_object()) CheckObject(schema, value, path, root);
  }

 private:
  void Fail(const std::string& path, const std::string& message) {
    errors.push_back((path.empty() ? "." : path) + ": " + message);
  }

  static bool HasType(const json& value, const std::string& type) {
    if (type == "object") return value.is_object();
    if (type == "array") return value.is_array();
    if (type == "string") return value.is_string();
    if (type == "boolean") return value.is_boolean();
    if (type == "integer") return value.is_number_integer();
    if (type == "number") return value.is_number();
    return false;
  }

  void CheckString(const json& schema, const std::string& s, const std::string& path) {
    if (schema.contains("minLength") && s.size() < schema["minLength"].get<size_t>()) {
      Fail(path, "shorter than " + schema["minLength"].dump());
    }
    if (schema.contains("maxLength") && s.size() > schema["maxLength"].get<size_t>()) {
      Fail(path, "longer than " + schema["maxLength"].dump());
    }
    if (schema.contains("pattern")) {
      const std::string pattern = schema["pattern"].get<std::string>();
      // JSON Schema patterns are unanchored searches; the CRDs anchor their own.
      if (!std::regex_search(s, std::regex(pattern))) Fail(path, "\"" + s + "\" does not match " + pattern);
    }
  }

  void CheckNumber(const json& schema, const json& value, const std::string& path) {
    const double d = value.get<double>();
    if (schema.contains("minimum")) {
      const double min = schema["minimum"].get<double>();
      if (schema.value("exclusiveMinimum", false) ? !(d > min) : !(d >= min)) {
        Fail(path, value.dump() + " is below the minimum " + schema["minimum"].dump());
      }
    }
    if (schema.contains("maximum")) {
      const double max = schema["maximum"].get<double>();
      if (schema.value("exclusiveMaximum", false) ? !(d < max) : !(d <= max)) {
        Fail(path, value.dump() + " is above the maximum " + schema["maximum"].dump());
      }
    }
    if (schema.value("format", "") == "int32" && value.is_number_integer() &&
        (value.get<int64_t>() < std::numeric_limits<int32_t>::min() ||
         value.get<int64_t>() > std::numeric_limits<int32_t>::max())) {
      Fail(path, "out of int32 range");
    }
  }

  void CheckArray(const json& schema, const json& value, const std::string& path) {
    if (schema.contains("minItems") && value.size() < schema["minItems"].get<size_t>()) {
      Fail(path, "fewer than " + schema["minItems"].dump() + " items");
    }
    if (schema.contains("maxItems") && value.size() > schema["maxItems"].get<size_t>()) {
      Fail(path, "more than " + schema["maxItems"].dump() + " items");
    }
    const std::string list_type = schema.value("x-kubernetes-list-type", "");
    if (list_type == "set") {
      std::set<std::string> seen;
      for (const json& item : value) {
        if (!seen.insert(item.dump()).second) Fail(path, "duplicate entry " + item.dump());
      }
    } else if (list_type == "map" && schema.contains("x-kubernetes-list-map-keys")) {
      std::set<std::string> seen;
      for (const json& item : value) {
        json key = json::array();
        for (const json& k : schema["x-kubernetes-list-map-keys"]) {
          key.push_back(item.is_object() ? item.value(k.get<std::string>(), json()) : json());
        }
        if (!seen.insert(key.dump()).second) Fail(path, "duplicate entry for key " + key.dump());
      }
    }
    if (!schema.contains("items")) return;
    for (size_t i = 0; i < value.size(); ++i) {
      Check(schema["items"], value[i], path + "[" + std::to_string(i) + "]", false);
    }
  }

  void CheckObject(const json& schema, const json& value, const std::string& path, bool root) {
    if (schema.contains("minProperties") && value.size() < schema["minProperties"].get<size_t>()) {
      Fail(path, "fewer than " + schema["minProperties"].dump() + " properties");
    }
    if (schema.contains("maxProperties") && value.size() > schema["maxProperties"].get<size_t>()) {
      Fail(path, "more than " + schema["maxProperties"].dump() + " properties");
    }
    for (const json& name : schema.value("required", json::array())) {
      if (!value.contains(name.get<std::string>())) Fail(path + "." + name.get<std::string>(), "required");
    }
    const bool preserve = schema.value("x-kubernetes-preserve-unknown-fields", false);
    const json& properties = schema.contains("properties") ? schema["properties"] : json::object();
    for (const auto& [key, child] : value.items()) {
      const std::string child_path = path + "." + key;
      if (properties.contains(key)) {
        // ObjectMeta is the API server's business, not the CRD's.
        if (root && key == "metadata") continue;
        Check(properties[key], child, child_path, false);
      } else if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
        Check(schema["additionalProperties"], child, child_path, false);
      } else if (!preserve) {
        Fail(child_path, "unknown field (it would be pruned)");
      }
    }
  }
};

}  // namespace

std::vector<std::string> ValidateAgainstSchema(const json& schema, const json& value) {
  Validator validator;
  validator.Check(schema, value, "", /*root=*/true);
  return validator.errors;
}

json ApplyDefaults(const json& schema, json value) {
  if (value.is_object()) {
    if (schema.contains("properties")) {
      for (const auto& [key, child] : schema["properties"].items()) {
        if (!value.contains(key) && child.contains("default")) value[key] = ApplyDefaults(child, child["default"]);
        if (value.contains(key)) value[key] = ApplyDefaults(child, value[key]);
      }
    } else if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
      for (auto& [key, child] : value.items()) child = ApplyDefaults(schema["additionalProperties"], child);
    }
  } else if (value.is_array() && schema.contains("items")) {
    for (json& item : value) item = ApplyDefaults(schema["items"], item);
  }
  return value;
}

}  // namespace zroute::testing
