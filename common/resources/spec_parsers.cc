#include "common/resources/spec_parsers.h"

#include <string>
#include <vector>

namespace zroute::resources_internal {
namespace {

using nlohmann::json;

std::string Indexed(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

Status ParseFilterList(const json& value, const std::string& path, int depth, std::vector<Filter>* out) {
  if (!value.is_array()) return Status::InvalidArgument(path + ": must be a list, not " + JsonTypeName(value));
  out->clear();
  for (size_t i = 0; i < value.size(); ++i) {
    Filter child;
    ZR_RETURN_IF_ERROR(ParseFilter(value[i], Indexed(path, i), depth, &child));
    out->push_back(std::move(child));
  }
  return Status::OK();
}

}  // namespace

Status ParseObjectMeta(const ObjectReader& root, ObjectMeta* out) {
  ZR_ASSIGN_OR_RETURN(std::optional<ObjectReader> meta, root.Child("metadata"));
  if (!meta) return Status::InvalidArgument("metadata: required");
  ZR_RETURN_IF_ERROR(meta->GetString("name", &out->name));
  ZR_RETURN_IF_ERROR(meta->GetString("namespace", &out->namespace_));
  if (out->namespace_.empty()) out->namespace_ = "default";
  ZR_RETURN_IF_ERROR(meta->GetInt64("generation", &out->generation));
  ZR_RETURN_IF_ERROR(meta->GetString("resourceVersion", &out->resource_version));
  ZR_RETURN_IF_ERROR(meta->GetString("uid", &out->uid));
  ZR_RETURN_IF_ERROR(meta->GetStringMap("labels", &out->labels));
  ZR_RETURN_IF_ERROR(meta->GetStringMap("annotations", &out->annotations));
  return Status::OK();
}

Status ParseTopicSpec(const ObjectReader& spec, TopicSpec* out) {
  ZR_RETURN_IF_ERROR(spec.RejectUnknown(
      {"partitionKeyAttribute", "retention", "allowedPublishers", "deadLetterTopic", "maxEventBytes"}));
  ZR_RETURN_IF_ERROR(spec.GetString("partitionKeyAttribute", &out->partition_key_attribute));
  ZR_ASSIGN_OR_RETURN(std::optional<ObjectReader> retention, spec.Child("retention"));
  if (retention) {
    ZR_RETURN_IF_ERROR(retention->RejectUnknown({"maxAge", "maxBytes"}));
    ZR_RETURN_IF_ERROR(retention->GetSeconds("maxAge", &out->retention_max_age));
    ZR_RETURN_IF_ERROR(retention->GetInt64("maxBytes", &out->retention_max_bytes));
  }
  ZR_RETURN_IF_ERROR(spec.GetStringList("allowedPublishers", &out->allowed_publishers));
  ZR_RETURN_IF_ERROR(spec.GetString("deadLetterTopic", &out->dead_letter_topic));
  ZR_RETURN_IF_ERROR(spec.GetInt64("maxEventBytes", &out->max_event_bytes));
  return Status::OK();
}

Status ParseFilter(const json& value, const std::string& path, int depth, Filter* out) {
  if (depth > kMaxFilterDepth) {
    return Status::InvalidArgument(path + ": filters nest deeper than " + std::to_string(kMaxFilterDepth) +
                                   " levels");
  }
  ZR_ASSIGN_OR_RETURN(ObjectReader filter, ObjectReader::Of(value, path));
  ZR_RETURN_IF_ERROR(filter.RejectUnknown({"exact", "prefix", "suffix", "all", "any", "not"}));
  int dialects = 0;
  for (const char* key : {"exact", "prefix", "suffix", "all", "any", "not"}) dialects += filter.Has(key) ? 1 : 0;
  if (dialects != 1) {
    return Status::InvalidArgument(path + ": must set exactly one of exact, prefix, suffix, all, any, not");
  }
  *out = Filter{};
  if (filter.Has("exact") || filter.Has("prefix") || filter.Has("suffix")) {
    const char* key = filter.Has("exact") ? "exact" : filter.Has("prefix") ? "prefix" : "suffix";
    out->kind = filter.Has("exact") ? Filter::Kind::kExact
                : filter.Has("prefix") ? Filter::Kind::kPrefix
                                       : Filter::Kind::kSuffix;
    return filter.GetStringMap(key, &out->attributes);
  }
  if (filter.Has("all") || filter.Has("any")) {
    const char* key = filter.Has("all") ? "all" : "any";
    out->kind = filter.Has("all") ? Filter::Kind::kAll : Filter::Kind::kAny;
    return ParseFilterList(*filter.Find(key), filter.PathOf(key), depth + 1, &out->children);
  }
  out->kind = Filter::Kind::kNot;
  out->children.resize(1);
  return ParseFilter(*filter.Find("not"), filter.PathOf("not"), depth + 1, &out->children[0]);
}

Status ParseSubscriptionSpec(const ObjectReader& spec, SubscriptionSpec* out) {
  ZR_RETURN_IF_ERROR(
      spec.RejectUnknown({"topic", "appId", "route", "filters", "delivery", "deadLetterTopic"}));
  ZR_RETURN_IF_ERROR(spec.GetString("topic", &out->topic));
  ZR_RETURN_IF_ERROR(spec.GetString("appId", &out->app_id));
  ZR_RETURN_IF_ERROR(spec.GetString("route", &out->route));
  if (const json* filters = spec.Find("filters")) {
    ZR_RETURN_IF_ERROR(ParseFilterList(*filters, spec.PathOf("filters"), 1, &out->filters));
  }
  ZR_ASSIGN_OR_RETURN(std::optional<ObjectReader> delivery, spec.Child("delivery"));
  if (delivery) {
    ZR_RETURN_IF_ERROR(delivery->RejectUnknown({"maxAttempts", "backoff", "initialDelay", "maxDelay",
                                                "attemptTimeout", "maxInFlight", "ordered", "batch"}));
    DeliveryPolicy& d = out->delivery;
    ZR_RETURN_IF_ERROR(delivery->GetInt("maxAttempts", &d.max_attempts));
    std::string backoff;
    ZR_RETURN_IF_ERROR(delivery->GetString("backoff", &backoff));
    if (backoff == "linear") {
      d.backoff = BackoffPolicy::kLinear;
    } else if (backoff == "exponential") {
      d.backoff = BackoffPolicy::kExponential;
    } else if (delivery->Has("backoff")) {
      return delivery->Error("backoff", "must be \"linear\" or \"exponential\", not \"" + backoff + "\"");
    }
    ZR_RETURN_IF_ERROR(delivery->GetMillis("initialDelay", &d.initial_delay));
    ZR_RETURN_IF_ERROR(delivery->GetMillis("maxDelay", &d.max_delay));
    ZR_RETURN_IF_ERROR(delivery->GetMillis("attemptTimeout", &d.attempt_timeout));
    ZR_RETURN_IF_ERROR(delivery->GetInt("maxInFlight", &d.max_in_flight));
    ZR_RETURN_IF_ERROR(delivery->GetBool("ordered", &d.ordered));
    ZR_ASSIGN_OR_RETURN(std::optional<ObjectReader> batch, delivery->Child("batch"));
    if (batch) {
      ZR_RETURN_IF_ERROR(batch->RejectUnknown({"maxEvents"}));
      ZR_RETURN_IF_ERROR(batch->GetInt("maxEvents", &d.batch_max_events));
    }
  }
  ZR_RETURN_IF_ERROR(spec.GetString("deadLetterTopic", &out->dead_letter_topic));
  return Status::OK();
}

Status ParseScalingPolicySpec(const ObjectReader& spec, ScalingPolicySpec* out) {
  ZR_RETURN_IF_ERROR(spec.RejectUnknown({"scaleTargetRef", "appId", "targetLagPerReplica",
                                         "targetEventsPerSecondPerReplica", "minReplicas", "maxReplicas",
                                         "activationLag", "scaleUp", "scaleDown", "tolerance", "mode"}));
  ZR_ASSIGN_OR_RETURN(std::optional<ObjectReader> target, spec.Child("scaleTargetRef"));
  if (target) {
    ZR_RETURN_IF_ERROR(target->RejectUnknown({"apiVersion", "kind", "name"}));
    ZR_RETURN_IF_ERROR(target->GetString("apiVersion", &out->scale_target_ref.api_version));
    ZR_RETURN_IF_ERROR(target->GetString("kind", &out->scale_target_ref.kind));
    ZR_RETURN_IF_ERROR(target->GetString("name", &out->scale_target_ref.name));
  }
  ZR_RETURN_IF_ERROR(spec.GetString("appId", &out->app_id));
  ZR_RETURN_IF_ERROR(spec.GetNumber("targetLagPerReplica", &out->target_lag_per_replica));
  ZR_RETURN_IF_ERROR(spec.GetNumber("targetEventsPerSecondPerReplica", &out->target_events_per_second_per_replica));
  ZR_RETURN_IF_ERROR(spec.GetInt("minReplicas", &out->min_replicas));
  ZR_RETURN_IF_ERROR(spec.GetInt("maxReplicas", &out->max_replicas));
  ZR_RETURN_IF_ERROR(spec.GetNumber("activationLag", &out->activation_lag));
  for (const char* key : {"scaleUp", "scaleDown"}) {
    ZR_ASSIGN_OR_RETURN(std::optional<ObjectReader> rules, spec.Child(key));
    if (!rules) continue;
    ZR_RETURN_IF_ERROR(rules->RejectUnknown({"stabilizationWindow"}));
    ZR_RETURN_IF_ERROR(rules->GetSeconds("stabilizationWindow", std::string(key) == "scaleUp"
                                                                     ? &out->scale_up_stabilization
                                                                     : &out->scale_down_stabilization));
  }
  ZR_RETURN_IF_ERROR(spec.GetNumber("tolerance", &out->tolerance));
  std::string mode;
  ZR_RETURN_IF_ERROR(spec.GetString("mode", &mode));
  if (mode == "hint") {
    out->mode = ScalingMode::kHint;
  } else if (mode == "apply") {
    out->mode = ScalingMode::kApply;
  } else if (spec.Has("mode")) {
    return spec.Error("mode", "must be \"hint\" or \"apply\", not \"" + mode + "\"");
  }
  return Status::OK();
}

}  // namespace zroute::resources_internal
