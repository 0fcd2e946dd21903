#include "operator/kube/object_cache.h"

namespace zroute::kube {

std::string ObjectKey(const nlohmann::json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) return "";
  const auto& md = object["metadata"];
  std::string name = md.contains("name") && md["name"].is_string() ? md["name"].get<std::string>() : "";
  std::string ns = md.contains("namespace") && md["namespace"].is_string() ? md["namespace"].get<std::string>() : "";
  return ns.empty() ? name : ns + "/" + name;
}

std::string ResourceVersionOf(const nlohmann::json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) return "";
  const auto& md = object["metadata"];
  return md.contains("resourceVersion") && md["resourceVersion"].is_string() ? md["resourceVersion"].get<std::string>()
                                                                              : "";
}

std::optional<nlohmann::json> ObjectCache::Get(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

std::vector<nlohmann::json> ObjectCache::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<nlohmann::json> out;
  out.reserve(objects_.size());
  for (const auto& [key, obj] : objects_) out.push_back(obj);
  return out;
}

std::vector<std::string> ObjectCache::Keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [key, obj] : objects_) out.push_back(key);
  return out;
}

size_t ObjectCache::Size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return objects_.size();
}

std::optional<nlohmann::json> ObjectCache::Upsert(const std::string& key, nlohmann::json object) {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<nlohmann::json> old;
  auto it = objects_.find(key);
  if (it != objects_.end()) old = std::move(it->second);
  objects_[key] = std::move(object);
  return old;
}

std::optional<nlohmann::json> ObjectCache::Remove(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  nlohmann::json old = std::move(it->second);
  objects_.erase(it);
  return old;
}

std::map<std::string, nlohmann::json> ObjectCache::Replace(std::map<std::string, nlohmann::json> objects) {
  std::lock_guard<std::mutex> lock(mu_);
  std::swap(objects_, objects);
  return objects;
}

}  // namespace zroute::kube
