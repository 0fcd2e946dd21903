// TableHolder: the sidecar's current routing table, shared between the link thread (writer)
// and HTTP threads (readers). Readers take an immutable snapshot; a swap never blocks them long.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "common/routing/routing_table.h"

namespace zroute {

class TableHolder {
 public:
  RoutingTablePtr Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return table_;
  }
  void Set(RoutingTablePtr table) {
    std::lock_guard<std::mutex> lock(mu_);
    table_ = std::move(table);
  }
  bool loaded() const { return Get() != nullptr; }

 private:
  mutable std::mutex mu_;  // guards table_
  RoutingTablePtr table_;
};

}  // namespace zroute
