// Pod binding: in cluster mode a registration counts only when it is bound to the pod it names.
// The ready-pods watcher reports each ready sidecar pod's identity (its IPs and the app-id it was
// injected for); a registration is bound when it names a ready pod, claims that pod's app-id (when
// the pod names one) and arrived from one of the pod's IPs (when the source check is on: a CNI that
// masquerades pod-to-Service traffic shows another source address, so it can be switched off).
// The source address is the ZeroMQ connection's, recorded by the control server: never a field the
// sidecar writes. Pure functions; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/wire/control_messages.h"

namespace zroute {

// What cluster mode knows about one ready sidecar pod.
struct PodIdentity {
  std::vector<std::string> ips;       // the pod's IPs (compared canonically); empty: none known
  std::optional<std::string> app_id;  // nullopt: the pod names none ("" names one no sidecar has)
  bool operator==(const PodIdentity&) const = default;
};

// Ready sidecar pods by "namespace/name".
using ReadyPods = std::map<std::string, PodIdentity>;

// The canonical text of an IPv4 or IPv6 address ("10.0.0.7", "fd00::1"); an IPv4-mapped IPv6
// address ("::ffff:10.0.0.7") reads as its IPv4 address. nullopt for anything else (names, ports,
// zone suffixes, "").
std::optional<std::string> CanonicalIpAddress(std::string_view text);

// "" when `info`, registered from `peer_address` (the connection's source IP, "" when unknown),
// is bound to `pod`; otherwise what did not match, for the log.
std::string PodBindingMismatch(const PodIdentity& pod, const wire::SidecarInfo& info,
                               const std::string& peer_address, bool check_source_ip);

}  // namespace zroute
