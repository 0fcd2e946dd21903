// Documents → ResourceSet: classifies each document by apiVersion/kind, parses zroute kinds with
// the JSON parsers of spec_parsers.h, validates them, and attaches the document's context to errors.
#include "common/resources/resource_parser.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/resources/json_fields.h"
#include "common/resources/spec_parsers.h"
#include "common/resources/yaml_to_json.h"

namespace zroute {
namespace {

using nlohmann::json;
using resources_internal::ObjectReader;

constexpr const char* kTopicKind = "Topic";
constexpr const char* kSubscriptionKind = "Subscription";
constexpr const char* kScalingPolicyKind = "ScalingPolicy";

// "Subscription default/audit" from whatever the object says, for error context even when the
// object is invalid.
std::string Describe(const json& object, const std::string& kind) {
  std::string ns = "default";
  std::string name = "<unnamed>";
  auto meta = object.find("metadata");
  if (meta != object.end() && meta->is_object()) {
    auto n = meta->find("namespace");
    if (n != meta->end() && n->is_string() && !n->get<std::string>().empty()) ns = n->get<std::string>();
    auto m = meta->find("name");
    if (m != meta->end() && m->is_string() && !m->get<std::string>().empty()) name = m->get<std::string>();
  }
  return kind + " " + ns + "/" + name;
}

// Parses and validates one object of `Kind`, errors without context.
template <typename Resource, typename Spec>
StatusOr<Resource> ParseResource(const json& object, Status (*parse_spec)(const ObjectReader&, Spec*),
                                 Status (*validate)(const Resource&)) {
  ZR_ASSIGN_OR_RETURN(ObjectReader root, ObjectReader::Of(object, ""));
  ZR_RETURN_IF_ERROR(root.RejectUnknown({"apiVersion", "kind", "metadata", "spec", "status"}));
  Resource resource;
  ZR_RETURN_IF_ERROR(resources_internal::ParseObjectMeta(root, &resource.meta));
  ZR_ASSIGN_OR_RETURN(std::optional<ObjectReader> spec, root.Child("spec"));
  if (spec) ZR_RETURN_IF_ERROR(parse_spec(*spec, &resource.spec));
  ZR_RETURN_IF_ERROR(validate(resource));
  return resource;
}

StatusOr<Topic> ParseTopic(const json& o) {
  return ParseResource<Topic, TopicSpec>(o, resources_internal::ParseTopicSpec, ValidateTopic);
}
StatusOr<Subscription> ParseSubscription(const json& o) {
  return ParseResource<Subscription, SubscriptionSpec>(o, resources_internal::ParseSubscriptionSpec,
                                                       ValidateSubscription);
}
StatusOr<ScalingPolicy> ParseScalingPolicy(const json& o) {
  return ParseResource<ScalingPolicy, ScalingPolicySpec>(o, resources_internal::ParseScalingPolicySpec,
                                                         ValidateScalingPolicy);
}

// Cluster-mode entry: checks apiVersion and kind, then prefixes errors with the object.
template <typename Resource>
StatusOr<Resource> FromJson(const json& object, const std::string& kind, StatusOr<Resource> (*parse)(const json&)) {
  if (!object.is_object()) return Status::InvalidArgument(kind + ": object must be a JSON object");
  const std::string label = Describe(object, kind);
  const auto api_version = object.find("apiVersion");
  const auto object_kind = object.find("kind");
  if (api_version == object.end() || *api_version != kApiVersion) {
    return Status::InvalidArgument(label + ": apiVersion: must be " + kApiVersion);
  }
  if (object_kind == object.end() || *object_kind != kind) {
    return Status::InvalidArgument(label + ": kind: must be " + kind);
  }
  StatusOr<Resource> parsed = parse(object);
  if (!parsed.ok()) return parsed.status().WithContext(label);
  return parsed;
}

// Accumulates documents into a ResourceSet, rejecting a second definition of the same object
// (standalone mode would otherwise pick one silently).
class Collector {
 public:
  explicit Collector(ResourceSet* set) : set_(set) {}

