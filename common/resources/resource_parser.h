// Parsing and validation of zroute resources from YAML (standalone mode) and from Kubernetes API
// JSON (cluster mode). Both produce the structs of resource_model.h with the CRD defaults applied.
//
// An invalid document yields an error that names where it came from and the field path, e.g.
//   "examples/demo.yaml: document 2 (Subscription default/audit): spec.delivery.maxAttempts: must be >= 1"
// and never affects the other documents of the same file or folder.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/resources/resource_model.h"
#include "common/util/status.h"

namespace zroute {

// Everything a set of documents declared. Documents of other kinds (a Deployment in the same
// file) are skipped silently; documents of zroute kinds that fail validation go to `errors`.
struct ResourceSet {
  std::vector<Topic> topics;
  std::vector<Subscription> subscriptions;
  std::vector<ScalingPolicy> scaling_policies;
  std::vector<Status> errors;  // one per rejected document, already carrying file/document context
};

// Parses every YAML document of `text`. `origin` (a file name) prefixes error messages.
ResourceSet ParseYamlDocuments(const std::string& text, const std::string& origin);

// Reads every *.yaml / *.yml file of a folder (not recursive), in name order.
// Errors reading the folder itself are returned as a Status; per-document errors go to `errors`.
StatusOr<ResourceSet> LoadManifestFolder(const std::string& dir);

// Cluster mode: one object as the Kubernetes API returns it (apiVersion, kind, metadata, spec).
StatusOr<Topic> TopicFromJson(const nlohmann::json& object);
StatusOr<Subscription> SubscriptionFromJson(const nlohmann::json& object);
StatusOr<ScalingPolicy> ScalingPolicyFromJson(const nlohmann::json& object);

// Validation rules shared by both paths (the CRD's CEL rules, restated): names are DNS-1123
// labels, maxDelay >= initialDelay, minReplicas <= maxReplicas, etc. The error names the field.
Status ValidateTopic(const Topic& topic);
Status ValidateSubscription(const Subscription& subscription);
Status ValidateScalingPolicy(const ScalingPolicy& policy);

}  // namespace zroute
