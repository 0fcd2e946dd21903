// Membership: the sidecars registered with the operator, their last heartbeat and load report.
// A sidecar that has not heartbeated for `timeout` is dropped (and so leaves the routing table).
// Thread: the control-plane thread only.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/util/clock.h"
#include "common/wire/control_messages.h"

namespace zroute {

struct Member {
  wire::SidecarInfo info;
  MonoTime last_seen{};
  uint64_t table_version = 0;  // what it says it has
  nlohmann::json load = nlohmann::json::object();
  bool draining = false;  // said LEAVE: still listed (acks flow) but sent nothing new
  // Source IP of the connection the REGISTER arrived on ("" when the transport has none). Recorded
  // by the control server, not claimed by the sidecar: cluster mode binds it to the pod's IPs.
  std::string peer_address;
};

class Membership {
 public:
  explicit Membership(Duration timeout) : timeout_(timeout) {}

  // Adds or replaces. Returns true when the member is new or its info or peer address changed.
  bool Register(const wire::SidecarInfo& info, MonoTime now, const std::string& peer_address = "");
  // Returns false for an unknown sidecar (it must register again).
  bool Heartbeat(const std::string& sidecar_id, uint64_t version, nlohmann::json load, MonoTime now);
  // Drops silent members; returns their ids.
  std::vector<std::string> Expire(MonoTime now);
  bool Remove(const std::string& sidecar_id);
  // LEAVE: the member drains before it exits. Returns true when this changed anything.
  bool MarkDraining(const std::string& sidecar_id);

  const std::map<std::string, Member>& members() const { return members_; }
  bool Contains(const std::string& sidecar_id) const { return members_.count(sidecar_id) > 0; }

 private:
  Duration timeout_;
  std::map<std::string, Member> members_;  // by sidecar id
};

}  // namespace zroute
