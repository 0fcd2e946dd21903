#include "common/routing/resource_json.h"

namespace zroute {
namespace {

nlohmann::json MetaToJson(const ObjectMeta& m) {
  nlohmann::json j = {{"name", m.name}, {"namespace", m.namespace_}};
  if (m.generation != 0) j["generation"] = m.generation;
  return j;
}

const char* FilterKindName(Filter::Kind k) {
  switch (k) {
    case Filter::Kind::kExact: return "exact";
    case Filter::Kind::kPrefix: return "prefix";
    case Filter::Kind::kSuffix: return "suffix";
    case Filter::Kind::kAll: return "all";
    case Filter::Kind::kAny: return "any";
    case Filter::Kind::kNot: return "not";
  }
  return "exact";
}

}  // namespace

std::string FormatMillis(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

nlohmann::json FilterToJson(const Filter& f) {
  nlohmann::json j = nlohmann::json::object();
  const char* name = FilterKindName(f.kind);
  switch (f.kind) {
    case Filter::Kind::kExact:
    case Filter::Kind::kPrefix:
    case Filter::Kind::kSuffix:
      j[name] = f.attributes;
      break;
    case Filter::Kind::kAll:
    case Filter::Kind::kAny: {
      nlohmann::json children = nlohmann::json::array();
      for (const auto& c : f.children) children.push_back(FilterToJson(c));
      j[name] = children;
      break;
    }
    case Filter::Kind::kNot:
      j[name] = f.children.empty() ? nlohmann::json::object() : FilterToJson(f.children.front());
      break;
  }
  return j;
}

nlohmann::json TopicToJson(const Topic& t) {
  const TopicSpec& s = t.spec;
  nlohmann::json spec = {
      {"partitionKeyAttribute", s.partition_key_attribute},
      {"retention", {{"maxAge", std::to_string(s.retention_max_age.count()) + "s"}, {"maxBytes", s.retention_max_bytes}}},
      {"allowedPublishers", s.allowed_publishers},
      {"maxEventBytes", s.max_event_bytes},
  };
  if (!s.dead_letter_topic.empty()) spec["deadLetterTopic"] = s.dead_letter_topic;
  return {{"apiVersion", kApiVersion}, {"kind", "Topic"}, {"metadata", MetaToJson(t.meta)}, {"spec", spec}};
}

nlohmann::json SubscriptionToJson(const Subscription& sub) {
  const SubscriptionSpec& s = sub.spec;
  const DeliveryPolicy& d = s.delivery;
  nlohmann::json filters = nlohmann::json::array();
  for (const auto& f : s.filters) filters.push_back(FilterToJson(f));
  nlohmann::json spec = {
      {"topic", s.topic},
      {"appId", s.app_id},
      {"route", s.route},
      {"filters", filters},
      {"delivery",
       {{"maxAttempts", d.max_attempts},
        {"backoff", d.backoff == BackoffPolicy::kLinear ? "linear" : "exponential"},
        {"initialDelay", FormatMillis(d.initial_delay)},
        {"maxDelay", FormatMillis(d.max_delay)},
        {"attemptTimeout", FormatMillis(d.attempt_timeout)},
        {"maxInFlight", d.max_in_flight},
        {"ordered", d.ordered},
        {"batch", {{"maxEvents", d.batch_max_events}}}}},
  };
  if (!s.dead_letter_topic.empty()) spec["deadLetterTopic"] = s.dead_letter_topic;
  return {{"apiVersion", kApiVersion}, {"kind", "Subscription"}, {"metadata", MetaToJson(sub.meta)}, {"spec", spec}};
}

}  // namespace zroute
