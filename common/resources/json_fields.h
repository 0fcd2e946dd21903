// Typed, path-aware access to the fields of one JSON object, for the resource parsers.
//
// Every error names the full field path ("spec.delivery.maxAttempts: must be an integer"). A field
// that is absent or null leaves the output untouched, so callers pre-fill outputs with the
// resource_model.h defaults (as the API server's defaulting would). Internal to common/resources.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/util/status.h"

namespace zroute::resources_internal {

class ObjectReader {
 public:
  // REQUIRES: `object` is a JSON object and outlives the reader. `path` is "" for the root.
  ObjectReader(const nlohmann::json& object, std::string path);

  // An error naming the path unless `value` is an object (null reads as an empty object).
  static StatusOr<ObjectReader> Of(const nlohmann::json& value, const std::string& path);

  const std::string& path() const { return path_; }
  std::string PathOf(std::string_view key) const;
  Status Error(std::string_view key, const std::string& message) const;

  // Fails on the first key not in `known`: the CRD would prune it, so in standalone mode a typo
  // must not pass silently.
  Status RejectUnknown(std::initializer_list<std::string_view> known) const;

  bool Has(std::string_view key) const;  // present and not null
  const nlohmann::json* Find(std::string_view key) const;  // nullptr when absent or null

  Status GetString(std::string_view key, std::string* out) const;
  Status GetBool(std::string_view key, bool* out) const;
  Status GetInt64(std::string_view key, int64_t* out) const;
  Status GetInt(std::string_view key, int* out) const;
  Status GetNumber(std::string_view key, double* out) const;  // finite numbers only
  Status GetStringList(std::string_view key, std::vector<std::string>* out) const;
  Status GetStringMap(std::string_view key, std::map<std::string, std::string>* out) const;
  // Duration strings (common/util/duration.h) that must be whole milliseconds / seconds.
  Status GetMillis(std::string_view key, std::chrono::milliseconds* out) const;
  Status GetSeconds(std::string_view key, std::chrono::seconds* out) const;

  // The nested object under `key`; nullopt when absent or null.
  StatusOr<std::optional<ObjectReader>> Child(std::string_view key) const;

 private:
  const nlohmann::json* object_;
  std::string path_;
};

// "number", "string", ... for messages.
std::string JsonTypeName(const nlohmann::json& value);

}  // namespace zroute::resources_internal
