#include "common/resources/json_fields.h"

#include <cmath>
#include <limits>

#include "common/util/duration.h"

namespace zroute::resources_internal {
namespace {

const nlohmann::json& EmptyObject() {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  return kEmpty;
}

}  // namespace

std::string JsonTypeName(const nlohmann::json& value) {
  if (value.is_number_integer()) return "integer";
  if (value.is_number()) return "number";
  return value.type_name();
}

ObjectReader::ObjectReader(const nlohmann::json& object, std::string path)
    : object_(&object), path_(std::move(path)) {}

StatusOr<ObjectReader> ObjectReader::Of(const nlohmann::json& value, const std::string& path) {
  if (value.is_null()) return ObjectReader(EmptyObject(), path);
  if (!value.is_object()) {
    return Status::InvalidArgument((path.empty() ? "document" : path) + ": must be an object, not " +
                                   JsonTypeName(value));
  }
  return ObjectReader(value, path);
}

std::string ObjectReader::PathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

Status ObjectReader::Error(std::string_view key, const std::string& message) const {
  return Status::InvalidArgument(PathOf(key) + ": " + message);
}

Status ObjectReader::RejectUnknown(std::initializer_list<std::string_view> known) const {
  for (const auto& [key, value] : object_->items()) {
    bool found = false;
    for (std::string_view k : known) found = found || k == key;
    if (!found) return Error(key, "unknown field");
  }
  return Status::OK();
}

const nlohmann::json* ObjectReader::Find(std::string_view key) const {
  auto it = object_->find(key);
  if (it == object_->end() || it->is_null()) return nullptr;
  return &*it;
}

bool ObjectReader::Has(std::string_view key) const { return Find(key) != nullptr; }

Status ObjectReader::GetString(std::string_view key, std::string* out) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return Status::OK();
  if (!v->is_string()) return Error(key, "must be a string, not " + JsonTypeName(*v));
  *out = v->get<std::string>();
  return Status::OK();
}

Status ObjectReader::GetBool(std::string_view key, bool* out) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return Status::OK();
  if (!v->is_boolean()) return Error(key, "must be a boolean, not " + JsonTypeName(*v));
  *out = v->get<bool>();
  return Status::OK();
}

Status ObjectReader::GetInt64(std::string_view key, int64_t* out) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return Status::OK();
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Error(key, "out of range");
  }
  if (!v->is_number_integer()) return Error(key, "must be an integer, not " + JsonTypeName(*v));
  *out = v->get<int64_t>();
  return Status::OK();
}

Status ObjectReader::GetInt(std::string_view key, int* out) const {
  int64_t wide = *out;
  ZR_RETURN_IF_ERROR(GetInt64(key, &wide));
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
    return Error(key, "out of range");
  }
  *out = static_cast<int>(wide);
  return Status::OK();
}

Status ObjectReader::GetNumber(std::string_view key, double* out) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return Status::OK();
  if (!v->is_number()) return Error(key, "must be a number, not " + JsonTypeName(*v));
  const double d = v->get<double>();
  if (!std::isfinite(d)) return Error(key, "must be a finite number");
  *out = d;
  return Status::OK();
}

Status ObjectReader::GetStringList(std::string_view key, std::vector<std::string>* out) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return Status::OK();
  if (!v->is_array()) return Error(key, "must be a list, not " + JsonTypeName(*v));
  std::vector<std::string> items;
  for (size_t i = 0; i < v->size(); ++i) {
    const nlohmann::json& item = (*v)[i];
    if (!item.is_string()) {
      return Status::InvalidArgument(PathOf(key) + "[" + std::to_string(i) + "]: must be a string, not " +
                                     JsonTypeName(item));
    }
    items.push_back(item.get<std::string>());
  }
  *out = std::move(items);
  return Status::OK();
}

Status ObjectReader::GetStringMap(std::string_view key, std::map<std::string, std::string>* out) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return Status::OK();
  if (!v->is_object()) return Error(key, "must be a map, not " + JsonTypeName(*v));
  std::map<std::string, std::string> items;
  for (const auto& [k, item] : v->items()) {
    if (!item.is_string()) {
      return Status::InvalidArgument(PathOf(key) + "." + k + ": must be a string, not " + JsonTypeName(item));
    }
    items[k] = item.get<std::string>();
  }
  *out = std::move(items);
  return Status::OK();
}

Status ObjectReader::GetMillis(std::string_view key, std::chrono::milliseconds* out) const {
  std::string text;
  if (!Has(key)) return Status::OK();
  ZR_RETURN_IF_ERROR(GetString(key, &text));
  auto parsed = ParseDurationMillis(text);
  if (!parsed.ok()) return Error(key, parsed.status().message());
  *out = *parsed;
  return Status::OK();
}

Status ObjectReader::GetSeconds(std::string_view key, std::chrono::seconds* out) const {
  std::string text;
  if (!Has(key)) return Status::OK();
  ZR_RETURN_IF_ERROR(GetString(key, &text));
  auto parsed = ParseDurationSeconds(text);
  if (!parsed.ok()) return Error(key, parsed.status().message());
  *out = *parsed;
  return Status::OK();
}

StatusOr<std::optional<ObjectReader>> ObjectReader::Child(std::string_view key) const {
  const nlohmann::json* v = Find(key);
  if (v == nullptr) return std::optional<ObjectReader>();
  if (!v->is_object()) return Error(key, "must be an object, not " + JsonTypeName(*v));
  return std::optional<ObjectReader>(ObjectReader(*v, PathOf(key)));
}

}  // namespace zroute::resources_internal
