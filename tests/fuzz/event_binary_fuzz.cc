// Fuzzes DecodeEventBinary. The encoding is canonical, so whatever decodes must re-encode to the
// very same bytes, decode again to an equal event, and decode the same into a reused event and
// from an owned buffer (DecodeEventBinaryReusing); what fails must fail the same way there too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/cloudevents/binary_format.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto event = zroute::DecodeEventBinary(input);
  if (!event.ok()) {
    Check(event.status().code() == zroute::StatusCode::kCorruption ||
          event.status().code() == zroute::StatusCode::kInvalidArgument);
    auto taken = zroute::DecodeEventBinaryReusing(std::string(input));
    Check(!taken.ok() && taken.status().message() == event.status().message());
    return 0;
  }
  std::string encoded = zroute::EncodeEventBinary(*event);
  Check(encoded == input);
  Check(encoded.size() == zroute::EventBinarySize(*event));
  auto again = zroute::DecodeEventBinary(encoded);
  Check(again.ok() && *again == *event);

  zroute::CloudEvent reused;
  reused.id = "stale";
  reused.extensions = {{"aa", "x"}, {"partitionkey", "y"}, {"zz", "z"}};
  Check(zroute::DecodeEventBinaryInto(input, &reused).ok());
  Check(reused == *event);

  auto taken = zroute::DecodeEventBinaryReusing(std::string(input));
  Check(taken.ok() && *taken == *event);
  return 0;
}
