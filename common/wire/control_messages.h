// Control protocol messages between sidecars and the operator (see wire_format.h and
// docs/wire_format.md). Bodies are JSON objects; the typed views below are what each side reads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/util/status.h"
#include "common/wire/wire_format.h"

namespace zroute::wire {

struct ControlMessage {
  ControlCommand command = ControlCommand::kPing;
  nlohmann::json body = nlohmann::json::object();
};

// Deepest nesting of objects/arrays a control body may have (a routing table with the deepest
// filters allowed needs about 22).
inline constexpr int kMaxControlBodyDepth = 64;

// Invalid UTF-8 in body strings is replaced by U+FFFD, never thrown.
std::string EncodeControlMessage(const ControlMessage& message);
// InvalidArgument for an unknown version/command or a body that is not a JSON object, nests deeper
// than kMaxControlBodyDepth or holds a NUL byte; TooLarge for a frame over kMaxFrameBytes.
StatusOr<ControlMessage> DecodeControlMessage(std::string_view frame);

// The "version" field of a control body (HEARTBEAT, PING, REGISTER): 0 when absent or not an
// unsigned integer. Unlike json::value(), never throws on a field of the wrong type.
uint64_t BodyVersion(const nlohmann::json& body);

// What a sidecar tells the operator about itself.
struct SidecarInfo {
  std::string sidecar_id;     // unique per sidecar process (pod name + start nonce)
  std::string app_id;
  std::string namespace_ = "default";
  std::string pod;
  std::string data_endpoint;  // where its link ROUTER listens, e.g. tcp://127.0.0.1:3600
  std::string public_key;     // CURVE public key (Z85), empty when links are not encrypted
  bool operator==(const SidecarInfo&) const = default;
};

nlohmann::json SidecarInfoToJson(const SidecarInfo& info);
StatusOr<SidecarInfo> SidecarInfoFromJson(const nlohmann::json& j);

}  // namespace zroute::wire
