// The validation rules of resource_parser.h: the CRDs' OpenAPI constraints and CEL rules restated,
// so that standalone mode (no API server) rejects exactly what a cluster would.
#include <chrono>
#include <set>
#include <string>

#include "common/resources/resource_parser.h"
#include "common/util/duration.h"

namespace zroute {
namespace {

constexpr int64_t kMaxEventBytesLimit = 64LL << 20;
constexpr int kMaxAttemptsLimit = 100;
constexpr int kMaxInFlightLimit = 10000;
constexpr int kMaxBatchEventsLimit = 1000;
constexpr size_t kMaxRouteLength = 1024;
constexpr std::chrono::seconds kMaxStabilization{3600};

Status Invalid(const std::string& path, const std::string& message) {
  return Status::InvalidArgument(path + ": " + message);
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters.
bool IsDns1123Label(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  if (!IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

// RFC 1123 subdomain: labels joined by dots, at most 253 characters (names of Deployments etc.).
bool IsDns1123Subdomain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    if (!IsDns1123Label(s.substr(start, dot - start))) return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

// CloudEvents attribute names: lower-case letters and digits, 1..20 characters.
bool IsAttributeName(const std::string& s) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c)) return false;
  }
  return true;
}

Status CheckLabel(const std::string& path, const std::string& value, bool required) {
  if (value.empty()) return required ? Invalid(path, "required") : Status::OK();
  if (!IsDns1123Label(value)) {
    return Invalid(path, "\"" + value + "\" must be a DNS-1123 label (lower-case letters, digits and '-', "
                                        "starting and ending with a letter or digit, at most 63 characters)");
  }
  return Status::OK();
}

Status CheckMeta(const ObjectMeta& meta) {
  ZR_RETURN_IF_ERROR(CheckLabel("metadata.name", meta.name, /*required=*/true));
  return CheckLabel("metadata.namespace", meta.namespace_, /*required=*/true);
}

template <typename T>
Status CheckRange(const std::string& path, T value, T min, T max) {
  if (value < min) return Invalid(path, "must be >= " + std::to_string(min) + " (got " + std::to_string(value) + ")");
  if (value > max) return Invalid(path, "must be <= " + std::to_string(max) + " (got " + std::to_string(value) + ")");
  return Status::OK();
}

std::string Ms(std::chrono::milliseconds d) { return FormatDuration(d); }

Status CheckFilter(const Filter& filter, const std::string& path) {
  switch (filter.kind) {
    case Filter::Kind::kExact:
    case Filter::Kind::kPrefix:
    case Filter::Kind::kSuffix: {
      const std::string dialect = filter.kind == Filter::Kind::kExact    ? "exact"
                                  : filter.kind == Filter::Kind::kPrefix ? "prefix"
                                                                         : "suffix";
      if (filter.attributes.empty()) return Invalid(path + "." + dialect, "must name at least one attribute");
      for (const auto& [name, value] : filter.attributes) {
        if (!IsAttributeName(name)) {
          return Invalid(path + "." + dialect + "." + name,
                         "not a CloudEvents attribute name (a-z and 0-9, 1 to 20 characters)");
        }
        if (value.empty()) return Invalid(path + "." + dialect + "." + name, "must not be empty");
      }
      return Status::OK();
    }
    case Filter::Kind::kAll:
    case Filter::Kind::kAny: {
      const std::string list_path = path + (filter.kind == Filter::Kind::kAll ? ".all" : ".any");
      if (filter.children.empty()) return Invalid(list_path, "must hold at least one filter");
      for (size_t i = 0; i < filter.children.size(); ++i) {
        ZR_RETURN_IF_ERROR(CheckFilter(filter.children[i], list_path + "[" + std::to_string(i) + "]"));
      }
      return Status::OK();
    }
    case Filter::Kind::kNot:
      if (filter.children.size() != 1) return Invalid(path + ".not", "must hold exactly one filter");
      return CheckFilter(filter.children[0], path + ".not");
  }
  return Status::OK();
}

}  // namespace

Status ValidateTopic(const Topic& topic) {
  ZR_RETURN_IF_ERROR(CheckMeta(topic.meta));
  const TopicSpec& s = topic.spec;
  if (!IsAttributeName(s.partition_key_attribute)) {
    return Invalid("spec.partitionKeyAttribute", "\"" + s.partition_key_attribute +
                                                     "\" is not a CloudEvents attribute name (a-z and 0-9, 1 to 20 characters)");
  }
  if (s.retention_max_age.count() < 0) return Invalid("spec.retention.maxAge", "must not be negative");
  ZR_RETURN_IF_ERROR(CheckRange<int64_t>("spec.retention.maxBytes", s.retention_max_bytes, 0, INT64_MAX));
  std::set<std::string> seen;
  for (size_t i = 0; i < s.allowed_publishers.size(); ++i) {
    const std::string path = "spec.allowedPublishers[" + std::to_string(i) + "]";
    ZR_RETURN_IF_ERROR(CheckLabel(path, s.allowed_publishers[i], /*required=*/true));
    if (!seen.insert(s.allowed_publishers[i]).second) {
      return Invalid(path, "duplicate app-id \"" + s.allowed_publishers[i] + "\"");
    }
  }
  ZR_RETURN_IF_ERROR(CheckLabel("spec.deadLetterTopic", s.dead_letter_topic, /*required=*/false));
  if (s.dead_letter_topic == topic.meta.name) {
    return Invalid("spec.deadLetterTopic", "must not be the topic itself");
  }
  return CheckRange<int64_t>("spec.maxEventBytes", s.max_event_bytes, 1, kMaxEventBytesLimit);
}

