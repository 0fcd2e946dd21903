#include "operator/ctl/resources_view.h"

#include <map>

namespace zroute::ctl {
namespace {

uint64_t Count(const nlohmann::json& entry, const char* field) {
  auto it = entry.find(field);
  if (it == entry.end() || !it->is_number()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  const double v = it->get<double>();
  return v >= 0 && v < 1e18 ? static_cast<uint64_t>(v) : 0;  // negative, NaN or absurd: ignored
}

}  // namespace

StatusOr<ResourcesView> BuildResourcesView(const nlohmann::json& routing_table, const nlohmann::json& sidecars) {
  ZR_ASSIGN_OR_RETURN(RoutingTable table, RoutingTable::FromJson(routing_table));
  if (!sidecars.is_array()) return Status::InvalidArgument("the operator's sidecar list is not an array");

  std::map<std::string, std::pair<uint64_t, uint64_t>> progress;  // lag, in flight by subscription
  for (const auto& sidecar : sidecars) {
    if (!sidecar.is_object()) continue;
    auto load = sidecar.find("load");
    if (load == sidecar.end() || !load->is_object()) continue;
    auto subs = load->find("subscriptions");
    if (subs == load->end() || !subs->is_array()) continue;
    for (const auto& s : *subs) {
      if (!s.is_object()) continue;
      auto key = s.find("subscription");
      if (key == s.end() || !key->is_string()) continue;
      auto& [lag, in_flight] = progress[key->get<std::string>()];
      lag += Count(s, "lag") + Count(s, "inFlight");
      in_flight += Count(s, "inFlight");
    }
  }

  ResourcesView view;
  view.table_version = table.version();
  std::map<std::string, TopicRow> topics;
  for (const auto& [key, topic] : table.topics()) {
    TopicRow row;
    row.namespace_ = topic.meta.namespace_;
    row.name = topic.meta.name;
    row.partition_key_attribute = topic.spec.partition_key_attribute;
    row.allowed_publishers = topic.spec.allowed_publishers;
    row.dead_letter_topic = topic.spec.dead_letter_topic;
    topics.emplace(key, row);
  }
  for (const auto& [key, sub] : table.subscriptions()) {
    SubscriptionRow row;
    row.namespace_ = sub.meta.namespace_;
    row.name = sub.meta.name;
    row.topic = sub.spec.topic;
    row.app_id = sub.spec.app_id;
    const std::string topic_key = sub.meta.namespace_ + "/" + sub.spec.topic;
    const Topic* topic = table.FindTopic(topic_key);
    row.dead_letter_topic = !sub.spec.dead_letter_topic.empty() ? sub.spec.dead_letter_topic
                            : topic                             ? topic->spec.dead_letter_topic
                                                                : "";
    for (const Endpoint& e : table.EndpointsOf(sub.meta.namespace_, sub.spec.app_id)) {
      (e.draining ? row.draining_replicas : row.ready_replicas)++;
    }
    if (auto it = progress.find(key); it != progress.end()) {
      row.lag = it->second.first;
      row.in_flight = it->second.second;
    }
    row.status = !topic ? "TopicMissing" : row.ready_replicas == 0 ? "NoReadyReplicas" : "Ready";
    if (auto t = topics.find(topic_key); t != topics.end()) {
      t->second.subscriptions++;
      t->second.lag += row.lag;
    }
    view.subscriptions.push_back(std::move(row));
  }
  for (auto& [key, row] : topics) view.topics.push_back(std::move(row));
  return view;
}

nlohmann::json ToJson(const SubscriptionRow& r) {
  return {{"namespace", r.namespace_},
          {"name", r.name},
          {"topic", r.topic},
          {"appId", r.app_id},
          {"deadLetterTopic", r.dead_letter_topic},
          {"readyReplicas", r.ready_replicas},
          {"drainingReplicas", r.draining_replicas},
          {"lag", r.lag},
          {"inFlight", r.in_flight},
          {"status", r.status}};
}

nlohmann::json ToJson(const TopicRow& r) {
  return {{"namespace", r.namespace_},
          {"name", r.name},
          {"partitionKeyAttribute", r.partition_key_attribute},
          {"allowedPublishers", r.allowed_publishers},
          {"deadLetterTopic", r.dead_letter_topic},
          {"subscriptions", r.subscriptions},
          {"lag", r.lag}};
}

}  // namespace zroute::ctl
