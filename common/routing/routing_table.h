// RoutingTable: what every sidecar needs to route events, as the operator computes it.
//
// It is a versioned key-value store in the zguide Clone pattern's sense: entries are keyed
//   "topic/<ns>/<name>"         → Topic (resource JSON)
//   "subscription/<ns>/<name>"  → Subscription (resource JSON)
//   "endpoints/<ns>/<app-id>"   → ready replicas of one service (sidecar endpoints)
// The operator sends a snapshot (all entries at version N) and then diffs (routing_diff.h) that
// take version N to N+1. A sidecar holds one table and swaps it whole on change; readers get an
// immutable shared_ptr<const RoutingTable>, so lookups never lock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/resources/resource_model.h"
#include "common/util/status.h"

namespace zroute {

// One consumer replica: a sidecar that registered with the operator and is ready.
struct Endpoint {
  std::string sidecar_id;
  std::string app_id;
  std::string namespace_;
  std::string pod;
  std::string data_endpoint;
  std::string public_key;
  bool draining = false;  // leaving: keep links (acks still come) but send it nothing new
  bool operator==(const Endpoint&) const = default;
};

class RoutingTable {
 public:
  using Entries = std::map<std::string, nlohmann::json>;

  RoutingTable() = default;
  // A copy rebuilds its subscription index: it must not point into the table it came from.
  RoutingTable(const RoutingTable& other);
  RoutingTable& operator=(const RoutingTable& other);
  // Moving keeps the map nodes, so the index moves along with them.
  RoutingTable(RoutingTable&&) = default;
  RoutingTable& operator=(RoutingTable&&) = default;

  // Builds a table at `version` from typed resources (operator side).
  static RoutingTable Build(uint64_t version, const std::vector<Topic>& topics,
                            const std::vector<Subscription>& subscriptions,
                            const std::map<std::string, std::vector<Endpoint>>& endpoints_by_app_key);

  // Builds a table from raw entries (sidecar side, from a snapshot). Entries that fail to parse,
  // or whose key does not name the resource they hold, are reported and left out of the lookups
  // (entries() keeps them); the rest of the table is usable.
  static StatusOr<RoutingTable> FromEntries(uint64_t version, Entries entries,
                                            std::vector<Status>* entry_errors = nullptr);

  uint64_t version() const { return version_; }
  const Entries& entries() const { return entries_; }

  // Lookups. Keys are "namespace/name".
  const Topic* FindTopic(const std::string& topic_key) const;
  const Subscription* FindSubscription(const std::string& subscription_key) const;
  // Subscriptions of a topic, in name order.
  const std::vector<const Subscription*>& SubscriptionsOf(const std::string& topic_key) const;
  // Ready replicas of a service (sorted by sidecar id); empty when none.
  const std::vector<Endpoint>& EndpointsOf(const std::string& ns, const std::string& app_id) const;
  // Endpoint by sidecar id across all services; nullptr when unknown.
  const Endpoint* FindEndpoint(const std::string& sidecar_id) const;

  const std::map<std::string, Topic>& topics() const { return topics_; }
  const std::map<std::string, Subscription>& subscriptions() const { return subscriptions_; }
  // Every endpoint of every service, by sidecar id.
  const std::map<std::string, Endpoint>& endpoints() const { return endpoints_by_sidecar_; }

  nlohmann::json ToJson() const;  // {"version": N, "entries": {...}}
  static StatusOr<RoutingTable> FromJson(const nlohmann::json& j);

 private:
  // Parses entries_ into the typed maps and indexes.
  void Index(std::vector<Status>* entry_errors);
  // Fills subscriptions_by_topic_ from subscriptions_.
  void IndexSubscriptionsByTopic();

  uint64_t version_ = 0;
  Entries entries_;
  std::map<std::string, Topic> topics_;
  std::map<std::string, Subscription> subscriptions_;
  std::map<std::string, std::vector<const Subscription*>> subscriptions_by_topic_;  // into subscriptions_
  std::map<std::string, std::vector<Endpoint>> endpoints_by_app_;  // "ns/app-id"
  std::map<std::string, Endpoint> endpoints_by_sidecar_;
};

using RoutingTablePtr = std::shared_ptr<const RoutingTable>;

// Entry key helpers.
std::string TopicEntryKey(const std::string& topic_key);
std::string SubscriptionEntryKey(const std::string& subscription_key);
std::string EndpointsEntryKey(const std::string& ns, const std::string& app_id);

}  // namespace zroute
