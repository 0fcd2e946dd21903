#include "common/routing/routing_table.h"

#include <algorithm>

#include "common/resources/resource_parser.h"
#include "common/routing/resource_json.h"

namespace zroute {
namespace {

constexpr std::string_view kTopicPrefix = "topic/";
constexpr std::string_view kSubscriptionPrefix = "subscription/";
constexpr std::string_view kEndpointsPrefix = "endpoints/";

nlohmann::json EndpointToJson(const Endpoint& e) {
  nlohmann::json j{{"sidecarId", e.sidecar_id}, {"appId", e.app_id}, {"namespace", e.namespace_},
                   {"pod", e.pod}, {"dataEndpoint", e.data_endpoint}, {"publicKey", e.public_key}};
  if (e.draining) j["draining"] = true;
  return j;
}

StatusOr<Endpoint> EndpointFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::InvalidArgument("endpoint is not an object");
  Endpoint e;
  try {
    e.sidecar_id = j.at("sidecarId").get<std::string>();
    e.app_id = j.at("appId").get<std::string>();
    e.namespace_ = j.at("namespace").get<std::string>();
    e.pod = j.value("pod", "");
    e.data_endpoint = j.at("dataEndpoint").get<std::string>();
    e.public_key = j.value("publicKey", "");
    e.draining = j.value("draining", false);
  } catch (const nlohmann::json::exception& ex) {
    return Status::InvalidArgument(std::string("endpoint: ") + ex.what());
  }
  return e;
}

bool StartsWith(const std::string& s, std::string_view p) { return s.compare(0, p.size(), p) == 0; }

}  // namespace

std::string TopicEntryKey(const std::string& topic_key) { return std::string(kTopicPrefix) + topic_key; }
std::string SubscriptionEntryKey(const std::string& key) { return std::string(kSubscriptionPrefix) + key; }
std::string EndpointsEntryKey(const std::string& ns, const std::string& app_id) {
  return std::string(kEndpointsPrefix) + ns + "/" + app_id;
}

RoutingTable::RoutingTable(const RoutingTable& other)
    : version_(other.version_),
      entries_(other.entries_),
      topics_(other.topics_),
      subscriptions_(other.subscriptions_),
      endpoints_by_app_(other.endpoints_by_app_),
      endpoints_by_sidecar_(other.endpoints_by_sidecar_) {
  IndexSubscriptionsByTopic();
}

RoutingTable& RoutingTable::operator=(const RoutingTable& other) {
  if (this != &other) *this = RoutingTable(other);
  return *this;
}

RoutingTable RoutingTable::Build(uint64_t version, const std::vector<Topic>& topics,
                                 const std::vector<Subscription>& subscriptions,
                                 const std::map<std::string, std::vector<Endpoint>>& endpoints_by_app_key) {
  RoutingTable t;
  t.version_ = version;
  for (const auto& topic : topics) t.entries_[TopicEntryKey(topic.meta.Key())] = TopicToJson(topic);
  for (const auto& sub : subscriptions) t.entries_[SubscriptionEntryKey(sub.meta.Key())] = SubscriptionToJson(sub);
  for (const auto& [app_key, endpoints] : endpoints_by_app_key) {
    std::vector<Endpoint> sorted = endpoints;
    std::sort(sorted.begin(), sorted.end(), [](const Endpoint& a, const Endpoint& b) { return a.sidecar_id < b.sidecar_id; });
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& e : sorted) arr.push_back(EndpointToJson(e));
    t.entries_[std::string(kEndpointsPrefix) + app_key] = arr;
  }
  t.Index(nullptr);
  return t;
}

StatusOr<RoutingTable> RoutingTable::FromEntries(uint64_t version, Entries entries, std::vector<Status>* entry_errors) {
  RoutingTable t;
  t.version_ = version;
  t.entries_ = std::move(entries);
  t.Index(entry_errors);
  return t;
}

