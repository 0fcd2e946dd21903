// W3C Trace Context for events: the CloudEvents distributed-tracing extension (`traceparent`,
// `tracestate`) and the HTTP headers of the same names.
//
// Every zroute hop is a span: the publishing sidecar stores the event with a child of the
// traceparent it was given (the event's extension, else the request's header), and the consuming
// sidecar hands the app a child of the stored one. A child keeps the trace id and the flags and
// gets a fresh random parent id, so a tracing backend sees publisher → sidecar → app as one trace.
// Thread-safe, stateless.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zroute {

struct TraceParent {
  std::string trace_id;   // 32 lower-case hex digits, not all zero
  std::string parent_id;  // 16 lower-case hex digits, not all zero
  std::string flags;      // 2 hex digits
  std::string ToString() const { return "00-" + trace_id + "-" + parent_id + "-" + flags; }
};

// Parses a version-00 traceparent ("00-<32 hex>-<16 hex>-<2 hex>"). Anything else — another
// version, upper-case hex, all-zero ids, extra characters — is nullopt (the spec says to ignore a
// traceparent that cannot be parsed, not to repair it).
std::optional<TraceParent> ParseTraceParent(std::string_view text);

// The same trace and flags with a new random parent id.
TraceParent ChildOf(const TraceParent& parent);

}  // namespace zroute
