// The CloudEvents HTTP protocol binding (v1.0.2): decoding publish requests in binary, structured
// and batched mode, and encoding deliveries in binary mode.
//
// Header names are matched case-insensitively; HttpHeaders holds them lower-cased.
// Binary mode: every context attribute and extension is a `ce-<name>` header, its value
// percent-encoded per the binding (encode space, '"', '%' and anything outside printable ASCII as
// UTF-8 %XX; decode any %XX). `content-type` maps to `datacontenttype`; the body is `data`.
// Structured mode: `application/cloudevents+json` body, JSON event format (json_format.h).
// Batched mode: `application/cloudevents-batch+json`, a JSON array of events in JSON format.
// Anything else is a plain body that the sidecar wraps into a new event (WrapDefaults).
//
// All functions are thread-safe and keep no state; WrapDefaults' callbacks run on the caller's
// thread, only in plain mode.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/cloudevents/cloud_event.h"
#include "common/util/status.h"

namespace zroute {

using HttpHeaders = std::map<std::string, std::string>;  // lower-case name → value

enum class HttpEventMode { kBinary, kStructured, kBatch, kPlain };

struct DecodeLimits {
  size_t max_event_bytes = 1 << 20;   // any one event (attributes + data) → TooLarge
  size_t max_batch_events = 1000;     // events in one batch → TooLarge
  size_t max_attributes = 64;         // context attributes + extensions of one event → InvalidArgument
  size_t max_attribute_bytes = 4096;  // one attribute value → TooLarge
  size_t max_body_bytes = 16 << 20;   // the whole request body, checked before parsing → TooLarge
};

// Used to complete a plain (non-CloudEvents) body into an event.
struct WrapDefaults {
  std::string source;        // the publishing app-id, e.g. "zroute://orders-app"
  std::string type;          // e.g. "zroute.published"; a `ce-type` header, if sent, wins
  std::function<std::string()> new_id;   // fresh unique id
  std::function<std::string()> now_rfc3339;  // current time for `time`
};

// Which mode a request is in, from its content-type (parameters and case ignored) and
// `ce-specversion` header. Any `application/cloudevents+<format>` is structured and any
// `application/cloudevents-batch+<format>` batched; only the JSON formats decode, others are
// rejected rather than wrapped as a plain body.
HttpEventMode DetectMode(const HttpHeaders& headers);

// Decodes a publish request into one or more events, each validated with ValidateCloudEvent.
// Errors: InvalidArgument naming the attribute or JSON problem; TooLarge for a limit.
// In binary and plain mode, `time` and `id` are filled in when absent only in plain mode.
// Plain mode applies any `ce-*` headers sent and then fills in what is missing: `id` (new_id),
// `source`, `type`, `time` (now_rfc3339) and `specversion`. Binary mode requires `ce-specversion`,
// `ce-id`, `ce-source` and `ce-type`; errors name the header ("missing required attribute 'ce-id'").
// Header values are unquoted (a double-quoted string, for older senders) and percent-decoded, and
// must be UTF-8. A `ce-datacontenttype` header is used only when there is no Content-Type.
StatusOr<std::vector<CloudEvent>> DecodeHttpRequest(const HttpHeaders& headers, const std::string& body,
                                                    const DecodeLimits& limits, const WrapDefaults& wrap);
// Same; the body's buffer becomes the event's data in binary and plain mode instead of a copy.
StatusOr<std::vector<CloudEvent>> DecodeHttpRequest(const HttpHeaders& headers, std::string&& body,
                                                    const DecodeLimits& limits, const WrapDefaults& wrap);

// Encodes an event for delivery in binary mode: `ce-*` headers (percent-encoded) plus
// `content-type` when datacontenttype is set; the body is the data. Other entries of *headers are
// kept (an existing `ce-*` or content-type of the same name is replaced).
void EncodeBinaryMode(const CloudEvent& event, HttpHeaders* headers, std::string* body);

// Percent-encoding of header values per the binding: encode space, '"', '%' and every byte outside
// 0x21-0x7E (upper-case hex). Decode first unquotes a value that is one double-quoted string
// (RFC 7230 quoted-string with backslash escapes), then decodes every %XX (either case), and
// rejects a malformed escape or a result that is not valid UTF-8 (e.g. the overlong "%C0%A0").
std::string PercentEncodeHeaderValue(const std::string& value);
StatusOr<std::string> PercentDecodeHeaderValue(const std::string& value);

}  // namespace zroute
