#include "sidecar/link/link_security.h"

#include <algorithm>

#include "common/security/curve_keys.h"
#include "common/util/logging.h"
#include "sidecar/delivery/dead_letter.h"

namespace zroute {
namespace {
constexpr const char* kOperatorUser = "operator";
}  // namespace

LinkSecurity::LinkSecurity(const SidecarConfig& config, zmq::context_t& context, SidecarMetrics& metrics)
    : config_(config), context_(context), metrics_(metrics) {}

LinkSecurity::~LinkSecurity() { Stop(); }

Status LinkSecurity::Start() {
  if (!curve()) return Status::OK();
  zap_ = std::make_unique<security::ZapHandler>(
      context_, "link",
      [this](const std::string& key) -> std::optional<std::string> {
        if (key == config_.operator_public_key) return std::string(kOperatorUser);
        if (keys_.Find(key)) return key;
        return std::nullopt;
      },
      [this](const std::string& reason, const std::string&) { metrics_.link_rejected.With({reason}).Increment(); });
  return zap_->Start();
}

void LinkSecurity::Stop() {
  if (zap_) zap_->Stop();
}

void LinkSecurity::OnTable(const RoutingTable& table) {
  if (!curve()) return;
  security::PeerKeys::Map keys;
  for (const auto& [id, e] : table.endpoints()) {
    if (security::IsValidCurveKey(e.public_key)) keys[e.public_key] = {e.sidecar_id, e.namespace_, e.app_id};
  }
  keys_.Replace(std::move(keys));
}

void LinkSecurity::ConfigureServer(zmq::socket_t& socket) const {
  if (!curve()) return;
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, config_.curve.secret_key);
}

bool LinkSecurity::ConfigureClient(zmq::socket_t& socket, const std::string& server_key) const {
  if (!curve()) return true;
  if (!security::IsValidCurveKey(server_key)) return false;
  socket.set(zmq::sockopt::curve_serverkey, server_key);
  socket.set(zmq::sockopt::curve_publickey, config_.curve.public_key);
  socket.set(zmq::sockopt::curve_secretkey, config_.curve.secret_key);
  return true;
}

std::optional<security::PeerIdentity> LinkSecurity::Identify(zmq::message_t& message,
                                                             const std::string& routing_id,
                                                             const RoutingTable* table) {
  if (!curve()) {
    const Endpoint* e = table ? table->FindEndpoint(routing_id) : nullptr;
    if (!e) return security::PeerIdentity{routing_id, "", ""};  // unauthenticated, unknown app
    return security::PeerIdentity{e->sidecar_id, e->namespace_, e->app_id};
  }
  const char* user = nullptr;
  try {
    user = message.gets("User-Id");
  } catch (const zmq::error_t&) {
    user = nullptr;  // no ZAP user id: not from an authenticated connection
  }
  auto identity = user ? keys_.Find(user) : std::nullopt;
  if (!identity) {
    // The key left the table after the handshake (its sidecar expired), or it is the operator's.
    Refuse("unauthenticated", routing_id);
    return std::nullopt;
  }
  if (identity->sidecar_id != routing_id) {
    Refuse("identity_mismatch", "key of " + identity->sidecar_id + " used as " + routing_id);
    return std::nullopt;
  }
  return identity;
}

LinkSecurity::Verdict LinkSecurity::CheckEvent(const security::PeerIdentity& peer, const RoutingTable& table,
                                               const std::string& topic_key, const Subscription& sub) {
  if (sub.meta.namespace_ + "/" + sub.spec.topic != topic_key) {
    Refuse("forbidden", "subscription " + sub.meta.Key() + " is not on topic " + topic_key);
    return Verdict::kForbidden;
  }
  if (!curve() && peer.app_id.empty()) return Verdict::kAllow;  // nothing to check it against
  const Topic* topic = table.FindTopic(topic_key);
  if (!topic) return Verdict::kRetry;
  const auto& allowed = topic->spec.allowed_publishers;
  const bool listed = allowed.empty() || std::find(allowed.begin(), allowed.end(), peer.app_id) != allowed.end();
  if (topic->meta.namespace_ == peer.namespace_ && listed) return Verdict::kAllow;
  // Dead letters are published by the sidecar of the subscription's app.
  for (const auto& [key, s] : table.subscriptions()) {
    if (s.spec.app_id == peer.app_id && s.meta.namespace_ == peer.namespace_ &&
        DeadLetterTopicFor(table, s) == topic_key) {
      return Verdict::kAllow;
    }
  }
  Refuse("forbidden", "app " + peer.namespace_ + "/" + peer.app_id + " may not publish to " + topic_key);
  return Verdict::kForbidden;
}

bool LinkSecurity::CheckHello(const security::PeerIdentity& peer, const wire::Hello& hello) {
  if (!curve() || (hello.app_id == peer.app_id && hello.sidecar_id == peer.sidecar_id)) return true;
  Refuse("identity_mismatch", "key of " + peer.namespace_ + "/" + peer.app_id + " says it is app " + hello.app_id);
  return false;
}

void LinkSecurity::Refuse(const char* reason, const std::string& detail) {
  metrics_.link_rejected.With({reason}).Increment();
  uint64_t count = 0;
  if (log_throttle_.Note(std::chrono::steady_clock::now(), &count)) {
    ZR_LOG(kWarn, "link", "inbound message refused", {{"reason", reason}, {"detail", detail}, {"refusedSinceLastLog", count}});
  }
}

}  // namespace zroute
