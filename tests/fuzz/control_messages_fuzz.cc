// Fuzzes DecodeControlMessage and SidecarInfoFromJson. Whatever decodes must re-encode to a frame
// that decodes to an equal message; a body that reads as SidecarInfo must survive its own round
// trip; and reading the version never throws.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/wire/control_messages.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto decoded = zroute::wire::DecodeControlMessage(input);
  if (!decoded.ok()) {
    zroute::StatusCode code = decoded.status().code();
    Check(code == zroute::StatusCode::kInvalidArgument || code == zroute::StatusCode::kTooLarge);
    return 0;
  }
  auto again = zroute::wire::DecodeControlMessage(zroute::wire::EncodeControlMessage(*decoded));
  Check(again.ok());
  Check(again->command == decoded->command);
  Check(again->body == decoded->body);
  (void)zroute::wire::BodyVersion(decoded->body);

  auto info = zroute::wire::SidecarInfoFromJson(decoded->body);
  if (info.ok()) {
    auto back = zroute::wire::SidecarInfoFromJson(zroute::wire::SidecarInfoToJson(*info));
    Check(back.ok() && *back == *info);
  }
  return 0;
}
