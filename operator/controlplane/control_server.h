// ControlServer: the operator's end of the control protocol (see common/wire/wire_format.h).
//
// Sidecars register and heartbeat over one ROUTER socket. The server keeps the membership and
// the current routing table; whenever resources or membership change it builds the next table,
// and if its entries differ it bumps the version and sends the diff to every sidecar
// (zguide Clone pattern: snapshot on register or request, then sequenced updates; a periodic
// ping carries the version so a sidecar that missed an update asks for a snapshot).
// Threads: one loop thread owns the socket and the state; the other methods are thread-safe.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "common/resources/resource_parser.h"
#include "common/routing/routing_table.h"
#include "common/security/curve_keys.h"
#include "common/security/zap_handler.h"
#include "common/util/clock.h"
#include "common/util/wakeup.h"
#include "operator/controller/pod_binding.h"
#include "operator/controlplane/membership.h"
#include "operator/operator_metrics.h"

namespace zroute {

struct ControlServerOptions {
  std::string bind = "tcp://127.0.0.1:7400";
  Duration heartbeat_timeout = std::chrono::seconds(5);
  Duration ping_interval = std::chrono::seconds(1);
  // The operator's CURVE keypair; empty = plain TCP. With it the socket is a CURVE server: any
  // client key completes the handshake (a new sidecar's key is not known before it registers),
  // but a sidecar's REGISTER must carry the key of its own connection, and every later message
  // of that sidecar must arrive on a connection with that key (else counted as key_mismatch).
  security::CurveKeyPair curve;
  // Cluster mode: a registration is listed only when it arrived from one of its pod's IPs (see
  // operator/controller/pod_binding.h). Off for CNIs that masquerade pod-to-Service traffic.
  bool check_source_ip = true;
};

class ControlServer {
 public:
  // Told about every load report and every departure, e.g. by the scaling aggregation. Called on
  // the loop thread: must return quickly and must not call back into the server.
  struct MembershipObserver {
    // A heartbeat of a registered sidecar with a `load` object, stamped with the time received.
    std::function<void(const wire::SidecarInfo& sidecar, const nlohmann::json& load, MonoTime received_at)>
        on_load;
    // A sidecar left the membership (heartbeat timeout).
    std::function<void(const std::string& sidecar_id)> on_gone;
  };

  ControlServer(Clock& clock, ControlServerOptions options, OperatorMetrics& metrics);
  ~ControlServer();

  // REQUIRES: before Start(). Either callback may be empty.
  void SetObserver(MembershipObserver observer) { observer_ = std::move(observer); }

  // Binds and starts the loop. Returns the bound endpoint (useful with port 0 / "*").
  StatusOr<std::string> Start();
  void Stop();

  // Any thread: the complete current resources (level-based).
  void SetResources(const ResourceSet& resources);
  // Any thread: ready sidecar pods in cluster mode (nullopt = standalone, every sidecar is ready).
  // A registration that names a ready pod but is not bound to it is refused: counted as
  // control_rejected{reason="pod_mismatch"} and logged once each time it becomes refused.
  void SetReadyPods(std::optional<ReadyPods> ready_pods);

  // Any thread: copies for the HTTP API, status and scaling.
  RoutingTablePtr Table() const;
  std::vector<Member> Members() const;
  bool has_resources() const { return has_resources_.load(); }

 private:
  void Run();
  // `client_key`: the CURVE key of the sender's connection ("" without CURVE); `peer_address`: its
  // source IP ("" when the transport has none).
  void OnMessage(const std::string& identity, const std::string& client_key, const std::string& peer_address,
                 std::string_view frame);
  void Send(const std::string& identity, wire::ControlCommand command, const nlohmann::json& body);
  void Rebuild();
  void PublishSnapshots();

  Clock& clock_;
  const ControlServerOptions options_;
  OperatorMetrics& metrics_;
  zmq::context_t context_{1};
  std::unique_ptr<security::ZapHandler> zap_;  // bound before router_ becomes a CURVE server
  zmq::socket_t router_;
  Wakeup wakeup_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> has_resources_{false};

  // Loop-thread state.
  Membership membership_;
  ResourceSet resources_;
  std::optional<ReadyPods> ready_pods_;
  std::map<std::string, std::string> refused_;  // sidecar id -> why it is not bound to its pod
  bool dirty_ = true;
  std::set<std::string> want_snapshot_;
  MonoTime last_ping_{};
  MembershipObserver observer_;  // set before the loop starts, then read-only

  // Shared with other threads.
  mutable std::mutex mu_;  // guards pending_*, table_, members_copy_
  std::optional<ResourceSet> pending_resources_;
  std::optional<std::optional<ReadyPods>> pending_ready_pods_;
  RoutingTablePtr table_;
  std::vector<Member> members_copy_;
};

}  // namespace zroute
