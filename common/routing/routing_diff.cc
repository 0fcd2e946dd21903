#include "common/routing/routing_diff.h"

namespace zroute {

RoutingDiff Diff(const RoutingTable& from, const RoutingTable& to) {
  RoutingDiff d;
  d.from_version = from.version();
  d.to_version = to.version();
  const auto& a = from.entries();
  const auto& b = to.entries();
  // Both maps are ordered: one merge pass finds removed, added and changed keys.
  auto ia = a.begin();
  auto ib = b.begin();
  while (ia != a.end() || ib != b.end()) {
    if (ib == b.end() || (ia != a.end() && ia->first < ib->first)) {
      d.changes[ia->first] = std::nullopt;
      ++ia;
    } else if (ia == a.end() || ib->first < ia->first) {
      d.changes[ib->first] = ib->second;
      ++ib;
    } else {
      if (ia->second != ib->second) d.changes[ib->first] = ib->second;
      ++ia;
      ++ib;
    }
  }
  return d;
}

StatusOr<RoutingTable> ApplyDiff(const RoutingTable& table, const RoutingDiff& diff, std::vector<Status>* entry_errors) {
  if (diff.from_version != table.version()) {
    return Status::FailedPrecondition("routing diff from version " + std::to_string(diff.from_version) +
                                      " does not apply to version " + std::to_string(table.version()));
  }
  if (diff.to_version <= diff.from_version) {
    return Status::InvalidArgument("routing diff does not move the version forward");
  }
  RoutingTable::Entries entries = table.entries();
  for (const auto& [key, value] : diff.changes) {
    if (value) {
      entries[key] = *value;
    } else {
      entries.erase(key);
    }
  }
  return RoutingTable::FromEntries(diff.to_version, std::move(entries), entry_errors);
}

nlohmann::json RoutingDiff::ToJson() const {
  nlohmann::json set = nlohmann::json::object();
  nlohmann::json removed = nlohmann::json::array();
  for (const auto& [key, value] : changes) {
    if (value) {
      set[key] = *value;
    } else {
      removed.push_back(key);
    }
  }
  return {{"from", from_version}, {"to", to_version}, {"set", set}, {"removed", removed}};
}

StatusOr<RoutingDiff> RoutingDiff::FromJson(const nlohmann::json& j) {
  RoutingDiff d;
  if (!j.is_object()) return Status::InvalidArgument("routing diff is not an object");
  auto from = j.find("from");
  auto to = j.find("to");
  auto set = j.find("set");
  auto removed = j.find("removed");
  if (from == j.end() || !from->is_number_unsigned() || to == j.end() || !to->is_number_unsigned()) {
    return Status::InvalidArgument("routing diff: 'from' and 'to' must be unsigned versions");
  }
  d.from_version = from->get<uint64_t>();
  d.to_version = to->get<uint64_t>();
  if (set != j.end()) {
    if (!set->is_object()) return Status::InvalidArgument("routing diff: 'set' must be an object");
    for (auto it = set->begin(); it != set->end(); ++it) d.changes[it.key()] = it.value();
  }
  if (removed != j.end()) {
    if (!removed->is_array()) return Status::InvalidArgument("routing diff: 'removed' must be an array");
    for (const auto& key : *removed) {
      if (!key.is_string()) return Status::InvalidArgument("routing diff: removed keys must be strings");
      auto [it, inserted] = d.changes.try_emplace(key.get<std::string>(), std::nullopt);
      if (!inserted && it->second) {
        return Status::InvalidArgument("routing diff: '" + it->first + "' is both set and removed");
      }
    }
  }
  return d;
}

}  // namespace zroute
