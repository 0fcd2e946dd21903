// Kubernetes-style durations: "250ms", "5s", "1m30s", "2h", "1.5s".
//
// The grammar is the one Kubernetes (metav1.Duration) and CEL's duration() accept, without a sign:
//   duration := "0" | ( number unit )+
//   number   := digits [ "." digits ]
//   unit     := "ns" | "us" | "ms" | "s" | "m" | "h"
// The CRDs in crds/ use the matching pattern kDurationPattern, so a string that passes the schema
// also parses here. Negative durations are rejected: no zroute field means "before now".
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/util/status.h"

namespace zroute {

// The regular expression (ECMAScript / RE2 compatible) the CRD schemas use for duration strings.
inline constexpr const char* kDurationPattern = "^(0|([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+)$";

// Longest duration string accepted (the CRDs' maxLength): bounds the cost of CEL's duration() on
// the API server, and no sensible duration needs more.
inline constexpr size_t kMaxDurationLength = 32;

// Parses `text`. Errors (InvalidArgument) say what is wrong: empty, a sign, a missing or unknown
// unit, a malformed number, more than kMaxDurationLength characters, or a total beyond what int64 nanoseconds hold (~292 years).
// Fractions finer than a nanosecond are truncated, like Kubernetes does.
StatusOr<std::chrono::nanoseconds> ParseDuration(std::string_view text);

// Like ParseDuration, but the value must be a whole number of the unit (e.g. "1500ms" is not a
// whole number of seconds): the schema cannot say so and silently rounding would change meaning.
StatusOr<std::chrono::milliseconds> ParseDurationMillis(std::string_view text);
StatusOr<std::chrono::seconds> ParseDurationSeconds(std::string_view text);

// Formats the shortest exact string that ParseDuration reads back to the same value: the non-zero
// components largest first, e.g. 90s → "1m30s", 1500ms → "1s500ms", 0 → "0s".
// REQUIRES: d >= 0.
std::string FormatDuration(std::chrono::nanoseconds d);

}  // namespace zroute
