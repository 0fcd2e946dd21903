#include "sidecar/link/peer_links.h"

#include "common/util/logging.h"
#include "common/wire/wire_format.h"

namespace zroute {

struct PeerLinks::Peer {
  std::string sidecar_id;
  std::string endpoint;
  std::string public_key;  // the peer's CURVE key, from the table
  zmq::socket_t socket;
  bool unchecked = true;  // SocketPoll's flag: set on (re)creation and after every send
  MonoTime connected_at{};
  uint32_t credit = 0;
  bool alive = false;  // has answered since the last HELLO
  MonoTime last_heard{};
  MonoTime last_sent{};
  MonoTime last_hello{};
  uint64_t sent_frames = 0;  // event frames sent since the last HELLO (the heartbeat audit)
  std::string batch;  // encoded event frames waiting for Flush
  size_t batch_count = 0;
  std::vector<std::pair<size_t, std::string>> full;  // batches that reached a limit, oldest first
};

namespace {
constexpr size_t kMaxBatchEvents = 128;
// A HELLO sent while the connection is still being set up is dropped (ZMQ_IMMEDIATE), so an
// unanswered HELLO is repeated soon rather than after a whole heartbeat interval.
constexpr std::chrono::milliseconds kHelloRetry{50};
constexpr size_t kMaxBatchBytes = 1 << 20;
// With CURVE, a peer silent this long after connecting gets a new socket (see the header).
constexpr std::chrono::milliseconds kRecreateUnanswered{1000};
}  // namespace

std::chrono::milliseconds PeerLinks::HelloRetry() const { return std::min(config_.heartbeat_interval, kHelloRetry); }

PeerLinks::PeerLinks(zmq::context_t& context, const SidecarConfig& config, Clock& clock, SidecarMetrics& metrics,
                     const LinkSecurity& security)
    : context_(context), config_(config), clock_(clock), metrics_(metrics), security_(security) {}

PeerLinks::~PeerLinks() = default;

PeerLinks::Peer& PeerLinks::GetOrConnect(const Endpoint& endpoint) {
  auto& slot = peers_[endpoint.sidecar_id];
  if (slot) return *slot;
  slot = std::make_unique<Peer>();
  Peer& p = *slot;
  p.sidecar_id = endpoint.sidecar_id;
  p.endpoint = endpoint.data_endpoint;
  p.public_key = endpoint.public_key;
  Connect(p);
  metrics_.peers.With({}).Set(static_cast<double>(peers_.size()));
  return p;
}

void PeerLinks::Connect(Peer& p) {
  p.connected_at = clock_.Now();
  p.socket = zmq::socket_t(context_, zmq::socket_type::dealer);
  p.unchecked = true;
  p.socket.set(zmq::sockopt::routing_id, config_.sidecar_id);
  p.socket.set(zmq::sockopt::linger, 0);
  p.socket.set(zmq::sockopt::immediate, 1);  // never queue events to a peer not connected
  p.socket.set(zmq::sockopt::sndhwm, 10000);
  p.socket.set(zmq::sockopt::maxmsgsize, wire::kMaxFrameBytes);
  p.socket.set(zmq::sockopt::reconnect_ivl, 100);
  p.socket.set(zmq::sockopt::reconnect_ivl_max, 2000);
  try {
    if (!security_.ConfigureClient(p.socket, p.public_key)) {
      ZR_LOG(kError, "link", "peer has no valid CURVE key in the routing table: not connecting",
             {{"peer", p.sidecar_id}, {"endpoint", p.endpoint}});
      return;
    }
    p.socket.connect(p.endpoint);
  } catch (const zmq::error_t& e) {
    ZR_LOG(kError, "link", "connect failed", {{"peer", p.sidecar_id}, {"endpoint", p.endpoint}, {"error", e.what()}});
  }
}

uint32_t PeerLinks::Credit(const Endpoint& endpoint) {
  Peer& p = GetOrConnect(endpoint);
  MonoTime now = clock_.Now();
  if (!p.alive && now - p.last_hello >= HelloRetry()) SendHello(p, now);
  return p.credit;
}

void PeerLinks::Send(const Endpoint& endpoint, wire::EventFrame frame) {
  Peer& p = GetOrConnect(endpoint);
  if (p.credit > 0) --p.credit;
  // One EVENTS message stays far below the frame limit the consumer enforces.
  if (p.batch_count > 0 && (p.batch_count >= kMaxBatchEvents || p.batch.size() + frame.payload.size() > kMaxBatchBytes)) {
    p.full.emplace_back(p.batch_count, std::move(p.batch));
    p.batch.clear();
    p.batch_count = 0;
  }
  wire::AppendEventFrame(&p.batch, frame);
  ++p.batch_count;
}

void PeerLinks::SendHello(Peer& p, MonoTime now) {
  p.last_hello = now;
  p.credit = 0;
  p.sent_frames = 0;  // the consumer restarts its count when it reads this HELLO
  SendFrame(p, wire::EncodeLinkMessage(wire::Hello{config_.sidecar_id, config_.app_id}), nullptr);
}

bool PeerLinks::SendFrame(Peer& p, const std::string& frame, Dispatcher* dispatcher) {
  bool sent = false;
  try {
    p.unchecked = true;
    sent = p.socket.send(zmq::buffer(frame), zmq::send_flags::dontwait).has_value();
  } catch (const zmq::error_t& e) {
    ZR_LOG(kWarn, "link", "send failed", {{"peer", p.sidecar_id}, {"error", e.what()}});
  }
  p.last_sent = clock_.Now();
  if (!sent && dispatcher) MarkLost(p, *dispatcher);
  return sent;
}

void PeerLinks::Flush(Dispatcher& dispatcher) {
  for (auto& [id, peer] : peers_) {
    Peer& p = *peer;
    if (p.batch_count == 0) continue;
    p.full.emplace_back(p.batch_count, std::move(p.batch));
    p.batch.clear();
    p.batch_count = 0;
    std::vector<std::pair<size_t, std::string>> batches;
    batches.swap(p.full);
    for (auto& [count, frames] : batches) {
      std::string message;
      message.reserve(frames.size() + 12);
      wire::AppendEventsHeader(&message, count);
      message += frames;
      // On failure the peer is marked lost and the dispatcher has requeued everything sent to
      // it, the rest of these batches included: they must not go out as well.
      if (!SendFrame(p, message, &dispatcher)) break;
      p.sent_frames += count;
    }
  }
}

void PeerLinks::MarkLost(Peer& p, Dispatcher& dispatcher) {
  if (p.alive) ZR_LOG(kWarn, "link", "peer lost", {{"peer", p.sidecar_id}});
  p.alive = false;
  p.credit = 0;
  p.batch.clear();
  p.batch_count = 0;
  p.full.clear();
  dispatcher.OnPeerLost(p.sidecar_id);
}

void PeerLinks::OnTable(const RoutingTable& table) {
  for (auto it = peers_.begin(); it != peers_.end();) {
    if (table.FindEndpoint(it->first) == nullptr) {
      it = peers_.erase(it);
    } else {
      ++it;
    }
  }
  metrics_.peers.With({}).Set(static_cast<double>(peers_.size()));
}

void PeerLinks::AddToPoll(SocketPoll& poll) {
  poll_order_.clear();
  for (auto& [id, peer] : peers_) {
    poll.AddSocket(peer->socket, &peer->unchecked);
    poll_order_.push_back(peer.get());
  }
}

void PeerLinks::OnReadable(size_t index, Dispatcher& dispatcher) {
  if (index >= poll_order_.size()) return;
  Peer& p = *poll_order_[index];
  while (true) {
    zmq::message_t msg;
    zmq::recv_result_t got;
    try {
      got = p.socket.recv(msg, zmq::recv_flags::dontwait);
    } catch (const zmq::error_t&) {
      return;
    }
    if (!got) {
      p.unchecked = false;  // read until EAGAIN: nothing waits, and the next arrival is signalled
      return;
    }
    auto decoded = wire::DecodeLinkMessage(msg.to_string_view());
    if (!decoded.ok()) {
      metrics_.link_rejected.With({"malformed"}).Increment();
      continue;
    }
    p.last_heard = clock_.Now();
    bool frames_lost = false;
    std::visit(
        [&](auto&& m) {
          using T = std::decay_t<decltype(m)>;
          // Until the answer to our HELLO, credit from earlier messages does not count: the
          // consumer's CREDIT answer already accounts for everything it finished before it.
          if constexpr (std::is_same_v<T, wire::Ack>) {
            for (uint64_t id : m.delivery_ids) dispatcher.OnAck(id);
            if (p.alive) p.credit += m.credit;
          } else if constexpr (std::is_same_v<T, wire::Nack>) {
            for (uint64_t id : m.delivery_ids) dispatcher.OnNack(id, m.reason);
            if (p.alive) p.credit += m.credit;
          } else if constexpr (std::is_same_v<T, wire::Credit>) {
            p.credit = m.credit;  // the consumer's free slots for us, as of our HELLO
            p.alive = true;
          } else if constexpr (std::is_same_v<T, wire::Heartbeat>) {
            // The answer follows every frame sent before the heartbeat on the same connection,
            // so the consumer has read all `sent` of them unless some were lost.
            frames_lost = p.alive && m.received < m.sent;
            if (frames_lost) {
              ZR_LOG(kWarn, "link", "peer missed event frames; resetting the link",
                     {{"peer", p.sidecar_id}, {"sent", m.sent}, {"received", m.received}});
            }
          }
        },
        *decoded);
    if (frames_lost) {
      // Their credit is gone and their events wait for an answer that will not come: start over
      // (events in flight go back in line, HELLO asks the consumer for its real free slots).
      metrics_.link_resyncs.With({}).Increment();
      MarkLost(p, dispatcher);
    }
  }
}

void PeerLinks::Tick(Dispatcher& dispatcher) {
  MonoTime now = clock_.Now();
  for (auto& [id, peer] : peers_) {
    Peer& p = *peer;
    if (p.alive && now - p.last_heard > config_.peer_timeout) MarkLost(p, dispatcher);
    if (!p.alive && security_.curve() && !p.public_key.empty() &&
        now - std::max(p.connected_at, p.last_heard) >= kRecreateUnanswered) {
      Connect(p);
    }
    if (!p.alive && now - p.last_hello >= HelloRetry()) {
      SendHello(p, now);
    } else if (p.alive && now - p.last_sent >= config_.heartbeat_interval) {
      SendFrame(p, wire::EncodeLinkMessage(wire::Heartbeat{p.sent_frames, 0}), &dispatcher);
    }
  }
}

void PeerLinks::UpdateGauges() {
  double connected = 0, credit = 0;
  for (const auto& [id, peer] : peers_) {
    if (!peer->alive) continue;
    connected += 1;
    credit += peer->credit;
  }
  metrics_.peers.With({}).Set(static_cast<double>(peers_.size()));
  metrics_.peers_connected.With({}).Set(connected);
  metrics_.link_credit.With({}).Set(credit);
}

}  // namespace zroute
