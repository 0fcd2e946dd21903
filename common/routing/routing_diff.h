// RoutingDiff: the change that takes a RoutingTable from one version to the next.
// Computed by the operator (Diff), applied by sidecars (ApplyDiff). A diff applies only to the
// exact version it was computed from: a sidecar that sees any other version has missed an
// update and asks for a snapshot.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/routing/routing_table.h"
#include "common/util/status.h"

namespace zroute {

struct RoutingDiff {
  uint64_t from_version = 0;
  uint64_t to_version = 0;
  // key → new value, or nullopt for a removed entry.
  std::map<std::string, std::optional<nlohmann::json>> changes;

  bool empty() const { return changes.empty(); }
  nlohmann::json ToJson() const;
  // InvalidArgument unless {"from": N, "to": M, "set": {key: value}, "removed": [key]} with
  // unsigned versions ("set" and "removed" optional, no key in both).
  static StatusOr<RoutingDiff> FromJson(const nlohmann::json& j);
};

// The entries that differ between `from` and `to`, labelled with both versions.
RoutingDiff Diff(const RoutingTable& from, const RoutingTable& to);

// Applies a diff. FailedPrecondition when diff.from_version != table.version() (a gap).
StatusOr<RoutingTable> ApplyDiff(const RoutingTable& table, const RoutingDiff& diff,
                                 std::vector<Status>* entry_errors = nullptr);

}  // namespace zroute
