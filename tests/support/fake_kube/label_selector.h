// LabelSelector: the equality- and set-based label selector grammar of the Kubernetes API
// (`a=b,c!=d,e in (x,y),f notin (z),g,!h`), used by the fake API server to filter list and
// watch results. Parse() rejects malformed selectors so the fake can answer 400 like a server.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/util/status.h"

namespace zroute::testing {

class LabelSelector {
 public:
  // An empty string selects everything.
  static StatusOr<LabelSelector> Parse(const std::string& text);

  // `labels` is an object's metadata.labels (may be null or missing).
  bool Matches(const nlohmann::json& labels) const;
  bool Empty() const { return requirements_.empty(); }

 private:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kNotExists };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };
  std::vector<Requirement> requirements_;
};

}  // namespace zroute::testing
