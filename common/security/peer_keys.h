// PeerKeys: the CURVE public keys this process admits, each bound to the identity it speaks for.
//
// A sidecar fills it from its routing table (every endpoint's public key → its sidecar id,
// namespace and app-id) and consults it twice: in the ZAP handler, to admit or refuse a
// handshake, and on every received message, to learn which app sent it (the ZAP user id is the
// key itself, so a key that leaves the table stops being trusted on connections already open).
// Thread-safety: every method may be called from any thread; mu_ guards the map.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace zroute::security {

struct PeerIdentity {
  std::string sidecar_id;
  std::string namespace_;
  std::string app_id;
  bool operator==(const PeerIdentity&) const = default;
};

class PeerKeys {
 public:
  using Map = std::map<std::string, PeerIdentity>;  // by Z85 public key

  void Replace(Map keys) {
    std::lock_guard<std::mutex> lock(mu_);
    keys_ = std::move(keys);
  }
  std::optional<PeerIdentity> Find(const std::string& public_key) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = keys_.find(public_key);
    if (it == keys_.end()) return std::nullopt;
    return it->second;
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return keys_.size();
  }

 private:
  mutable std::mutex mu_;  // guards keys_
  Map keys_;
};

}  // namespace zroute::security
