// Rendezvous (highest random weight) hashing: picks the replica for a partition key so that the
// same key always lands on the same replica while the set is unchanged, and only the keys of a
// replica that leaves (or a share of keys, when one joins) move.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/routing/routing_table.h"

namespace zroute {

uint64_t Hash64(std::string_view data, uint64_t seed = 0);

// Index into `candidates` of the replica that owns `key`; -1 when candidates is empty.
int RendezvousPick(std::string_view key, const std::vector<std::string_view>& candidates);

}  // namespace zroute
