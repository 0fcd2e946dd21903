// GroupVersionResource and ResourceRef: how the operator addresses Kubernetes API objects, and the
// REST paths they map to. Plain values, no validation beyond what building a path needs.
#pragma once

#include <string>

namespace zroute::kube {

struct GroupVersionResource {
  std::string group;  // "" for the core API (/api/v1)
  std::string version;
  std::string resource;  // plural, lower case: "pods", "leases", "subscriptions"

  // "/api/v1" or "/apis/{group}/{version}".
  std::string ApiPrefix() const;
  // The collection path; `ns` empty means cluster-wide (all namespaces, or a cluster-scoped type).
  std::string CollectionPath(const std::string& ns) const;
  bool operator==(const GroupVersionResource&) const = default;
};

struct ResourceRef {
  GroupVersionResource gvr;
  std::string ns;  // empty for cluster-scoped objects
  std::string name;

  // The object's path, with an optional subresource ("status", "scale").
  std::string Path(const std::string& subresource = "") const;
  // "ns/name" (or "name" when cluster-scoped): the cache and work-queue key.
  std::string Key() const { return ns.empty() ? name : ns + "/" + name; }
};

// Percent-encodes a query parameter value.
std::string UrlEncode(const std::string& value);

}  // namespace zroute::kube
