// ControlChannel: the sidecar's side of the control protocol with the operator.
//
// Registers on start (and again whenever the operator says it does not know us, or has been
// silent for a while: it may have restarted), heartbeats with a load report, and keeps the
// routing table current: a snapshot on register, then sequence-numbered diffs; a diff that does
// not apply (a gap) or a ping announcing a version we do not have triggers a snapshot request.
// Every table it installs is also written to `cache_path`, and read back at start, so the data
// plane keeps working on the last table while the operator is away.
// With config.operator_public_key set, the socket is a CURVE client of the operator (keys in
// config.curve); the REGISTER body carries this sidecar's public key.
// Thread: the link thread only; owns its socket.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "common/util/clock.h"
#include "common/wire/control_messages.h"
#include "sidecar/link/socket_poll.h"
#include "sidecar/routing/table_holder.h"
#include "sidecar/sidecar_config.h"
#include "sidecar/sidecar_metrics.h"

namespace zroute {

class ControlChannel {
 public:
  ControlChannel(zmq::context_t& context, const SidecarConfig& config, wire::SidecarInfo self, Clock& clock,
                 TableHolder& table, SidecarMetrics& metrics, std::string cache_path);

  // Loads the cached table, if any, and connects. Returns true when a cached table was installed.
  bool Start();
  zmq::socket_t& socket() { return socket_; }
  // Registers the socket with `poll` (with the flag SocketPoll needs) and returns its index.
  size_t AddToPoll(SocketPoll& poll) { return poll.AddSocket(socket_, &unchecked_); }
  // Handles every waiting message. Returns true when the table changed.
  bool OnReadable();
  // Heartbeats and re-registration. `load` is the report sent with the heartbeat.
  void Tick(const nlohmann::json& load);
  bool connected() const { return connected_; }
  // Tells the operator this sidecar is draining (SIGTERM), so no new events are routed to it.
  void Leave();

 private:
  void SendMessage(wire::ControlCommand command, nlohmann::json body);
  void Register();
  bool Install(RoutingTable table, const char* how);
  void SaveCache(const RoutingTable& table);

  zmq::context_t& context_;
  const SidecarConfig& config_;
  wire::SidecarInfo self_;
  Clock& clock_;
  TableHolder& table_;
  SidecarMetrics& metrics_;
  std::string cache_path_;
  zmq::socket_t socket_;
  bool unchecked_ = true;  // SocketPoll's flag: set after every send
  bool connected_ = false;  // the operator answered since the last register
  MonoTime last_heard_{};
  MonoTime last_register_{};
  MonoTime last_heartbeat_{};
  MonoTime last_snapshot_request_{};
};

}  // namespace zroute
