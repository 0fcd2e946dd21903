// LinkSecurity: who may open a link to this sidecar and what they may send (docs/security.md).
//
// With CURVE on (the sidecar was given the operator's public key, so it has a keypair of its
// own), every ZeroMQ socket of the sidecar is encrypted: the inbound link ROUTER is a CURVE server
// whose ZAP handler admits only the public keys listed in the current routing table (each
// endpoint's key, bound to its sidecar id, namespace and app-id) plus the operator's; outgoing
// DEALERs are CURVE clients that authenticate the peer by the key the table lists for it.
// Every inbound message is then attributed to the identity of its key ("User-Id" from ZAP), never
// to what the message claims; its routing id must be that identity's sidecar id. Events are
// accepted only for topics that identity may publish: the topic's namespace is its namespace and
// the Topic's allowedPublishers (empty = anyone) list its app-id, or the topic is the dead-letter
// topic of one of its app's subscriptions (dead letters are published by the consumer's sidecar).
//
// With CURVE off, nothing is authenticated: the identity is looked up by routing id in the table
// and, when found, the same topic check applies.
//
// Refusals are counted in zroute_link_rejected_total{reason} and logged at most once a second.
// Threads: Start/Stop on the owner's; OnTable, Configure*, Identify, CheckEvent on the link
// thread; the ZAP handler runs on its own thread and reads the key map under its lock.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "common/routing/routing_table.h"
#include "common/security/peer_keys.h"
#include "common/security/zap_handler.h"
#include "common/util/log_throttle.h"
#include "common/wire/link_messages.h"
#include "sidecar/sidecar_config.h"
#include "sidecar/sidecar_metrics.h"

namespace zroute {

class LinkSecurity {
 public:
  enum class Verdict { kAllow, kForbidden, kRetry };

  LinkSecurity(const SidecarConfig& config, zmq::context_t& context, SidecarMetrics& metrics);
  ~LinkSecurity();

  bool curve() const { return !config_.curve.secret_key.empty(); }

  // Binds the ZAP handler when CURVE is on. REQUIRES: before any CURVE server socket of `context`.
  Status Start();
  void Stop();

  // The keys admitted from now on are those of `table`'s endpoints (plus the operator's).
  void OnTable(const RoutingTable& table);

  // Socket options; throw zmq::error_t like any cppzmq setter.
  void ConfigureServer(zmq::socket_t& socket) const;
  // False when CURVE is on and `server_key` is not a valid key: the peer cannot be reached safely.
  bool ConfigureClient(zmq::socket_t& socket, const std::string& server_key) const;

  // The identity that sent `message` (a frame received on the inbound ROUTER from `routing_id`);
  // nullopt when the message must be dropped unanswered (counted, logged).
  std::optional<security::PeerIdentity> Identify(zmq::message_t& message, const std::string& routing_id,
                                                 const RoutingTable* table);
  // Whether `peer` may send an event of `topic_key` for `sub`. kForbidden is counted and logged;
  // kRetry means the table does not know the topic yet.
  Verdict CheckEvent(const security::PeerIdentity& peer, const RoutingTable& table, const std::string& topic_key,
                     const Subscription& sub);

  // With CURVE, a HELLO must name the app-id its key is bound to; false (counted) otherwise.
  bool CheckHello(const security::PeerIdentity& peer, const wire::Hello& hello);

  const security::PeerKeys& keys() const { return keys_; }

 private:
  void Refuse(const char* reason, const std::string& detail);

  const SidecarConfig& config_;
  zmq::context_t& context_;
  SidecarMetrics& metrics_;
  security::PeerKeys keys_;
  std::unique_ptr<security::ZapHandler> zap_;
  LogThrottle log_throttle_;  // link thread: refusals, a line a second
};

}  // namespace zroute
