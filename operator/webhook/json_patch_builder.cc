#include "operator/webhook/json_patch_builder.h"

#include <utility>

namespace zroute::webhook {

std::string JsonPatchBuilder::EscapeToken(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    // '~' first in spirit: each character is escaped independently, so "~1" in the input becomes
    // "~01" and decodes back to "~1", never to "/".
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string JsonPatchBuilder::Pointer(const PointerTokens& tokens) {
  std::string out;
  for (const auto& t : tokens) {
    out += '/';
    out += EscapeToken(t);
  }
  return out;
}

JsonPatchBuilder& JsonPatchBuilder::Add(const PointerTokens& path, nlohmann::json value) {
  ops_.push_back({{"op", "add"}, {"path", Pointer(path)}, {"value", std::move(value)}});
  return *this;
}

JsonPatchBuilder& JsonPatchBuilder::Append(const PointerTokens& array_path, nlohmann::json value) {
  ops_.push_back({{"op", "add"}, {"path", Pointer(array_path) + "/-"}, {"value", std::move(value)}});
  return *this;
}

JsonPatchBuilder& JsonPatchBuilder::Replace(const PointerTokens& path, nlohmann::json value) {
  ops_.push_back({{"op", "replace"}, {"path", Pointer(path)}, {"value", std::move(value)}});
  return *this;
}

std::string JsonPatchBuilder::ToString() const {
  // Values come from parsed (hence valid UTF-8) input; `replace` keeps dump() from ever throwing.
  return ops_.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace zroute::webhook
