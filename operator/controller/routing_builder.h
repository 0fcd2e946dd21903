// Builds the routing table from resources and registered sidecars. Pure: the same inputs give
// the same entries, so an unchanged world yields an empty diff and no update is sent.
#pragma once

#include <map>
#include <set>
#include <string>

#include "common/resources/resource_parser.h"
#include "common/routing/routing_table.h"
#include "operator/controlplane/membership.h"

namespace zroute {

struct RoutingInputs {
  const ResourceSet* resources = nullptr;
  const std::map<std::string, Member>* members = nullptr;
  // Cluster mode: the pods that are Ready ("ns/pod"). Null in standalone mode, where every
  // registered sidecar counts as ready.
  const std::set<std::string>* ready_pods = nullptr;
};

RoutingTable BuildRoutingTable(uint64_t version, const RoutingInputs& inputs);

}  // namespace zroute
