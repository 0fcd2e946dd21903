#include "common/cloudevents/cloud_event.h"

#include <array>
#include <string_view>

#include "common/cloudevents/attribute_rules.h"

namespace zroute {
namespace {

// The core context attributes, by member. `data` is not a context attribute: it is the payload and
// is reached through the field, never through Attribute()/SetAttribute().
struct CoreAttribute {
  std::string_view name;
  std::string CloudEvent::*member;
};

constexpr std::array<CoreAttribute, 8> kCoreAttributes = {{
    {"id", &CloudEvent::id},
    {"source", &CloudEvent::source},
    {"specversion", &CloudEvent::specversion},
    {"type", &CloudEvent::type},
    {"datacontenttype", &CloudEvent::datacontenttype},
    {"dataschema", &CloudEvent::dataschema},
    {"subject", &CloudEvent::subject},
    {"time", &CloudEvent::time},
}};

std::string CloudEvent::*FindCore(std::string_view name) {
  for (const CoreAttribute& core : kCoreAttributes) {
    if (core.name == name) return core.member;
  }
  return nullptr;
}

}  // namespace

std::optional<std::string> CloudEvent::Attribute(const std::string& name) const {
  if (std::string CloudEvent::*member = FindCore(name)) {
    const std::string& value = this->*member;
    if (value.empty()) return std::nullopt;
    return value;
  }
  auto it = extensions.find(name);
  if (it == extensions.end()) return std::nullopt;
  return it->second;
}

void CloudEvent::SetAttribute(const std::string& name, std::string value) {
  if (std::string CloudEvent::*member = FindCore(name)) {
    this->*member = std::move(value);
    return;
  }
  extensions.insert_or_assign(name, std::move(value));
}

size_t CloudEvent::ByteSize() const {
  size_t size = data.size();
  for (const CoreAttribute& core : kCoreAttributes) size += (this->*core.member).size();
  for (const auto& [name, value] : extensions) size += name.size() + value.size();
  return size;
}

bool IsCoreAttributeName(const std::string& name) {
  return name == "data" || FindCore(name) != nullptr;
}

Status ValidateCloudEvent(const CloudEvent& event) {
  // Checked in the order a reader of the error would fix them.
  if (event.specversion.empty()) return Status::InvalidArgument("missing required attribute 'specversion'");
  if (event.specversion != "1.0") {
    return Status::InvalidArgument("attribute 'specversion' must be \"1.0\", got \"" +
                                   event.specversion.substr(0, 32) + "\"");
  }
  if (event.id.empty()) return Status::InvalidArgument("missing required attribute 'id'");
  if (event.source.empty()) return Status::InvalidArgument("missing required attribute 'source'");
  if (event.type.empty()) return Status::InvalidArgument("missing required attribute 'type'");
  if (!event.time.empty() && !IsRfc3339Timestamp(event.time)) {
    return Status::InvalidArgument("attribute 'time' is not an RFC 3339 timestamp: \"" +
                                   event.time.substr(0, 64) + "\"");
  }
  // datacontenttype becomes a raw Content-Type header on delivery, which is not percent-encoded:
  // it must be printable ASCII (a media type is), or it could split the header or fail to survive
  // the trip.
  for (char c : event.datacontenttype) {
    if (!IsHeaderSafeChar(c)) {
      return Status::InvalidArgument("attribute 'datacontenttype' must be printable ASCII");
    }
  }
  for (const auto& [name, value] : event.extensions) {
    if (IsValidExtensionName(name)) continue;
    std::string shown = name.substr(0, 32);
    if (IsCoreAttributeName(name)) {
      return Status::InvalidArgument("extension attribute '" + shown + "' collides with a core attribute name");
    }
    if (name.empty()) return Status::InvalidArgument("extension attribute with an empty name");
    if (name.size() > kMaxExtensionNameLength) {
      return Status::InvalidArgument("extension attribute '" + shown + "' has a name longer than " +
                                     std::to_string(kMaxExtensionNameLength) + " characters");
    }
    return Status::InvalidArgument("extension attribute '" + shown +
                                   "' has a name outside lower-case a-z and 0-9");
  }
  return Status::OK();
}

}  // namespace zroute
