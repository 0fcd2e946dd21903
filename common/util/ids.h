// Identifiers and timestamps for events: random UUIDv4 strings and RFC 3339 UTC times.
#pragma once

#include <string>

#include "common/util/clock.h"

namespace zroute {

// A random UUID (version 4) such as "3f1c...-4...". Thread-safe.
std::string NewUuid();
// "2026-11-27T18:34:44.123456Z".
std::string FormatRfc3339(WallTime t);
// Random lower-case hex of n bytes.
std::string RandomHex(size_t bytes);

}  // namespace zroute
