#include "operator/controlplane/membership.h"

namespace zroute {

bool Membership::Register(const wire::SidecarInfo& info, MonoTime now, const std::string& peer_address) {
  auto [it, inserted] = members_.try_emplace(info.sidecar_id);
  bool changed = inserted || !(it->second.info == info) || it->second.peer_address != peer_address;
  it->second.info = info;
  it->second.peer_address = peer_address;
  it->second.last_seen = now;
  return changed;
}

bool Membership::Heartbeat(const std::string& sidecar_id, uint64_t version, nlohmann::json load, MonoTime now) {
  auto it = members_.find(sidecar_id);
  if (it == members_.end()) return false;
  it->second.last_seen = now;
  it->second.table_version = version;
  if (load.is_object()) it->second.load = std::move(load);
  return true;
}

std::vector<std::string> Membership::Expire(MonoTime now) {
  std::vector<std::string> gone;
  for (auto it = members_.begin(); it != members_.end();) {
    if (now - it->second.last_seen > timeout_) {
      gone.push_back(it->first);
      it = members_.erase(it);
    } else {
      ++it;
    }
  }
  return gone;
}

bool Membership::Remove(const std::string& sidecar_id) { return members_.erase(sidecar_id) > 0; }

bool Membership::MarkDraining(const std::string& sidecar_id) {
  auto it = members_.find(sidecar_id);
  if (it == members_.end() || it->second.draining) return false;
  it->second.draining = true;
  return true;
}

}  // namespace zroute
