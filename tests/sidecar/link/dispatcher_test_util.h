// Shared fixtures for the Dispatcher tests: a recording EventSink with per-replica credit, and
// builders for a routing table with one topic, its subscriptions and the consuming replicas.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "common/cloudevents/binary_format.h"
#include "common/routing/rendezvous.h"
#include "common/routing/routing_table.h"
#include "sidecar/link/event_sink.h"
#include "sidecar/outbox/memory_outbox.h"

namespace zroute::testing {

inline constexpr const char* kNs = "default";
inline constexpr const char* kTopicKey = "default/orders";
inline constexpr const char* kSubKey = "default/billing-orders";
inline constexpr const char* kApp = "billing";

// Records every frame the dispatcher sends; each replica takes as many events as the test grants.
class RecordingSink final : public EventSink {
 public:
  struct Delivery {
    std::string sidecar_id;
    wire::EventFrame frame;
  };

  uint32_t Credit(const Endpoint& endpoint) override {
    auto it = credit_.find(endpoint.sidecar_id);
    return it == credit_.end() ? 0 : it->second;
  }
  void Send(const Endpoint& endpoint, wire::EventFrame frame) override {
    uint32_t& c = credit_[endpoint.sidecar_id];
    EXPECT_GT(c, 0u) << "sent to " << endpoint.sidecar_id << " without credit";
    if (c > 0) --c;
    deliveries_.push_back({endpoint.sidecar_id, std::move(frame)});
  }

  void Grant(const std::string& sidecar_id, uint32_t n) { credit_[sidecar_id] += n; }
  void Revoke(const std::string& sidecar_id) { credit_[sidecar_id] = 0; }

  // Deliveries since the last Take().
  std::vector<Delivery> Take() {
    std::vector<Delivery> out;
    out.swap(deliveries_);
    return out;
  }

 private:
  std::map<std::string, uint32_t> credit_;
  std::vector<Delivery> deliveries_;
};

inline Endpoint Replica(const std::string& sidecar_id, const std::string& app_id = kApp) {
  return Endpoint{sidecar_id, app_id, kNs, "pod-" + sidecar_id, "tcp://127.0.0.1:1", ""};
}

inline Subscription MakeSubscription(const std::string& name, bool ordered = true,
                                     const std::string& app_id = kApp) {
  Subscription s;
  s.meta.name = name;
  s.meta.namespace_ = kNs;
  s.spec.topic = "orders";
  s.spec.app_id = app_id;
  s.spec.delivery.ordered = ordered;
  return s;
}

inline RoutingTablePtr MakeTable(uint64_t version, const std::vector<Subscription>& subs,
                                 const std::vector<Endpoint>& replicas) {
  Topic topic;
  topic.meta.name = "orders";
  topic.meta.namespace_ = kNs;
  std::map<std::string, std::vector<Endpoint>> endpoints;
  for (const auto& e : replicas) endpoints[e.namespace_ + "/" + e.app_id].push_back(e);
  return std::make_shared<const RoutingTable>(RoutingTable::Build(version, {topic}, subs, endpoints));
}

inline CloudEvent MakeEvent(const std::string& id, const std::string& type = "order.created") {
  CloudEvent e;
  e.id = id;
  e.source = "zroute://shop";
  e.type = type;
  e.data = "payload of " + id;
  return e;
}

// Appends one event (id "e<offset>") per key; "" = unkeyed. Returns the first offset.
inline uint64_t AppendEvents(MemoryOutbox& outbox, const std::vector<std::string>& keys,
                             WallTime publish_time = WallTime{}) {
  std::vector<OutboxRecord> records;
  uint64_t first = outbox.EndOffset(kTopicKey);
  for (size_t i = 0; i < keys.size(); ++i) {
    CloudEvent e = MakeEvent("e" + std::to_string(first + i));
    records.push_back(OutboxRecord{publish_time, keys[i], EncodeEventBinary(e)});
  }
  auto offsets = outbox.Append(kTopicKey, std::move(records));
  EXPECT_TRUE(offsets.ok()) << offsets.status();
  return first;
}

// The event id carried by a frame ("e<offset>" for events made by AppendEvents).
inline std::string EventId(const wire::EventFrame& frame) {
  auto e = DecodeEventBinary(frame.payload);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? e->id : "<undecodable>";
}

inline std::vector<std::string> EventIds(const std::vector<RecordingSink::Delivery>& deliveries) {
  std::vector<std::string> ids;
  for (const auto& d : deliveries) ids.push_back(EventId(d.frame));
  return ids;
}

// The replica rendezvous hashing gives `key` among `ids` (the table lists replicas by id).
inline std::string OwnerOf(const std::string& key, const std::vector<std::string>& ids) {
  std::vector<std::string_view> views(ids.begin(), ids.end());
  return ids[RendezvousPick(key, views)];
}

// A key whose owner among `ids` is `owner`.
inline std::string KeyOwnedBy(const std::string& owner, const std::vector<std::string>& ids) {
  for (int i = 0;; ++i) {
    std::string key = "key-" + std::to_string(i);
    if (OwnerOf(key, ids) == owner) return key;
  }
}

}  // namespace zroute::testing
