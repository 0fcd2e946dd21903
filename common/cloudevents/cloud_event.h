// CloudEvent: the in-memory form of one CloudEvents 1.0 event.
//
// Context attributes are kept as strings in their canonical string encoding (the form the HTTP
// binary binding puts in `ce-` headers). `data` is raw bytes; `datacontenttype` says what they are.
// Codecs live beside this file: http_binding.h (binary / structured / batched HTTP) and
// json_format.h (the JSON event format). Validation of required attributes and extension names is
// in Validate().
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/util/status.h"

namespace zroute {

struct CloudEvent {
  // Required context attributes.
  std::string id;
  std::string source;
  std::string specversion = "1.0";
  std::string type;
  // Optional context attributes (empty = absent).
  std::string datacontenttype;
  std::string dataschema;
  std::string subject;
  std::string time;  // RFC 3339
  // Extension attributes by name (lower-case a-z0-9, at most 20 chars by the spec's recommendation;
  // we accept up to kMaxExtensionNameLength).
  std::map<std::string, std::string> extensions;
  // Payload bytes, possibly binary.
  std::string data;

  bool operator==(const CloudEvent&) const = default;

  // Returns any attribute by name, core or extension; nullopt when absent.
  std::optional<std::string> Attribute(const std::string& name) const;
  // Sets a core attribute or an extension.
  void SetAttribute(const std::string& name, std::string value);

  // Size in bytes this event takes (attributes + data), as counted against size limits.
  size_t ByteSize() const;
};

constexpr size_t kMaxExtensionNameLength = 20;

// Checks required attributes (id, source, specversion == "1.0", type are non-empty), extension
// names (only a-z and 0-9, 1..kMaxExtensionNameLength, not a core attribute name) and that `time`,
// when present, is RFC 3339. The error names the offending attribute.
Status ValidateCloudEvent(const CloudEvent& event);

// True for the names of CloudEvents core context attributes and `data`.
bool IsCoreAttributeName(const std::string& name);

}  // namespace zroute
