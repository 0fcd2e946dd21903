// The zroute resource model: Topic, Subscription and ScalingPolicy (zroute.io/v1alpha1).
//
// These structs are the parsed, defaulted and validated form of the custom resources. The CRDs in
// crds/ are the contract for their YAML/JSON shape; resource_parser.h turns documents into these
// structs (from a YAML folder in standalone mode or from Kubernetes API JSON in cluster mode).
// Defaults here must equal the defaults in the CRD schemas.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zroute {

inline constexpr const char* kApiGroup = "zroute.io";
inline constexpr const char* kApiVersion = "zroute.io/v1alpha1";

struct ObjectMeta {
  std::string name;
  std::string namespace_ = "default";
  int64_t generation = 0;
  std::string resource_version;
  std::string uid;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;

  // "namespace/name": the key resources are stored and routed by.
  std::string Key() const { return namespace_ + "/" + name; }
  bool operator==(const ObjectMeta&) const = default;
};

// ---- Topic ---------------------------------------------------------------------------------

struct TopicSpec {
  // Attribute whose value orders events (same value → same replica, in publish order).
  std::string partition_key_attribute = "partitionkey";
  // Retention in the publishers' outboxes. 0 = unlimited (bounded by the disk quota).
  std::chrono::seconds retention_max_age{std::chrono::hours(24)};
  int64_t retention_max_bytes = 1LL << 30;
  // App-ids that may publish; empty = any app in the namespace.
  std::vector<std::string> allowed_publishers;
  // Default dead-letter topic for subscriptions that name none. Empty = none (events that exhaust
  // their attempts are then kept in the outbox and reported, never dropped).
  std::string dead_letter_topic;
  // Largest event accepted on publish, in bytes.
  int64_t max_event_bytes = 1 << 20;

  bool operator==(const TopicSpec&) const = default;
};

struct Topic {
  ObjectMeta meta;
  TopicSpec spec;
  bool operator==(const Topic&) const = default;
};

// ---- Subscription --------------------------------------------------------------------------

// A Knative-style filter over CloudEvents attributes.
//   exact / prefix / suffix: every attribute in `attributes` must match.
//   all: every child matches; any: at least one child matches; not: the single child does not.
struct Filter {
  enum class Kind { kExact, kPrefix, kSuffix, kAll, kAny, kNot };
  Kind kind = Kind::kExact;
  std::map<std::string, std::string> attributes;
  std::vector<Filter> children;
  bool operator==(const Filter&) const = default;
};

enum class BackoffPolicy { kLinear, kExponential };

struct DeliveryPolicy {
  int max_attempts = 5;  // including the first; >= 1
  BackoffPolicy backoff = BackoffPolicy::kExponential;
  std::chrono::milliseconds initial_delay{200};
  std::chrono::milliseconds max_delay{30000};  // >= initial_delay
  std::chrono::milliseconds attempt_timeout{30000};
  int max_in_flight = 32;  // per consumer replica
  bool ordered = true;     // keyed events one at a time per key
  // Events per POST to the app: > 1 sends up to this many waiting events of the subscription as
  // one application/cloudevents-batch+json request (no waiting to fill a batch).
  int batch_max_events = 1;
  bool operator==(const DeliveryPolicy&) const = default;
};

struct SubscriptionSpec {
  std::string topic;   // Topic name in the same namespace
  std::string app_id;  // consuming service
  std::string route = "/";  // HTTP path on the consuming app
  std::vector<Filter> filters;  // all must match (implicit `all`)
  DeliveryPolicy delivery;
  std::string dead_letter_topic;  // overrides the topic's default
  bool operator==(const SubscriptionSpec&) const = default;
};

struct Subscription {
  ObjectMeta meta;
  SubscriptionSpec spec;
  bool operator==(const Subscription&) const = default;
};

// ---- ScalingPolicy -------------------------------------------------------------------------

struct ScaleTargetRef {
  std::string api_version = "apps/v1";
  std::string kind = "Deployment";
  std::string name;
  bool operator==(const ScaleTargetRef&) const = default;
};

enum class ScalingMode { kHint, kApply };

struct ScalingPolicySpec {
  ScaleTargetRef scale_target_ref;
  std::string app_id;
  double target_lag_per_replica = 100;              // events waiting per replica
  double target_events_per_second_per_replica = 0;  // 0 = rate not used
  int min_replicas = 1;
  int max_replicas = 10;
  double activation_lag = 0;  // lag above which 0 → 1 happens (when min_replicas == 0)
  std::chrono::seconds scale_up_stabilization{0};     // HPA default
  std::chrono::seconds scale_down_stabilization{300}; // HPA default
  double tolerance = 0.1;  // relative change ignored
  ScalingMode mode = ScalingMode::kHint;
  bool operator==(const ScalingPolicySpec&) const = default;
};

struct ScalingPolicy {
  ObjectMeta meta;
  ScalingPolicySpec spec;
  bool operator==(const ScalingPolicy&) const = default;
};

}  // namespace zroute
