// JsonPatchBuilder: collects RFC 6902 JSON Patch operations for an admission response.
//
// Paths are given as lists of unescaped reference tokens ({"metadata", "annotations",
// "zroute.io/inject"}); the builder escapes each token per RFC 6901 ('~' → "~0", '/' → "~1"), so
// callers never assemble pointer strings by hand. The builder does not look at the target document:
// the caller decides whether a parent map or array exists (RFC 6902 "add" needs the parent to exist,
// so a missing map or array must be added whole). Not thread-safe; a value type.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace zroute::webhook {

using PointerTokens = std::vector<std::string>;

class JsonPatchBuilder {
 public:
  // RFC 6901 escaping of one reference token.
  static std::string EscapeToken(std::string_view token);
  // "/a/b~1c" from {"a", "b/c"}; "" (the whole document) from {}.
  static std::string Pointer(const PointerTokens& tokens);

  // "add": creates the member, or replaces an existing object member, or inserts into an array at
  // an index token.
  JsonPatchBuilder& Add(const PointerTokens& path, nlohmann::json value);
  // "add" at "<array>/-": appends to the existing array at `array_path`.
  JsonPatchBuilder& Append(const PointerTokens& array_path, nlohmann::json value);
  // "replace": the member must exist.
  JsonPatchBuilder& Replace(const PointerTokens& path, nlohmann::json value);

  bool empty() const { return ops_.empty(); }
  std::size_t size() const { return ops_.size(); }
  // The operations as a JSON array, in the order they were added.
  const nlohmann::json& ops() const { return ops_; }
  // Compact serialisation of ops().
  std::string ToString() const;

 private:
  nlohmann::json ops_ = nlohmann::json::array();
};

}  // namespace zroute::webhook
