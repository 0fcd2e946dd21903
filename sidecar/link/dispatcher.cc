#include "sidecar/link/dispatcher.h"

#include <algorithm>

#include "common/cloudevents/binary_format.h"
#include "common/resources/filter_matcher.h"
#include "common/routing/rendezvous.h"
#include "common/util/logging.h"

namespace zroute {

struct Dispatcher::SubState {
  struct Pending {
    uint64_t offset;
    std::string key;
    std::string payload;
    uint32_t attempt;
    bool replay = false;
  };
  struct Sent {
    Pending event;
    std::string sidecar_id;
    MonoTime sent_at;
  };

  std::string key;        // subscription "ns/name"
  std::string topic_key;  // "ns/topic"
  Subscription sub;
  uint64_t cursor = 0;     // every offset below is acked
  uint64_t next_read = 0;  // next offset to read from the outbox
  uint64_t replay_until = 0;  // offsets below were read before a Rewind: sent again as replays
  bool cursor_dirty = false;
  std::set<uint64_t> done;  // acked offsets above the cursor
  std::deque<Pending> ready;
  std::map<std::string, std::deque<Pending>> waiting;  // keyed events behind one in line
  std::set<std::string> claimed;                       // keys with an event in line or in flight
  std::unordered_map<uint64_t, Sent> sent;             // by delivery id
  size_t round_robin = 0;
};

Dispatcher::Dispatcher(Outbox& outbox, Clock& clock, SidecarMetrics& metrics, DispatcherOptions options)
    : outbox_(outbox), clock_(clock), metrics_(metrics), options_(options) {}

Dispatcher::~Dispatcher() = default;

void Dispatcher::OnTable(const RoutingTablePtr& table) {
  table_ = table;
  if (!table_) return;
  // Subscriptions that went away: forget their cursor so retention is not held back by them.
  // One moved to another topic is a new subscription of that topic (spec.topic is mutable).
  for (auto it = subs_.begin(); it != subs_.end();) {
    const Subscription* now = table_->FindSubscription(it->first);
    if (now == nullptr || now->meta.namespace_ + "/" + now->spec.topic != it->second->topic_key) {
      Status s = outbox_.DropCursor(it->second->topic_key, it->first);
      if (!s.ok()) ZR_LOG(kWarn, "dispatcher", "dropping cursor failed", {{"subscription", it->first}, {"error", s.ToString()}});
      for (GaugeVec* g : {&metrics_.lag, &metrics_.in_flight}) g->Remove({it->first});
      for (CounterVec* c : {&metrics_.dispatched, &metrics_.redelivered, &metrics_.acked}) c->Remove({it->first});
      // Late answers for its deliveries must not reach the freed state.
      for (const auto& [id, sent] : it->second->sent) in_flight_.erase(id);
      it = subs_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [key, sub] : table_->subscriptions()) {
    auto& state = subs_[key];
    if (!state) {
      state = std::make_unique<SubState>();
      state->key = key;
      state->topic_key = sub.meta.namespace_ + "/" + sub.spec.topic;
      // A new subscription starts at its persisted cursor, or at the first retained event.
      state->cursor = std::max(outbox_.Cursor(state->topic_key, key), outbox_.BeginOffset(state->topic_key));
      state->next_read = state->cursor;
      // Exported at 0 from the start, so rate() sees the first events.
      for (CounterVec* c : {&metrics_.dispatched, &metrics_.redelivered, &metrics_.acked}) c->With({key});
    }
    state->sub = sub;
    // Events in flight to replicas that left go back in line.
    const auto& endpoints = table_->EndpointsOf(sub.meta.namespace_, sub.spec.app_id);
    std::vector<uint64_t> lost;
    for (const auto& [id, sent] : state->sent) {
      bool listed = std::any_of(endpoints.begin(), endpoints.end(),
                                [&](const Endpoint& e) { return e.sidecar_id == sent.sidecar_id; });
      if (!listed) lost.push_back(id);
    }
    for (uint64_t id : lost) Requeue(id);
  }
}

void Dispatcher::Pump(EventSink& sink) {
  if (!table_) return;
  for (auto& [key, state] : subs_) {
    Fill(*state);
    Send(*state, sink);
  }
  PersistCursors();
}

void Dispatcher::Fill(SubState& s) {
  while (s.next_read - s.cursor < options_.window && s.ready.size() < options_.read_batch) {
    size_t room = std::min(options_.read_batch, options_.window - static_cast<size_t>(s.next_read - s.cursor));
    auto records = outbox_.Read(s.topic_key, s.next_read, room, 4 << 20);
    if (!records.ok()) {
      ZR_LOG(kError, "dispatcher", "outbox read failed", {{"topic", s.topic_key}, {"error", records.status().ToString()}});
      return;
    }
    if (records->empty()) return;
    if (records->front().offset > s.next_read && s.cursor == s.next_read && s.sent.empty()) {
      // Retention removed what this (new) subscription had not reached: start at what is left.
      s.cursor = s.next_read = records->front().offset;
      s.cursor_dirty = true;
    }
    bool ordered = s.sub.spec.delivery.ordered;
    for (auto& stored : *records) {
      if (stored.offset < s.next_read) continue;
      s.next_read = stored.offset + 1;
      if (!s.sub.spec.filters.empty()) {
        auto event = DecodeEventBinary(stored.record.payload);
        if (!event.ok() || !FiltersMatch(s.sub.spec.filters, *event)) {
          Done(s, stored.offset);
          continue;
        }
      }
      SubState::Pending p{stored.offset, std::move(stored.record.key), std::move(stored.record.payload), 1,
                          stored.offset < s.replay_until};
      if (ordered && !p.key.empty()) {
        if (s.claimed.count(p.key)) {
          s.waiting[p.key].push_back(std::move(p));
          continue;
        }
        s.claimed.insert(p.key);
      }
      s.ready.push_back(std::move(p));
    }
  }
}

void Dispatcher::Send(SubState& s, EventSink& sink) {
  if (s.ready.empty()) return;
  // Draining replicas (shutting down) get nothing new; keys are owned among the others.
  std::vector<const Endpoint*> endpoints;
  for (const auto& e : table_->EndpointsOf(s.sub.meta.namespace_, s.sub.spec.app_id)) {
    if (!e.draining) endpoints.push_back(&e);
  }
  if (endpoints.empty()) return;
  std::vector<std::string_view> ids;
  ids.reserve(endpoints.size());
  for (const Endpoint* e : endpoints) ids.push_back(e->sidecar_id);
  bool ordered = s.sub.spec.delivery.ordered;
  MonoTime now = clock_.Now();

  std::deque<SubState::Pending> blocked;
  while (!s.ready.empty()) {
    SubState::Pending& p = s.ready.front();
    const Endpoint* target = nullptr;
    if (ordered && !p.key.empty()) {
      const Endpoint& owner = *endpoints[RendezvousPick(p.key, ids)];
      if (sink.Credit(owner) > 0) target = &owner;
    } else {
      for (size_t i = 0; i < endpoints.size(); ++i) {
        const Endpoint& e = *endpoints[(s.round_robin + i) % endpoints.size()];
        if (sink.Credit(e) > 0) {
          target = &e;
          s.round_robin = (s.round_robin + i + 1) % endpoints.size();
          break;
        }
      }
      if (!target) break;  // no replica has credit: nothing unkeyed can go either
    }
    if (!target) {
      blocked.push_back(std::move(p));
      s.ready.pop_front();
      continue;
    }
    uint64_t id = next_delivery_id_++;
    wire::EventFrame frame;
    frame.delivery_id = id;
    frame.topic = s.topic_key;
    frame.subscription = s.key;
    frame.attempt = p.attempt;
    frame.replay = p.replay;
    frame.payload = p.payload;
    sink.Send(*target, std::move(frame));
    metrics_.dispatched.With({s.key}).Increment();
    if (p.attempt > 1) metrics_.redelivered.With({s.key}).Increment();
    s.sent.emplace(id, SubState::Sent{std::move(p), target->sidecar_id, now});
    in_flight_.emplace(id, InFlight{&s, 0});
    s.ready.pop_front();
  }
  // Blocked events keep their place ahead of what was behind them.
  while (!blocked.empty()) {
    s.ready.push_front(std::move(blocked.back()));
    blocked.pop_back();
  }
}

void Dispatcher::Done(SubState& s, uint64_t offset) {
  if (offset < s.cursor) return;
  if (offset != s.cursor) {
    s.done.insert(offset);
    return;
  }
  ++s.cursor;
  while (!s.done.empty() && *s.done.begin() == s.cursor) {
    s.done.erase(s.done.begin());
    ++s.cursor;
  }
  s.cursor_dirty = true;
}

void Dispatcher::ReleaseKey(SubState& s, const std::string& key) {
  // Not gated on `ordered`: events that queued behind the key before ordering was turned off
  // must still be released.
  if (key.empty()) return;
  auto it = s.waiting.find(key);
  if (it == s.waiting.end()) {
    s.claimed.erase(key);
    return;
  }
  s.ready.push_back(std::move(it->second.front()));
  it->second.pop_front();
  if (it->second.empty()) s.waiting.erase(it);
}

void Dispatcher::OnAck(uint64_t delivery_id) {
  auto it = in_flight_.find(delivery_id);
  if (it == in_flight_.end()) return;  // already handled (late ack after a redelivery)
  SubState* s = it->second.sub;
  in_flight_.erase(it);
  auto sent = s->sent.find(delivery_id);
  if (sent == s->sent.end()) return;  // the window was rewound
  uint64_t offset = sent->second.event.offset;
  std::string key = std::move(sent->second.event.key);
  s->sent.erase(sent);
  metrics_.acked.With({s->key}).Increment();
  Done(*s, offset);
  ReleaseKey(*s, key);
}

void Dispatcher::OnNack(uint64_t delivery_id, wire::NackReason reason) {
  if (reason == wire::NackReason::kRejected) {
    // The consumer will never take this event (undecodable or not permitted): log loudly and
    // move on rather than block the subscription forever.
    auto it = in_flight_.find(delivery_id);
    if (it != in_flight_.end()) {
      ZR_LOG(kError, "dispatcher", "consumer rejected event", {{"subscription", it->second.sub->key}});
    }
    OnAck(delivery_id);
    return;
  }
  Requeue(delivery_id);
}

void Dispatcher::Requeue(uint64_t delivery_id) {
  auto it = in_flight_.find(delivery_id);
  if (it == in_flight_.end()) return;
  SubState* s = it->second.sub;
  in_flight_.erase(it);
  auto sent = s->sent.find(delivery_id);
  if (sent == s->sent.end()) return;
  SubState::Pending p = std::move(sent->second.event);
  ++p.attempt;  // counts sends (the wire's `attempt`); the consumer's own retries count attempts
  s->sent.erase(sent);
  // First in line: a keyed redelivery must precede the later events of its key (which wait
  // behind the claim), and an unkeyed one has waited longest.
  s->ready.push_front(std::move(p));
}

void Dispatcher::OnPeerLost(const std::string& sidecar_id) {
  std::vector<uint64_t> lost;
  for (const auto& [key, state] : subs_) {
    for (const auto& [id, sent] : state->sent) {
      if (sent.sidecar_id == sidecar_id) lost.push_back(id);
    }
  }
  for (uint64_t id : lost) Requeue(id);
}

void Dispatcher::CheckTimeouts() {
  MonoTime now = clock_.Now();
  std::vector<uint64_t> expired;
  for (const auto& [key, state] : subs_) {
    for (const auto& [id, sent] : state->sent) {
      if (now - sent.sent_at > options_.ack_timeout) expired.push_back(id);
    }
  }
  for (uint64_t id : expired) Requeue(id);
}

Status Dispatcher::Rewind(const std::string& subscription_key, uint64_t offset) {
  auto it = subs_.find(subscription_key);
  if (it == subs_.end()) return Status::NotFound("no subscription '" + subscription_key + "' on this sidecar");
  SubState& s = *it->second;
  offset = std::clamp(offset, outbox_.BeginOffset(s.topic_key), outbox_.EndOffset(s.topic_key));
  for (const auto& [id, sent] : s.sent) in_flight_.erase(id);
  s.sent.clear();
  s.ready.clear();
  s.waiting.clear();
  s.claimed.clear();
  s.done.clear();
  s.replay_until = std::max(s.replay_until, s.next_read);
  s.cursor = s.next_read = offset;
  return outbox_.CommitCursor(s.topic_key, s.key, offset);
}

void Dispatcher::PersistCursors() {
  for (auto& [key, state] : subs_) {
    SubState& s = *state;
    if (s.cursor_dirty) {
      Status st = outbox_.CommitCursor(s.topic_key, s.key, s.cursor);
      if (!st.ok()) ZR_LOG(kError, "dispatcher", "cursor commit failed", {{"subscription", key}, {"error", st.ToString()}});
      s.cursor_dirty = false;
    }
    uint64_t end = outbox_.EndOffset(s.topic_key);
    metrics_.lag.With({key}).Set(static_cast<double>(end > s.cursor ? end - s.cursor : 0));
    metrics_.in_flight.With({key}).Set(static_cast<double>(s.sent.size()));
  }
}

std::vector<SubscriptionProgress> Dispatcher::Progress() const {
  std::vector<SubscriptionProgress> out;
  for (const auto& [key, state] : subs_) {
    SubscriptionProgress p;
    p.subscription = key;
    p.topic = state->topic_key;
    p.app_id = state->sub.spec.app_id;
    p.cursor = state->cursor;
    p.end = outbox_.EndOffset(state->topic_key);
    p.in_flight = state->sent.size();
    out.push_back(p);
  }
  return out;
}

}  // namespace zroute
