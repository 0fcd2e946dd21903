// Builds the routing table from resources and registered sidecars. Pure: the same inputs give
// the same entries, so an unchanged world yields an empty diff and no update is sent.
#pragma once

#include <map>
#include <string>

#include "common/resources/resource_parser.h"
#include "common/routing/routing_table.h"
#include "operator/controller/pod_binding.h"
#include "operator/controlplane/membership.h"

namespace zroute {

struct RoutingInputs {
  const ResourceSet* resources = nullptr;
  const std::map<std::string, Member>* members = nullptr;
  // Cluster mode: the ready sidecar pods. A sidecar is listed only when it is bound to its pod
  // (operator/controller/pod_binding.h). Null in standalone mode, where every registered sidecar
  // counts as ready.
  const ReadyPods* ready_pods = nullptr;
  // Cluster mode: whether a registration must come from one of its pod's IPs.
  bool check_source_ip = true;
};

// `refused` (optional): cleared, then filled with the sidecars whose ready pod they are not bound
// to, by sidecar id, with what did not match. A sidecar whose pod is not (yet) ready is not in it.
RoutingTable BuildRoutingTable(uint64_t version, const RoutingInputs& inputs,
                               std::map<std::string, std::string>* refused = nullptr);

}  // namespace zroute
