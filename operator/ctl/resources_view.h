// ResourcesView: what `zroutectl topics` and `zroutectl subscriptions` show, computed from two
// operator endpoints: GET /v1/routing-table (resources and registered endpoints) and
// GET /v1/sidecars (each sidecar's last load report). Lag is what the operator exports as
// zroute_subscription_lag_events: per subscription, events waiting in publishers' outboxes plus
// events sent and not yet acknowledged, summed over the reporting publishers.
// Ready replicas are the subscription's app endpoints in the table that are not draining.
// Pure functions; the inputs come over the network and are checked (an error, not a crash).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/routing/routing_table.h"
#include "common/util/status.h"

namespace zroute::ctl {

struct SubscriptionRow {
  std::string namespace_;
  std::string name;
  std::string topic;
  std::string app_id;
  std::string dead_letter_topic;  // the subscription's, else its topic's default; empty = none
  int ready_replicas = 0;
  int draining_replicas = 0;
  uint64_t lag = 0;        // waiting + in flight
  uint64_t in_flight = 0;
  std::string status;      // Ready | TopicMissing | NoReadyReplicas
};

struct TopicRow {
  std::string namespace_;
  std::string name;
  std::string partition_key_attribute;
  std::vector<std::string> allowed_publishers;  // empty = any app in the namespace
  std::string dead_letter_topic;
  int subscriptions = 0;
  uint64_t lag = 0;  // summed over its subscriptions
};

struct ResourcesView {
  uint64_t table_version = 0;
  std::vector<TopicRow> topics;                // by namespace/name
  std::vector<SubscriptionRow> subscriptions;  // by namespace/name
};

StatusOr<ResourcesView> BuildResourcesView(const nlohmann::json& routing_table, const nlohmann::json& sidecars);

nlohmann::json ToJson(const SubscriptionRow& row);
nlohmann::json ToJson(const TopicRow& row);

}  // namespace zroute::ctl
