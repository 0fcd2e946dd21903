#include "bench/propagation.h"

#include <algorithm>
#include <thread>
#include <zmq.hpp>

#include "common/security/curve_keys.h"
#include "common/wire/control_messages.h"

namespace zroute::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Fake {
  std::string id;
  zmq::socket_t socket;
  std::string public_key;  // CURVE client key registered with the operator ("" without CURVE)
  uint64_t version = 0;
  bool has_table = false;
  Clock::time_point updated{};  // when the current round's marker arrived; {} = not yet
};

void Send(Fake& f, wire::ControlCommand command, nlohmann::json body) {
  std::string frame = wire::EncodeControlMessage({command, std::move(body)});
  (void)f.socket.send(zmq::buffer(frame), zmq::send_flags::dontwait);  // dropped: timers recover
}

void Heartbeat(Fake& f) {
  Send(f, wire::ControlCommand::kHeartbeat,
       {{"sidecarId", f.id},
        {"version", f.version},
        {"load", {{"subscriptions", nlohmann::json::array()}, {"consumer", {{"inProgress", 0}}}}}});
}

// Reads every pending frame of every fake; returns when `done` holds or `until` passes.
// `marker` empty: only tracks tables. Returns the time the last table-carrying frame arrived.
Clock::time_point Pump(std::vector<Fake>& fakes, std::vector<zmq::pollitem_t>& items, const std::string& marker,
                       Clock::time_point until, const std::function<bool()>& done, Clock::time_point& next_heartbeat) {
  Clock::time_point last_table{};
  while (Clock::now() < until && !done()) {
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(5));
    const auto now = Clock::now();
    for (size_t i = 0; i < fakes.size(); ++i) {
      if (!(items[i].revents & ZMQ_POLLIN)) continue;
      zmq::message_t msg;
      while (fakes[i].socket.recv(msg, zmq::recv_flags::dontwait)) {
        auto decoded = wire::DecodeControlMessage(std::string_view(static_cast<const char*>(msg.data()), msg.size()));
        if (!decoded.ok()) continue;
        const auto command = decoded->command;
        if (command == wire::ControlCommand::kSnapshot || command == wire::ControlCommand::kUpdate) {
          Fake& f = fakes[i];
          f.has_table = true;
          f.version = command == wire::ControlCommand::kSnapshot ? wire::BodyVersion(decoded->body)
                                                                  : decoded->body.value("to", f.version);
          last_table = now;
          if (!marker.empty() && f.updated == Clock::time_point{} &&
              decoded->body.dump().find(marker) != std::string::npos) {
            f.updated = now;
          }
        } else if (command == wire::ControlCommand::kUnknownSidecar) {
          Send(fakes[i], wire::ControlCommand::kRegister,
               [&] {
                 nlohmann::json j = wire::SidecarInfoToJson({fakes[i].id, "fake-" + std::to_string(i), "default",
                                                             fakes[i].id, "tcp://127.0.0.1:9", fakes[i].public_key});
                 j["version"] = 0;
                 return j;
               }());
        }
      }
    }
    if (now >= next_heartbeat) {
      for (auto& f : fakes) Heartbeat(f);
      next_heartbeat = now + std::chrono::seconds(1);
    }
  }
  return last_table;
}

}  // namespace

StatusOr<PropagationResult> MeasurePropagation(const PropagationOptions& options) {
  try {
    zmq::context_t context(1);
    std::vector<Fake> fakes;
    fakes.reserve(static_cast<size_t>(options.sidecars));
    for (int i = 0; i < options.sidecars; ++i) {
      Fake f{"bench-fake-" + std::to_string(i), zmq::socket_t(context, zmq::socket_type::dealer), ""};
      f.socket.set(zmq::sockopt::routing_id, f.id);
      f.socket.set(zmq::sockopt::linger, 0);
      if (!options.operator_public_key.empty()) {
        // Like a real sidecar: a fresh keypair, the operator's key as the server key.
        ZR_ASSIGN_OR_RETURN(security::CurveKeyPair keys, security::GenerateCurveKeyPair());
        f.socket.set(zmq::sockopt::curve_serverkey, options.operator_public_key);
        f.socket.set(zmq::sockopt::curve_publickey, keys.public_key);
        f.socket.set(zmq::sockopt::curve_secretkey, keys.secret_key);
        f.public_key = keys.public_key;
      }
      f.socket.connect(options.control_endpoint);
      fakes.push_back(std::move(f));
    }
    std::vector<zmq::pollitem_t> items;
    for (auto& f : fakes) items.push_back({f.socket.handle(), 0, ZMQ_POLLIN, 0});
    for (size_t i = 0; i < fakes.size(); ++i) {
      nlohmann::json j = wire::SidecarInfoToJson(
          {fakes[i].id, "fake-" + std::to_string(i), "default", fakes[i].id, "tcp://127.0.0.1:9", fakes[i].public_key});
      j["version"] = 0;
      Send(fakes[i], wire::ControlCommand::kRegister, j);
    }
    auto next_heartbeat = Clock::now() + std::chrono::seconds(1);
    // Registration: every fake holds a table, then the membership churn settles (no table frame
    // for a second), so a round measures the Subscription change alone.
    auto all_have_tables = [&] {
      return std::all_of(fakes.begin(), fakes.end(), [](const Fake& f) { return f.has_table; });
    };
    Pump(fakes, items, "", Clock::now() + std::chrono::seconds(20), all_have_tables, next_heartbeat);
    if (!all_have_tables()) return Status::DeadlineExceeded("not every fake sidecar got a routing table");
    for (int quiet = 0; quiet < 10; ++quiet) {
      if (Pump(fakes, items, "", Clock::now() + std::chrono::seconds(1), [] { return false; }, next_heartbeat) ==
          Clock::time_point{}) {
        break;
      }
    }
    PropagationResult result;
    for (int round = 0; round < options.rounds; ++round) {
      const std::string marker = "/bench-marker-" + std::to_string(round) + "-" +
                                 std::to_string(Clock::now().time_since_epoch().count());
      for (auto& f : fakes) f.updated = {};
      const auto start = Clock::now();
      ZR_RETURN_IF_ERROR(options.write_subscription(marker));
      auto all_updated = [&] {
        return std::all_of(fakes.begin(), fakes.end(), [](const Fake& f) { return f.updated != Clock::time_point{}; });
      };
      Pump(fakes, items, marker, start + options.round_timeout, all_updated, next_heartbeat);
      if (!all_updated()) return Status::DeadlineExceeded("round " + std::to_string(round) + ": not every fake got the change");
      Clock::time_point last = start;
      for (auto& f : fakes) last = std::max(last, f.updated);
      result.seconds.push_back(std::chrono::duration<double>(last - start).count());
      // Let the operator go quiet between rounds (mtime granularity, follow-up pings).
      Pump(fakes, items, "", Clock::now() + std::chrono::milliseconds(300), [] { return false; }, next_heartbeat);
    }
    for (auto& f : fakes) Send(f, wire::ControlCommand::kLeave, nlohmann::json::object());
    return result;
  } catch (const zmq::error_t& e) {
    return Status::Internal(std::string("zmq: ") + e.what());
  }
}

}  // namespace zroute::bench
