// A small validator for the OpenAPI v3 schemas of CustomResourceDefinitions, for tests: it checks
// manifests against crds/ without an API server.
//
// Supported keywords: type (object, array, string, integer, number, boolean), nullable, required,
// enum, pattern (std::regex ECMAScript, which agrees with RE2 on the patterns zroute uses),
// minimum / maximum with exclusiveMinimum / exclusiveMaximum, minLength / maxLength, minItems /
// maxItems, minProperties / maxProperties, properties, additionalProperties (as a schema), items,
// format int32, default (ApplyDefaults), x-kubernetes-preserve-unknown-fields,
// x-kubernetes-int-or-string, x-kubernetes-list-type set / map (uniqueness).
// Fields no schema declares are reported as "unknown field", which is what pruning would silently
// drop. CEL rules (x-kubernetes-validations) are not evaluated.
// The object's root `metadata` is Kubernetes ObjectMeta and is not checked beyond being an object.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zroute::testing {

// Every violation of `schema` by `value`, each "path: message" (path like ".spec.delivery").
// Empty when the value is valid.
std::vector<std::string> ValidateAgainstSchema(const nlohmann::json& schema, const nlohmann::json& value);

// `value` with the schema's defaults applied, as the API server does before validation: a missing
// property with a default gets it (the default itself defaulted), recursively through present
// objects, array items and additionalProperties.
nlohmann::json ApplyDefaults(const nlohmann::json& schema, nlohmann::json value);

}  // namespace zroute::testing
