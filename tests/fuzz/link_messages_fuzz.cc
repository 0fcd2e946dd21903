// Fuzzes DecodeLinkMessage. Each input is decoded twice: as a whole frame, and as the body of the
// message kind its first byte selects (so every kind is reached without the fuzzer having to find
// the header first). Whatever decodes must re-encode to bytes that decode to an equal message, and
// re-encoding that is a fixed point (the encoding is canonical even where the input was not:
// over-long varints, saturated credits).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "common/wire/link_messages.h"
#include "common/wire/wire_format.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void DecodeAndRoundTrip(std::string_view frame) {
  auto decoded = zroute::wire::DecodeLinkMessage(frame);
  if (!decoded.ok()) {
    zroute::StatusCode code = decoded.status().code();
    Check(code == zroute::StatusCode::kCorruption || code == zroute::StatusCode::kInvalidArgument ||
          code == zroute::StatusCode::kTooLarge);
    return;
  }
  std::string encoded = zroute::wire::EncodeLinkMessage(*decoded);
  // The canonical encoding is never longer than the input, except for a bare HEARTBEAT header (an
  // older sidecar's heartbeat), which decodes as counts of zero and is re-encoded with them.
  const bool bare_heartbeat = frame.size() == 2 && std::holds_alternative<zroute::wire::Heartbeat>(*decoded);
  Check(encoded.size() <= frame.size() || bare_heartbeat);
  auto again = zroute::wire::DecodeLinkMessage(encoded);
  Check(again.ok());
  Check(*again == *decoded);
  Check(zroute::wire::EncodeLinkMessage(*again) == encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  DecodeAndRoundTrip(input);
  if (size >= 1) {
    constexpr uint8_t kKinds = static_cast<uint8_t>(zroute::wire::LinkCommand::kHeartbeat);
    std::string frame;
    frame.push_back(static_cast<char>(zroute::wire::kProtocolVersion));
    frame.push_back(static_cast<char>(data[0] % kKinds + 1));
    frame.append(input.substr(1));
    DecodeAndRoundTrip(frame);
  }
  return 0;
}