  // `where` is "origin: document N"; errors come out as "where (Kind ns/name): message".
  void AddDocument(const json& doc, const std::string& where) {
    if (doc.is_null()) return;  // empty document, e.g. a trailing "---"
    if (!doc.is_object()) {
      Reject(Status::InvalidArgument(where + ": must be a mapping with apiVersion and kind, not " +
                                     resources_internal::JsonTypeName(doc)));
      return;
    }
    const auto api_version = doc.find("apiVersion");
    const auto kind = doc.find("kind");
    if (api_version == doc.end() || !api_version->is_string() || api_version->get<std::string>().empty()) {
      Reject(Status::InvalidArgument(where + ": apiVersion: required"));
      return;
    }
    if (kind == doc.end() || !kind->is_string() || kind->get<std::string>().empty()) {
      Reject(Status::InvalidArgument(where + ": kind: required"));
      return;
    }
    const std::string version = api_version->get<std::string>();
    const std::string kind_name = kind->get<std::string>();
    if (version == "v1" && kind_name == "List") {
      AddList(doc, where);
      return;
    }
    const size_t slash = version.find('/');
    if (slash == std::string::npos || version.substr(0, slash) != kApiGroup) return;  // not ours
    const std::string context = where + " (" + Describe(doc, kind_name) + ")";
    if (version != kApiVersion) {
      Reject(Status::InvalidArgument(context + ": apiVersion: \"" + version + "\" is not served; use " + kApiVersion));
    } else if (kind_name == kTopicKind) {
      Keep(ParseTopic(doc), &set_->topics, kind_name, context);
    } else if (kind_name == kSubscriptionKind) {
      Keep(ParseSubscription(doc), &set_->subscriptions, kind_name, context);
    } else if (kind_name == kScalingPolicyKind) {
      Keep(ParseScalingPolicy(doc), &set_->scaling_policies, kind_name, context);
    } else {
      Reject(Status::InvalidArgument(context + ": kind: \"" + kind_name + "\" is not a " + kApiGroup +
                                     " kind (Topic, Subscription, ScalingPolicy)"));
    }
  }

  void Reject(Status status) { set_->errors.push_back(std::move(status)); }

 private:
  void AddList(const json& list, const std::string& where) {
    auto items = list.find("items");
    if (items == list.end() || items->is_null()) return;
    if (!items->is_array()) {
      Reject(Status::InvalidArgument(where + ": items: must be a list"));
      return;
    }
    for (size_t i = 0; i < items->size(); ++i) {
      AddDocument((*items)[i], where + " items[" + std::to_string(i) + "]");
    }
  }

  template <typename Resource>
  void Keep(StatusOr<Resource> parsed, std::vector<Resource>* out, const std::string& kind,
            const std::string& context) {
    if (!parsed.ok()) {
      Reject(parsed.status().WithContext(context));
      return;
    }
    const std::string key = kind + " " + parsed->meta.Key();
    auto [it, inserted] = seen_.emplace(key, context);
    if (!inserted) {
      Reject(Status::AlreadyExists(context + ": " + key + " is already defined by " + it->second));
      return;
    }
    out->push_back(std::move(parsed).value());
  }

  ResourceSet* set_;
  std::map<std::string, std::string> seen_;  // "Kind ns/name" → where it was first defined
};

void AddYamlText(const std::string& text, const std::string& origin, Collector* collector) {
  YamlDocuments docs = YamlToJson(text);
  for (size_t i = 0; i < docs.documents.size(); ++i) {
    collector->AddDocument(docs.documents[i], origin + ": document " + std::to_string(i + 1));
  }
  if (!docs.error.ok()) {
    collector->Reject(docs.error.WithContext(origin + ": document " + std::to_string(docs.documents.size() + 1)));
  }
}

}  // namespace

ResourceSet ParseYamlDocuments(const std::string& text, const std::string& origin) {
  ResourceSet set;
  Collector collector(&set);
  AddYamlText(text, origin, &collector);
  return set;
}

StatusOr<ResourceSet> LoadManifestFolder(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Status::NotFound("manifest folder " + dir + " does not exist");
  if (!fs::is_directory(dir, ec)) return Status::InvalidArgument(dir + " is not a folder");
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string ext = it->path().extension().string();
    if ((ext == ".yaml" || ext == ".yml") && it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (ec) return Status::IOError("reading manifest folder " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());

  ResourceSet set;
  Collector collector(&set);
  const YamlLimits limits;
  for (const fs::path& file : files) {
    const std::string origin = file.string();
    const auto size = fs::file_size(file, ec);
    if (ec) {
      collector.Reject(Status::IOError(origin + ": " + ec.message()));
      continue;
    }
    if (size > limits.max_bytes) {
      collector.Reject(Status::TooLarge(origin + ": " + std::to_string(size) + " bytes exceeds the limit of " +
                                        std::to_string(limits.max_bytes)));
      continue;
    }
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) {
      collector.Reject(Status::IOError(origin + ": read failed"));
      continue;
    }
    AddYamlText(text.str(), origin, &collector);
  }
  return set;
}

StatusOr<Topic> TopicFromJson(const json& object) { return FromJson<Topic>(object, kTopicKind, ParseTopic); }
StatusOr<Subscription> SubscriptionFromJson(const json& object) {
  return FromJson<Subscription>(object, kSubscriptionKind, ParseSubscription);
}
StatusOr<ScalingPolicy> ScalingPolicyFromJson(const json& object) {
  return FromJson<ScalingPolicy>(object, kScalingPolicyKind, ParseScalingPolicy);
}

}  // namespace zroute
