// Dispatcher: the publishing side of delivery. For every subscription of every topic this
// sidecar has published to, it reads the outbox from the subscription's cursor, picks a ready
// replica of the consuming service, and sends the event with credit; acknowledgements advance
// the cursor (persisted in the outbox), failures and lost replicas put events back in line.
//
// Guarantees it keeps:
//  - at-least-once: an offset leaves the window only when acked (or filtered out);
//  - per-key order: events with the same partition key are sent one at a time, in offset order,
//    to the replica rendezvous hashing picks among the ready replicas; a redelivery goes first;
//  - bounded memory: at most `window` offsets past the cursor are held per subscription.
// Thread: the link thread only (no locks).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include "common/routing/routing_table.h"
#include "common/util/clock.h"
#include "common/wire/link_messages.h"
#include "sidecar/link/event_sink.h"
#include "sidecar/outbox/outbox.h"
#include "sidecar/sidecar_metrics.h"

namespace zroute {

struct DispatcherOptions {
  size_t window = 8192;          // offsets past the cursor held per subscription
  size_t read_batch = 512;       // records read from the outbox at once
  // An event not acked after this long is sent again (the consumer retries locally first, so
  // this is a backstop for lost acks, not the retry mechanism).
  Duration ack_timeout = std::chrono::minutes(5);
};

// Per-subscription figures for status and autoscaling.
struct SubscriptionProgress {
  std::string subscription;
  std::string topic;
  std::string app_id;
  uint64_t cursor = 0;
  uint64_t end = 0;
  uint64_t in_flight = 0;
  uint64_t lag() const { return end > cursor ? end - cursor : 0; }
};

class Dispatcher {
 public:
  Dispatcher(Outbox& outbox, Clock& clock, SidecarMetrics& metrics, DispatcherOptions options = {});
  ~Dispatcher();

  // A new routing table: subscriptions come and go, replicas come and go. Events in flight to a
  // replica that is no longer listed are put back in line.
  void OnTable(const RoutingTablePtr& table);
  // Sends as much as credit allows, for every subscription.
  void Pump(EventSink& sink);
  void OnAck(uint64_t delivery_id);
  void OnNack(uint64_t delivery_id, wire::NackReason reason);
  // The replica stopped answering: everything in flight to it goes back in line.
  void OnPeerLost(const std::string& sidecar_id);
  // Puts back in line events unacked for longer than ack_timeout.
  void CheckTimeouts();
  // Moves a subscription's cursor (replay or skip). FailedPrecondition while events are in flight
  // is avoided by dropping the in-memory window: in-flight acks for the old window are ignored.
  Status Rewind(const std::string& subscription_key, uint64_t offset);

  std::vector<SubscriptionProgress> Progress() const;

 private:
  struct SubState;
  struct InFlight {
    SubState* sub;
    uint64_t offset;
  };

  void Fill(SubState& s);
  void Send(SubState& s, EventSink& sink);
  void Done(SubState& s, uint64_t offset);
  void Requeue(uint64_t delivery_id);
  void ReleaseKey(SubState& s, const std::string& key);
  void PersistCursors();

  Outbox& outbox_;
  Clock& clock_;
  SidecarMetrics& metrics_;
  const DispatcherOptions options_;
  RoutingTablePtr table_;
  std::map<std::string, std::unique_ptr<SubState>> subs_;  // by subscription key
  std::unordered_map<uint64_t, InFlight> in_flight_;        // by delivery id
  uint64_t next_delivery_id_ = 1;
};

}  // namespace zroute
