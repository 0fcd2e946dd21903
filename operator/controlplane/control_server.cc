#include "operator/controlplane/control_server.h"

#include "common/routing/routing_diff.h"
#include "common/util/logging.h"
#include "common/util/thread_name.h"
#include "common/wire/control_messages.h"
#include "operator/controller/routing_builder.h"

namespace zroute {

ControlServer::ControlServer(Clock& clock, ControlServerOptions options, OperatorMetrics& metrics)
    : clock_(clock), options_(std::move(options)), metrics_(metrics), router_(context_, zmq::socket_type::router),
      membership_(options_.heartbeat_timeout) {
  // Versions start at the wall-clock millisecond, so a restarted operator keeps counting upwards
  // and sidecars holding a table from its previous life never mistake new updates for old ones.
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.WallNow().time_since_epoch()).count();
  table_ = std::make_shared<const RoutingTable>(*RoutingTable::FromEntries(static_cast<uint64_t>(ms), {}));
}

ControlServer::~ControlServer() { Stop(); }

StatusOr<std::string> ControlServer::Start() {
  const bool curve = !options_.curve.secret_key.empty();
  if (curve) {
    // Admits every key (see ControlServerOptions) but names it, so each message tells its key.
    zap_ = std::make_unique<security::ZapHandler>(
        context_, "controlplane", [](const std::string& key) -> std::optional<std::string> { return key; });
    ZR_RETURN_IF_ERROR(zap_->Start());
  }
  try {
    if (curve) {
      router_.set(zmq::sockopt::curve_server, 1);
      router_.set(zmq::sockopt::curve_secretkey, options_.curve.secret_key);
    }
    router_.set(zmq::sockopt::router_mandatory, 1);
    router_.set(zmq::sockopt::linger, 0);
    router_.set(zmq::sockopt::maxmsgsize, wire::kMaxFrameBytes);
    router_.set(zmq::sockopt::sndhwm, 1000);
    router_.bind(options_.bind);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot bind control endpoint " + options_.bind + ": " + e.what());
  }
  std::string endpoint = router_.get(zmq::sockopt::last_endpoint);
  thread_ = std::thread([this] {
    SetCurrentThreadName("zr-control");
    Run();
  });
  return endpoint;
}

void ControlServer::Stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  wakeup_.Notify();
  thread_.join();
  if (zap_) zap_->Stop();
}

void ControlServer::SetResources(const ResourceSet& resources) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_resources_ = resources;
  }
  has_resources_.store(true);
  wakeup_.Notify();
}

void ControlServer::SetReadyPods(std::optional<ReadyPods> ready_pods) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_ready_pods_ = std::move(ready_pods);
  }
  wakeup_.Notify();
}

RoutingTablePtr ControlServer::Table() const {
  std::lock_guard<std::mutex> lock(mu_);
  return table_;
}

std::vector<Member> ControlServer::Members() const {
  std::lock_guard<std::mutex> lock(mu_);
  return members_copy_;
}

