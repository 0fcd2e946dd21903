#include "common/wire/control_messages.h"

namespace zroute::wire {
namespace {

// Checks what the JSON parser lets through but later code cannot afford: nesting deeper than
// kMaxControlBodyDepth (copying, comparing and printing a value recurse once per level, so a
// hostile body could exhaust the stack of whoever handles it) and NUL bytes (the parser takes the
// first NUL for the end of input and would ignore whatever follows it).
Status CheckBodyShape(std::string_view body) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : body) {
    if (c == '\0') return Status::InvalidArgument("control message body holds a NUL byte");
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxControlBodyDepth) {
        return Status::InvalidArgument("control message body nests deeper than " +
                                       std::to_string(kMaxControlBodyDepth) + " levels");
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return Status::OK();
}

}  // namespace

std::string EncodeControlMessage(const ControlMessage& message) {
  std::string out;
  out.push_back(static_cast<char>(kProtocolVersion));
  out.push_back(static_cast<char>(message.command));
  // Strings that did not come from parsed JSON may hold invalid UTF-8: replace it rather than
  // throw out of the sender's loop.
  out += message.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return out;
}

StatusOr<ControlMessage> DecodeControlMessage(std::string_view frame) {
  if (frame.size() < 2) return Status::InvalidArgument("control frame shorter than its header");
  if (frame.size() > static_cast<uint64_t>(kMaxFrameBytes)) {
    return Status::TooLarge("control frame of " + std::to_string(frame.size()) + " bytes exceeds the limit");
  }
  if (static_cast<uint8_t>(frame[0]) != kProtocolVersion) {
    return Status::InvalidArgument("unsupported control protocol version " +
                                   std::to_string(static_cast<uint8_t>(frame[0])));
  }
  auto command = static_cast<uint8_t>(frame[1]);
  if (command < static_cast<uint8_t>(ControlCommand::kRegister) ||
      command > static_cast<uint8_t>(ControlCommand::kLeave)) {
    return Status::InvalidArgument("unknown control command " + std::to_string(command));
  }
  ZR_RETURN_IF_ERROR(CheckBodyShape(frame.substr(2)));
  ControlMessage m;
  m.command = static_cast<ControlCommand>(command);
  m.body = nlohmann::json::parse(frame.substr(2), nullptr, /*allow_exceptions=*/false);
  if (m.body.is_discarded() || !m.body.is_object()) {
    return Status::InvalidArgument("control message body is not a JSON object");
  }
  return m;
}

uint64_t BodyVersion(const nlohmann::json& body) {
  if (!body.is_object()) return 0;
  auto it = body.find("version");
  return it != body.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

nlohmann::json SidecarInfoToJson(const SidecarInfo& info) {
  return {{"sidecarId", info.sidecar_id}, {"appId", info.app_id},         {"namespace", info.namespace_},
          {"pod", info.pod},              {"dataEndpoint", info.data_endpoint}, {"publicKey", info.public_key}};
}

StatusOr<SidecarInfo> SidecarInfoFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::InvalidArgument("sidecar info is not an object");
  SidecarInfo info;
  auto get = [&j](const char* field, std::string* out, bool required) -> Status {
    auto it = j.find(field);
    if (it == j.end()) {
      return required ? Status::InvalidArgument(std::string("missing field '") + field + "'") : Status::OK();
    }
    if (!it->is_string()) return Status::InvalidArgument(std::string("field '") + field + "' must be a string");
    *out = it->get<std::string>();
    if (required && out->empty()) return Status::InvalidArgument(std::string("field '") + field + "' is empty");
    if (out->size() > 1024) return Status::InvalidArgument(std::string("field '") + field + "' is too long");
    return Status::OK();
  };
  ZR_RETURN_IF_ERROR(get("sidecarId", &info.sidecar_id, true));
  ZR_RETURN_IF_ERROR(get("appId", &info.app_id, true));
  ZR_RETURN_IF_ERROR(get("namespace", &info.namespace_, true));
  ZR_RETURN_IF_ERROR(get("pod", &info.pod, false));
  ZR_RETURN_IF_ERROR(get("dataEndpoint", &info.data_endpoint, true));
  ZR_RETURN_IF_ERROR(get("publicKey", &info.public_key, false));
  return info;
}

}  // namespace zroute::wire
