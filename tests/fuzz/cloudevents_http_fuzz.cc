// Fuzzes DecodeHttpRequest with hostile headers and bodies in every mode.
//
// Input layout: byte 0 selects the Content-Type (low 3 bits) and whether a `ce-specversion: 1.0`
// header is added (bit 3); then header lines "name: value\n" up to an empty line; the rest is the
// body. Properties checked on success: every event validates, respects the limits, survives a
// binary-mode encode + decode unchanged, and its structured JSON form parses back. On every input:
// the structured JSON writer gives the same text as the JSON tree's dump, for the decoded events and
// for an unvalidated event made of the input's raw bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/cloudevents/attribute_rules.h"
#include "common/cloudevents/http_binding.h"
#include "common/cloudevents/json_format.h"

namespace {

using zroute::CloudEvent;
using zroute::HttpHeaders;

constexpr const char* kContentTypes[] = {
    nullptr,
    "application/cloudevents+json",
    "application/cloudevents-batch+json; charset=utf-8",
    "text/plain",
    "application/json",
    "Application/CloudEvents+JSON ; x=y",
    "application/cloudevents+xml",
    "application/octet-stream",
};

void Check(bool condition) {
  if (!condition) std::abort();
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

zroute::DecodeLimits Limits() {
  zroute::DecodeLimits limits;
  limits.max_event_bytes = 4096;
  limits.max_batch_events = 8;
  limits.max_attributes = 16;
  limits.max_attribute_bytes = 256;
  limits.max_body_bytes = 64 << 10;
  return limits;
}

zroute::WrapDefaults Wrap() {
  zroute::WrapDefaults wrap;
  wrap.source = "zroute://fuzz";
  wrap.type = "zroute.published";
  wrap.new_id = [] { return std::string("fuzz-id"); };
  wrap.now_rfc3339 = [] { return std::string("2026-11-27T18:41:43Z"); };
  return wrap;
}

// What SerializeStructuredEvent must write, byte for byte.
std::string TreeDump(const CloudEvent& event) {
  return zroute::CloudEventToJson(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void CheckEvent(const CloudEvent& event, const zroute::DecodeLimits& limits, const zroute::WrapDefaults& wrap) {
  Check(zroute::ValidateCloudEvent(event).ok());
  Check(event.ByteSize() <= limits.max_event_bytes);

  // Binary mode round trip. An event whose own datacontenttype names a CloudEvents format cannot
  // be told apart from a structured request in binary mode; the binding has that ambiguity.
  if (!zroute::MediaTypeOf(event.datacontenttype).starts_with("application/cloudevents")) {
    HttpHeaders headers;
    std::string body;
    zroute::EncodeBinaryMode(event, &headers, &body);
    auto again = zroute::DecodeHttpRequest(headers, body, limits, wrap);
    Check(again.ok());
    Check(again->size() == 1 && (*again)[0] == event);
  }

  // Structured JSON: attributes survive exactly; JSON data may be re-serialized compactly.
  const std::string structured = zroute::SerializeStructuredEvent(event);
  Check(structured == TreeDump(event));
  auto parsed = zroute::ParseStructuredEvent(structured);
  Check(parsed.ok());
  CloudEvent left = event, right = *parsed;
  if (zroute::IsJsonMediaType(event.datacontenttype)) {
    left.data.clear();
    right.data.clear();
  }
  Check(left == right);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  HttpHeaders headers;
  if (const char* content_type = kContentTypes[data[0] & 7]) headers["content-type"] = content_type;
  if (data[0] & 8) headers["ce-specversion"] = "1.0";

  size_t end_of_headers = in.find("\n\n");
  std::string_view header_block = in.substr(0, end_of_headers);
  std::string body(end_of_headers == std::string_view::npos ? std::string_view() : in.substr(end_of_headers + 2));
  while (!header_block.empty()) {
    size_t newline = header_block.find('\n');
    std::string_view line = header_block.substr(0, newline);
    header_block = newline == std::string_view::npos ? std::string_view() : header_block.substr(newline + 1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    headers[Lower(line.substr(0, colon))] = std::string(value);
  }

  CloudEvent raw;  // hostile bytes in every member, no validation
  raw.id = std::string(in.substr(0, 8));
  raw.subject = std::string(in.substr(std::min<size_t>(in.size(), 8), 24));
  raw.datacontenttype = kContentTypes[(data[0] >> 4) & 7] ? kContentTypes[(data[0] >> 4) & 7] : "";
  raw.data = body;
  raw.extensions[std::string(in.substr(0, 4))] = std::string(in.substr(std::min<size_t>(in.size(), 4), 12));
  Check(zroute::SerializeStructuredEvent(raw) == TreeDump(raw));

  zroute::DecodeLimits limits = Limits();
  zroute::WrapDefaults wrap = Wrap();
  auto events = zroute::DecodeHttpRequest(headers, body, limits, wrap);
  if (!events.ok()) {
    Check(!events.status().message().empty());
    return 0;
  }
  Check(events->size() <= limits.max_batch_events || zroute::DetectMode(headers) != zroute::HttpEventMode::kBatch);
  for (const CloudEvent& event : *events) CheckEvent(event, limits, wrap);
  return 0;
}