void ControlServer::Send(const std::string& identity, wire::ControlCommand command, const nlohmann::json& body) {
  std::string frame = wire::EncodeControlMessage({command, body});
  try {
    router_.send(zmq::buffer(identity), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    router_.send(zmq::buffer(frame), zmq::send_flags::dontwait);
  } catch (const zmq::error_t&) {
    // Not connected right now: it will register again or ask for a snapshot.
  }
}

void ControlServer::OnMessage(const std::string& identity, const std::string& client_key,
                              const std::string& peer_address, std::string_view frame) {
  auto decoded = wire::DecodeControlMessage(frame);
  if (!decoded.ok()) {
    metrics_.control_rejected.With({"malformed"}).Increment();
    return;
  }
  const bool curve = !options_.curve.secret_key.empty();
  if (curve) {
    // A sidecar id is bound to the key it registered with: another connection claiming that id
    // (a reused routing id, or a REGISTER that would replace the key) is not that sidecar.
    auto it = membership_.members().find(identity);
    if (it != membership_.members().end() && it->second.info.public_key != client_key) {
      metrics_.control_rejected.With({"key_mismatch"}).Increment();
      return;
    }
  }
  MonoTime now = clock_.Now();
  const nlohmann::json& body = decoded->body;
  switch (decoded->command) {
    case wire::ControlCommand::kRegister: {
      auto info = wire::SidecarInfoFromJson(body);
      std::string problem = !info.ok() ? info.status().message()
                            : info->sidecar_id != identity ? "sidecar id does not match the connection identity"
                            : curve && info->public_key != client_key
                                ? "public key does not match the connection's CURVE key"
                                : "";
      if (!problem.empty()) {
        metrics_.control_rejected.With({"bad_register"}).Increment();
        ZR_LOG(kWarn, "controlplane", "registration refused", {{"error", problem}});
        return;
      }
      metrics_.registrations.With({}).Increment();
      if (membership_.Register(*info, now, peer_address)) {
        ZR_LOG(kInfo, "controlplane", "sidecar registered",
               {{"sidecarId", info->sidecar_id},
                {"appId", info->app_id},
                {"endpoint", info->data_endpoint},
                {"peerAddress", peer_address}});
        dirty_ = true;
      }
      want_snapshot_.insert(identity);
      break;
    }
    case wire::ControlCommand::kHeartbeat: {
      // Checked, not converted: a get<> of a mistyped field throws and would end this thread.
      auto v = body.find("version");
      if (v != body.end() && !v->is_number_unsigned()) {
        metrics_.control_rejected.With({"malformed"}).Increment();
        return;
      }
      uint64_t version = v == body.end() ? 0 : v->get<uint64_t>();
      auto load = body.contains("load") ? body["load"] : nlohmann::json::object();
      const bool has_load = load.is_object();
      if (!membership_.Heartbeat(identity, version, std::move(load), now)) {
        Send(identity, wire::ControlCommand::kUnknownSidecar, nlohmann::json::object());
      } else if (has_load && observer_.on_load) {
        const Member& member = membership_.members().at(identity);
        observer_.on_load(member.info, member.load, now);
      }
      break;
    }
    case wire::ControlCommand::kLeave:
      if (membership_.MarkDraining(identity)) {
        ZR_LOG(kInfo, "controlplane", "sidecar draining", {{"sidecarId", identity}});
        dirty_ = true;
      }
      break;
    case wire::ControlCommand::kSnapshotRequest:
      if (membership_.Contains(identity)) {
        want_snapshot_.insert(identity);
      } else {
        Send(identity, wire::ControlCommand::kUnknownSidecar, nlohmann::json::object());
      }
      break;
    default:
      metrics_.control_rejected.With({"unexpected"}).Increment();
      break;
  }
}

void ControlServer::Rebuild() {
  RoutingTablePtr current;
  {
    std::lock_guard<std::mutex> lock(mu_);
    current = table_;
  }
  RoutingInputs inputs{&resources_, &membership_.members(), ready_pods_ ? &*ready_pods_ : nullptr,
                       options_.check_source_ip};
  std::map<std::string, std::string> refused;
  RoutingTable next = BuildRoutingTable(current->version() + 1, inputs, &refused);
  // Counted and logged when a sidecar becomes refused (or for another reason), not on every build.
  for (const auto& [id, mismatch] : refused) {
    auto before = refused_.find(id);
    if (before != refused_.end() && before->second == mismatch) continue;
    const Member& m = membership_.members().at(id);
    metrics_.control_rejected.With({"pod_mismatch"}).Increment();
    ZR_LOG(kWarn, "controlplane", "registration not bound to its pod: sidecar not listed",
           {{"sidecarId", id},
            {"pod", m.info.namespace_ + "/" + m.info.pod},
            {"appId", m.info.app_id},
            {"peerAddress", m.peer_address},
            {"mismatch", mismatch}});
  }
  refused_ = std::move(refused);
  if (next.entries() != current->entries()) {
    RoutingDiff diff = Diff(*current, next);
    auto published = std::make_shared<const RoutingTable>(std::move(next));
    {
      std::lock_guard<std::mutex> lock(mu_);
      table_ = published;
    }
    metrics_.table_updates.With({}).Increment();
    metrics_.table_version.With({}).Set(static_cast<double>(published->version()));
    nlohmann::json body = diff.ToJson();
    for (const auto& [id, member] : membership_.members()) {
      if (!want_snapshot_.count(id)) Send(id, wire::ControlCommand::kUpdate, body);
    }
    ZR_LOG(kInfo, "controlplane", "routing table updated",
           {{"version", published->version()}, {"changes", diff.changes.size()}});
  }
  std::vector<Member> copy;
  for (const auto& [id, m] : membership_.members()) copy.push_back(m);
  {
    std::lock_guard<std::mutex> lock(mu_);
    members_copy_ = std::move(copy);
  }
  metrics_.sidecars.With({}).Set(static_cast<double>(membership_.members().size()));
}

void ControlServer::PublishSnapshots() {
  if (want_snapshot_.empty()) return;
  RoutingTablePtr table = Table();
  nlohmann::json body = table->ToJson();
  for (const auto& id : want_snapshot_) Send(id, wire::ControlCommand::kSnapshot, body);
  want_snapshot_.clear();
}

void ControlServer::Run() {
  while (!stop_.load()) {
    zmq::pollitem_t items[] = {{nullptr, wakeup_.fd(), ZMQ_POLLIN, 0}, {router_.handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(100));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) ZR_LOG(kError, "controlplane", "poll failed", {{"error", e.what()}});
    }
    if (items[0].revents & ZMQ_POLLIN) wakeup_.Drain();
    if (items[1].revents & ZMQ_POLLIN) {
      while (true) {
        zmq::message_t identity, frame;
        try {
          if (!router_.recv(identity, zmq::recv_flags::dontwait)) break;
          if (!identity.more() || !router_.recv(frame, zmq::recv_flags::dontwait)) continue;
          while (frame.more()) {  // extra frames are not part of the protocol: drop them
            zmq::message_t extra;
            if (!router_.recv(extra, zmq::recv_flags::dontwait)) break;
            frame = std::move(extra);
            metrics_.control_rejected.With({"malformed"}).Increment();
          }
        } catch (const zmq::error_t&) {
          break;
        }
        std::string client_key, peer_address;
        if (zap_) {
          try {
            if (const char* user = frame.gets("User-Id")) client_key = user;
          } catch (const zmq::error_t&) {
          }
        }
        try {  // TCP transports only: absent on ipc:// and inproc://
          if (const char* peer = frame.gets("Peer-Address")) peer_address = peer;
        } catch (const zmq::error_t&) {
        }
        OnMessage(identity.to_string(), client_key, peer_address, frame.to_string_view());
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (pending_resources_) {
        resources_ = std::move(*pending_resources_);
        pending_resources_.reset();
        dirty_ = true;
        metrics_.resources.With({"Topic"}).Set(static_cast<double>(resources_.topics.size()));
        metrics_.resources.With({"Subscription"}).Set(static_cast<double>(resources_.subscriptions.size()));
        metrics_.resources.With({"ScalingPolicy"}).Set(static_cast<double>(resources_.scaling_policies.size()));
        metrics_.invalid_resources.With({}).Set(static_cast<double>(resources_.errors.size()));
      }
      if (pending_ready_pods_) {
        ready_pods_ = std::move(*pending_ready_pods_);
        pending_ready_pods_.reset();
        dirty_ = true;
      }
    }
    MonoTime now = clock_.Now();
    for (const auto& id : membership_.Expire(now)) {
      ZR_LOG(kInfo, "controlplane", "sidecar expired", {{"sidecarId", id}});
      metrics_.sidecars_expired.With({}).Increment();
      if (observer_.on_gone) observer_.on_gone(id);
      dirty_ = true;
    }
    if (dirty_) {
      dirty_ = false;
      Rebuild();
    }
    PublishSnapshots();
    if (now - last_ping_ >= options_.ping_interval) {
      last_ping_ = now;
      uint64_t version = Table()->version();
      for (const auto& [id, m] : membership_.members()) {
        Send(id, wire::ControlCommand::kPing, {{"version", version}});
      }
      // Heartbeats refresh the load reports: publish a fresh copy for readers.
      std::vector<Member> copy;
      for (const auto& [id, m] : membership_.members()) copy.push_back(m);
      std::lock_guard<std::mutex> lock(mu_);
      members_copy_ = std::move(copy);
    }
  }
}

}  // namespace zroute
