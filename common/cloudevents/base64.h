// Base64 (RFC 4648 section 4, standard alphabet) for the JSON event format's `data_base64`.
//
// Encode always pads. Decode accepts input with or without padding, rejects any character outside
// the alphabet (including whitespace), misplaced padding, and non-zero bits in the last symbol's
// unused part, so that every accepted input has one meaning. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/util/status.h"

namespace zroute {

std::string Base64Encode(std::string_view bytes);
StatusOr<std::string> Base64Decode(std::string_view text);

}  // namespace zroute
