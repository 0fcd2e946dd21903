#include "operator/controller/pod_binding.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace zroute {

std::optional<std::string> CanonicalIpAddress(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN || text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string s(text);
  char out[INET6_ADDRSTRLEN] = {};
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    if (!inet_ntop(AF_INET, &v4, out, sizeof out)) return std::nullopt;
    return std::string(out);
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) != 1) return std::nullopt;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    std::memcpy(&v4, &v6.s6_addr[12], sizeof v4);
    if (!inet_ntop(AF_INET, &v4, out, sizeof out)) return std::nullopt;
    return std::string(out);
  }
  if (!inet_ntop(AF_INET6, &v6, out, sizeof out)) return std::nullopt;
  return std::string(out);
}

std::string PodBindingMismatch(const PodIdentity& pod, const wire::SidecarInfo& info,
                               const std::string& peer_address, bool check_source_ip) {
  if (pod.app_id && *pod.app_id != info.app_id) {
    return "the pod was injected for app-id \"" + *pod.app_id + "\"";
  }
  if (!check_source_ip) return "";
  if (pod.ips.empty()) return "the pod has no IP address yet";
  std::optional<std::string> peer = CanonicalIpAddress(peer_address);
  if (!peer) return "the connection's source address is unknown";
  const bool listed = std::any_of(pod.ips.begin(), pod.ips.end(),
                                  [&](const std::string& ip) { return CanonicalIpAddress(ip) == peer; });
  if (!listed) {
    return "the connection comes from " + *peer + ", not from an IP of the pod";
  }
  return "";
}

}  // namespace zroute
