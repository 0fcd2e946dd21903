// PeerLinks: this sidecar's outgoing links to consumer replicas, one ZeroMQ DEALER per peer
// sidecar, connected lazily the first time there is something to send to it.
//
// Flow control is credit-based: a link starts with no credit and sends HELLO; the consumer
// answers with CREDIT(n) from its free slots, which sets the link's credit and makes it live;
// every event spends one credit and every later ACK/NACK returns what the consumer grants back. Liveness: each side heartbeats; a peer silent for
// peer_timeout is declared lost (its in-flight events go back in line), its credit is zeroed and
// HELLO is repeated until it answers again. With CURVE, a peer that has not answered within a
// second of connecting gets a new socket: libzmq never reconnects a connection whose handshake
// the peer's ZAP handler refused (it did not know our key yet), so only a new socket retries.
// Heartbeats audit the link: the consumer's answer says how many of the event frames sent since
// the last HELLO it received; fewer means frames were lost (their credit with them), and the link
// is reset as if the peer had been lost, so nothing waits for the five-minute ack timeout.
// Thread: the link thread only; owns its sockets.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "common/util/clock.h"
#include "sidecar/link/dispatcher.h"
#include "sidecar/link/event_sink.h"
#include "sidecar/link/link_security.h"
#include "sidecar/link/socket_poll.h"
#include "sidecar/sidecar_config.h"
#include "sidecar/sidecar_metrics.h"

namespace zroute {

class PeerLinks final : public EventSink {
 public:
  PeerLinks(zmq::context_t& context, const SidecarConfig& config, Clock& clock, SidecarMetrics& metrics,
            const LinkSecurity& security);
  ~PeerLinks() override;

  uint32_t Credit(const Endpoint& endpoint) override;
  void Send(const Endpoint& endpoint, wire::EventFrame frame) override;

  // Sends what Send queued. Returns peers whose send failed (they are marked lost).
  void Flush(Dispatcher& dispatcher);
  // Closes links to peers no longer in the table.
  void OnTable(const RoutingTable& table);
  // Registers every peer socket with `poll`, in an order OnReadable's index refers to.
  void AddToPoll(SocketPoll& poll);
  // Reads every message waiting on the peer at `index` (0 is the first socket AddToPoll added).
  void OnReadable(size_t index, Dispatcher& dispatcher);
  // Heartbeats, HELLO retries and loss detection.
  void Tick(Dispatcher& dispatcher);

  // Sets the peers, peers-connected and credit gauges.
  void UpdateGauges();

  size_t size() const { return peers_.size(); }

 private:
  struct Peer;
  Peer& GetOrConnect(const Endpoint& endpoint);
  // (Re)creates the peer's socket and connects it.
  void Connect(Peer& peer);
  std::chrono::milliseconds HelloRetry() const;
  void SendHello(Peer& peer, MonoTime now);
  // Returns false when the send failed (and the peer was marked lost, when `dispatcher` is given).
  bool SendFrame(Peer& peer, const std::string& frame, Dispatcher* dispatcher);
  void MarkLost(Peer& peer, Dispatcher& dispatcher);

  zmq::context_t& context_;
  const SidecarConfig& config_;
  Clock& clock_;
  SidecarMetrics& metrics_;
  const LinkSecurity& security_;
  std::map<std::string, std::unique_ptr<Peer>> peers_;  // by sidecar id
  std::vector<Peer*> poll_order_;
};

}  // namespace zroute
