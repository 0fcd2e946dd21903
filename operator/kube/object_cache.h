// ObjectCache: the reflector's local copy of one resource type, keyed "namespace/name" (or "name"
// for cluster-scoped objects). Readers (reconcilers) get copies; only the owning Reflector writes.
//
// Thread-safe: `mu_` guards `objects_`.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zroute::kube {

// "ns/name" from an object's metadata ("name" when it has no namespace; "" when it has no name).
std::string ObjectKey(const nlohmann::json& object);
std::string ResourceVersionOf(const nlohmann::json& object);

class ObjectCache {
 public:
  std::optional<nlohmann::json> Get(const std::string& key) const;
  std::vector<nlohmann::json> List() const;
  std::vector<std::string> Keys() const;
  size_t Size() const;

  // Writers (the reflector). Upsert and Remove return the previous object, if any.
  std::optional<nlohmann::json> Upsert(const std::string& key, nlohmann::json object);
  std::optional<nlohmann::json> Remove(const std::string& key);
  // Swaps in a full list; returns the previous contents.
  std::map<std::string, nlohmann::json> Replace(std::map<std::string, nlohmann::json> objects);

 private:
  mutable std::mutex mu_;
  std::map<std::string, nlohmann::json> objects_;
};

}  // namespace zroute::kube