Status ValidateSubscription(const Subscription& subscription) {
  ZR_RETURN_IF_ERROR(CheckMeta(subscription.meta));
  const SubscriptionSpec& s = subscription.spec;
  ZR_RETURN_IF_ERROR(CheckLabel("spec.topic", s.topic, /*required=*/true));
  ZR_RETURN_IF_ERROR(CheckLabel("spec.appId", s.app_id, /*required=*/true));
  if (s.route.empty() || s.route[0] != '/') return Invalid("spec.route", "must start with '/'");
  if (s.route.size() > kMaxRouteLength) {
    return Invalid("spec.route", "longer than " + std::to_string(kMaxRouteLength) + " characters");
  }
  for (char c : s.route) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '?' || c == '#') {
      return Invalid("spec.route", "must be a path without spaces, control characters, '?' or '#'");
    }
  }
  for (size_t i = 0; i < s.filters.size(); ++i) {
    ZR_RETURN_IF_ERROR(CheckFilter(s.filters[i], "spec.filters[" + std::to_string(i) + "]"));
  }
  const DeliveryPolicy& d = s.delivery;
  ZR_RETURN_IF_ERROR(CheckRange("spec.delivery.maxAttempts", d.max_attempts, 1, kMaxAttemptsLimit));
  if (d.initial_delay.count() < 0) return Invalid("spec.delivery.initialDelay", "must not be negative");
  if (d.max_delay < d.initial_delay) {
    return Invalid("spec.delivery.maxDelay", "must be >= initialDelay (" + Ms(d.initial_delay) + "), got " +
                                                 (d.max_delay.count() < 0 ? "a negative value" : Ms(d.max_delay)));
  }
  if (d.attempt_timeout.count() <= 0) return Invalid("spec.delivery.attemptTimeout", "must be > 0");
  ZR_RETURN_IF_ERROR(CheckRange("spec.delivery.maxInFlight", d.max_in_flight, 1, kMaxInFlightLimit));
  ZR_RETURN_IF_ERROR(
      CheckRange("spec.delivery.batch.maxEvents", d.batch_max_events, 1, kMaxBatchEventsLimit));
  ZR_RETURN_IF_ERROR(CheckLabel("spec.deadLetterTopic", s.dead_letter_topic, /*required=*/false));
  if (s.dead_letter_topic == s.topic) return Invalid("spec.deadLetterTopic", "must differ from spec.topic");
  return Status::OK();
}

Status ValidateScalingPolicy(const ScalingPolicy& policy) {
  ZR_RETURN_IF_ERROR(CheckMeta(policy.meta));
  const ScalingPolicySpec& s = policy.spec;
  if (s.scale_target_ref.api_version.empty()) return Invalid("spec.scaleTargetRef.apiVersion", "required");
  if (s.scale_target_ref.kind.empty()) return Invalid("spec.scaleTargetRef.kind", "required");
  if (s.scale_target_ref.name.empty()) return Invalid("spec.scaleTargetRef.name", "required");
  if (!IsDns1123Subdomain(s.scale_target_ref.name)) {
    return Invalid("spec.scaleTargetRef.name", "\"" + s.scale_target_ref.name + "\" is not a DNS-1123 subdomain");
  }
  ZR_RETURN_IF_ERROR(CheckLabel("spec.appId", s.app_id, /*required=*/true));
  if (!(s.target_lag_per_replica > 0)) return Invalid("spec.targetLagPerReplica", "must be > 0");
  if (!(s.target_events_per_second_per_replica >= 0)) {
    return Invalid("spec.targetEventsPerSecondPerReplica", "must be >= 0");
  }
  ZR_RETURN_IF_ERROR(CheckRange("spec.minReplicas", s.min_replicas, 0, INT32_MAX));
  ZR_RETURN_IF_ERROR(CheckRange("spec.maxReplicas", s.max_replicas, 1, INT32_MAX));
  if (s.min_replicas > s.max_replicas) {
    return Invalid("spec.minReplicas", "must be <= maxReplicas (" + std::to_string(s.max_replicas) + "), got " +
                                           std::to_string(s.min_replicas));
  }
  if (!(s.activation_lag >= 0)) return Invalid("spec.activationLag", "must be >= 0");
  ZR_RETURN_IF_ERROR(CheckRange<int64_t>("spec.scaleUp.stabilizationWindow", s.scale_up_stabilization.count(), 0,
                                         kMaxStabilization.count()));
  ZR_RETURN_IF_ERROR(CheckRange<int64_t>("spec.scaleDown.stabilizationWindow", s.scale_down_stabilization.count(),
                                         0, kMaxStabilization.count()));
  if (!(s.tolerance >= 0 && s.tolerance <= 1)) return Invalid("spec.tolerance", "must be between 0 and 1");
  return Status::OK();
}

}  // namespace zroute