void RoutingTable::Index(std::vector<Status>* entry_errors) {
  auto report = [entry_errors](const std::string& key, const Status& s) {
    if (entry_errors) entry_errors->push_back(s.WithContext("routing entry " + key));
  };
  for (const auto& [key, value] : entries_) {
    if (StartsWith(key, kTopicPrefix)) {
      auto topic = TopicFromJson(value);
      if (!topic.ok()) { report(key, topic.status()); continue; }
      if (TopicEntryKey(topic->meta.Key()) != key) {
        report(key, Status::InvalidArgument("holds topic " + topic->meta.Key()));
        continue;
      }
      topics_[topic->meta.Key()] = std::move(topic).value();
    } else if (StartsWith(key, kSubscriptionPrefix)) {
      auto sub = SubscriptionFromJson(value);
      if (!sub.ok()) { report(key, sub.status()); continue; }
      if (SubscriptionEntryKey(sub->meta.Key()) != key) {
        report(key, Status::InvalidArgument("holds subscription " + sub->meta.Key()));
        continue;
      }
      subscriptions_[sub->meta.Key()] = std::move(sub).value();
    } else if (StartsWith(key, kEndpointsPrefix)) {
      if (!value.is_array()) { report(key, Status::InvalidArgument("endpoints entry is not an array")); continue; }
      std::vector<Endpoint>& list = endpoints_by_app_[key.substr(kEndpointsPrefix.size())];
      for (const auto& item : value) {
        auto e = EndpointFromJson(item);
        if (!e.ok()) { report(key, e.status()); continue; }
        endpoints_by_sidecar_[e->sidecar_id] = *e;
        list.push_back(std::move(e).value());
      }
      std::sort(list.begin(), list.end(), [](const Endpoint& a, const Endpoint& b) { return a.sidecar_id < b.sidecar_id; });
    } else {
      report(key, Status::InvalidArgument("unknown entry kind"));
    }
  }
  IndexSubscriptionsByTopic();
}

void RoutingTable::IndexSubscriptionsByTopic() {
  subscriptions_by_topic_.clear();
  for (const auto& [key, sub] : subscriptions_) {
    subscriptions_by_topic_[sub.meta.namespace_ + "/" + sub.spec.topic].push_back(&sub);
  }
}

const Topic* RoutingTable::FindTopic(const std::string& topic_key) const {
  auto it = topics_.find(topic_key);
  return it == topics_.end() ? nullptr : &it->second;
}

const Subscription* RoutingTable::FindSubscription(const std::string& key) const {
  auto it = subscriptions_.find(key);
  return it == subscriptions_.end() ? nullptr : &it->second;
}

const std::vector<const Subscription*>& RoutingTable::SubscriptionsOf(const std::string& topic_key) const {
  static const std::vector<const Subscription*> kNone;
  auto it = subscriptions_by_topic_.find(topic_key);
  return it == subscriptions_by_topic_.end() ? kNone : it->second;
}

const std::vector<Endpoint>& RoutingTable::EndpointsOf(const std::string& ns, const std::string& app_id) const {
  static const std::vector<Endpoint> kNone;
  auto it = endpoints_by_app_.find(ns + "/" + app_id);
  return it == endpoints_by_app_.end() ? kNone : it->second;
}

const Endpoint* RoutingTable::FindEndpoint(const std::string& sidecar_id) const {
  auto it = endpoints_by_sidecar_.find(sidecar_id);
  return it == endpoints_by_sidecar_.end() ? nullptr : &it->second;
}

nlohmann::json RoutingTable::ToJson() const { return {{"version", version_}, {"entries", entries_}}; }

StatusOr<RoutingTable> RoutingTable::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::InvalidArgument("routing table is not an object");
  auto v = j.find("version");
  auto e = j.find("entries");
  if (v == j.end() || !v->is_number_unsigned()) return Status::InvalidArgument("routing table: missing 'version'");
  if (e == j.end() || !e->is_object()) return Status::InvalidArgument("routing table: missing 'entries'");
  Entries entries;
  for (auto it = e->begin(); it != e->end(); ++it) entries[it.key()] = it.value();
  return FromEntries(v->get<uint64_t>(), std::move(entries));
}

}  // namespace zroute
