#include "sidecar/routing/control_channel.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/routing/routing_diff.h"
#include "common/util/logging.h"

namespace zroute {
namespace {
// Without a word from the operator for this many heartbeat intervals, register again.
constexpr int kSilentIntervals = 3;
}  // namespace

ControlChannel::ControlChannel(zmq::context_t& context, const SidecarConfig& config, wire::SidecarInfo self,
                               Clock& clock, TableHolder& table, SidecarMetrics& metrics, std::string cache_path)
    : context_(context), config_(config), self_(std::move(self)), clock_(clock), table_(table), metrics_(metrics),
      cache_path_(std::move(cache_path)), socket_(context_, zmq::socket_type::dealer) {}

bool ControlChannel::Start() {
  socket_.set(zmq::sockopt::routing_id, self_.sidecar_id);
  socket_.set(zmq::sockopt::linger, 0);
  // Not ZMQ_IMMEDIATE: the REGISTER sent right after connect() must wait for the connection
  // rather than be dropped (which left a new sidecar unregistered for three heartbeat intervals).
  // The high-water mark bounds what queues while the operator is away.
  socket_.set(zmq::sockopt::sndhwm, 100);
  socket_.set(zmq::sockopt::maxmsgsize, wire::kMaxFrameBytes);
  socket_.set(zmq::sockopt::reconnect_ivl, 100);
  socket_.set(zmq::sockopt::reconnect_ivl_max, 2000);
  if (!config_.operator_public_key.empty()) {
    // CURVE client: only the holder of the operator's secret key can complete the handshake, so
    // every table this channel installs comes from the operator.
    socket_.set(zmq::sockopt::curve_serverkey, config_.operator_public_key);
    socket_.set(zmq::sockopt::curve_publickey, config_.curve.public_key);
    socket_.set(zmq::sockopt::curve_secretkey, config_.curve.secret_key);
  }
  socket_.connect(config_.operator_endpoint);
  bool cached = false;
  if (!cache_path_.empty()) {
    std::ifstream in(cache_path_);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      auto j = nlohmann::json::parse(ss.str(), nullptr, false);
      auto t = j.is_discarded() ? StatusOr<RoutingTable>(Status::Corruption("not JSON")) : RoutingTable::FromJson(j);
      if (t.ok()) {
        cached = Install(std::move(t).value(), "cache");
      } else {
        ZR_LOG(kWarn, "control", "ignoring unreadable routing table cache", {{"path", cache_path_}, {"error", t.status().ToString()}});
      }
    }
  }
  Register();
  return cached;
}

void ControlChannel::SendMessage(wire::ControlCommand command, nlohmann::json body) {
  std::string frame = wire::EncodeControlMessage({command, std::move(body)});
  try {
    unchecked_ = true;
    (void)socket_.send(zmq::buffer(frame), zmq::send_flags::dontwait);
  } catch (const zmq::error_t& e) {
    ZR_LOG(kWarn, "control", "send to operator failed", {{"error", e.what()}});
  }
}

void ControlChannel::Leave() { SendMessage(wire::ControlCommand::kLeave, nlohmann::json::object()); }

void ControlChannel::Register() {
  last_register_ = clock_.Now();
  nlohmann::json body = wire::SidecarInfoToJson(self_);
  RoutingTablePtr t = table_.Get();
  body["version"] = t ? t->version() : 0;
  SendMessage(wire::ControlCommand::kRegister, std::move(body));
}

bool ControlChannel::Install(RoutingTable table, const char* how) {
  uint64_t version = table.version();
  SaveCache(table);
  table_.Set(std::make_shared<const RoutingTable>(std::move(table)));
  metrics_.table_version.With({}).Set(static_cast<double>(version));
  ZR_LOG(kDebug, "control", "routing table installed", {{"version", version}, {"from", how}});
  return true;
}

void ControlChannel::SaveCache(const RoutingTable& table) {
  if (cache_path_.empty()) return;
  std::string tmp = cache_path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << table.ToJson().dump();
    if (!out) {
      ZR_LOG(kWarn, "control", "cannot write routing table cache", {{"path", tmp}});
      return;
    }
  }
  std::rename(tmp.c_str(), cache_path_.c_str());
}

bool ControlChannel::OnReadable() {
  bool changed = false;
  while (true) {
    zmq::message_t msg;
    zmq::recv_result_t got;
    try {
      got = socket_.recv(msg, zmq::recv_flags::dontwait);
    } catch (const zmq::error_t&) {
      break;
    }
    if (!got) {
      unchecked_ = false;  // read until EAGAIN: nothing waits, and the next arrival is signalled
      break;
    }
    auto decoded = wire::DecodeControlMessage(msg.to_string_view());
    if (!decoded.ok()) {
      ZR_LOG(kWarn, "control", "malformed message from operator", {{"error", decoded.status().ToString()}});
      continue;
    }
    last_heard_ = clock_.Now();
    connected_ = true;
    const nlohmann::json& body = decoded->body;
    RoutingTablePtr current = table_.Get();
    switch (decoded->command) {
      case wire::ControlCommand::kSnapshot: {
        auto t = RoutingTable::FromJson(body);
        if (!t.ok()) {
          ZR_LOG(kWarn, "control", "bad snapshot", {{"error", t.status().ToString()}});
          break;
        }
        if (!current || current->version() != t->version() || current->entries() != t->entries()) {
          changed |= Install(std::move(t).value(), "snapshot");
        }
        break;
      }
      case wire::ControlCommand::kUpdate: {
        auto diff = RoutingDiff::FromJson(body);
        if (!diff.ok()) break;
        if (!current || current->version() != diff->from_version) {
          if (current && current->version() >= diff->to_version) break;  // old news
          SendMessage(wire::ControlCommand::kSnapshotRequest, {{"sidecarId", self_.sidecar_id}});
          break;
        }
        auto next = ApplyDiff(*current, *diff);
        if (next.ok()) changed |= Install(std::move(next).value(), "update");
        break;
      }
      case wire::ControlCommand::kPing: {
        uint64_t version = wire::BodyVersion(body);
        MonoTime now = clock_.Now();
        if ((!current || current->version() != version) && now - last_snapshot_request_ > config_.heartbeat_interval) {
          last_snapshot_request_ = now;
          SendMessage(wire::ControlCommand::kSnapshotRequest, {{"sidecarId", self_.sidecar_id}});
        }
        break;
      }
      case wire::ControlCommand::kUnknownSidecar:
        Register();
        break;
      default:
        break;
    }
  }
  return changed;
}

void ControlChannel::Tick(const nlohmann::json& load) {
  MonoTime now = clock_.Now();
  auto silent_for = now - std::max(last_heard_, last_register_);
  if (silent_for > kSilentIntervals * config_.heartbeat_interval) {
    connected_ = false;
    Register();
    return;
  }
  if (now - last_heartbeat_ >= config_.heartbeat_interval) {
    last_heartbeat_ = now;
    RoutingTablePtr t = table_.Get();
    SendMessage(wire::ControlCommand::kHeartbeat,
                {{"sidecarId", self_.sidecar_id}, {"version", t ? t->version() : 0}, {"load", load}});
  }
}

}  // namespace zroute
