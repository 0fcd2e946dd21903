// Rules about CloudEvents attribute values shared by the codecs: RFC 3339 timestamps, extension
// names, UTF-8 strings, and the media types `datacontenttype` holds.
//
// All functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace zroute {

// RFC 3339 `date-time` (e.g. "2026-11-27T18:41:43.123Z", "2026-11-27T19:41:43+01:00"), with day of
// month checked against the month and leap years, and a leap second (":60") allowed.
bool IsRfc3339Timestamp(std::string_view value);

// 1..kMaxExtensionNameLength characters of a-z or 0-9, and not a core attribute name.
bool IsValidExtensionName(std::string_view name);

// A byte that may appear in a raw (not percent-encoded) HTTP header value: printable ASCII or tab.
inline bool IsHeaderSafeChar(char c) { return c == '\t' || (c >= 0x20 && c <= 0x7e); }

// Well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view bytes);
// The length (2 to 4) of the well-formed UTF-8 sequence `bytes` starts with, or 0 when it starts
// with none. REQUIRES: `bytes` is not empty and starts with a byte >= 0x80.
size_t Utf8SequenceLength(std::string_view bytes);

// The media type of a Content-Type value without its parameters, trimmed and lower-cased:
// "Application/JSON; charset=utf-8" → "application/json".
std::string MediaTypeOf(std::string_view content_type);

// JSON per the JSON event format: subtype `json` or ending in `+json`. An empty content type is
// JSON too, as the format says an absent datacontenttype means application/json.
bool IsJsonMediaType(std::string_view content_type);

// Text that the JSON event format carries as a string: `text/*`, and XML (`*/xml`, `*/*+xml`).
bool IsTextMediaType(std::string_view content_type);

}  // namespace zroute
