// RequestHead: the request line, header fields and body of one whole HTTP/1.1 request, as views
// into its bytes, for the event loop's fast handler (EventLoopHttpServer::set_fast_handler), which
// answers the commonest requests without building an httplib::Request.
//
// ParseRequestHead accepts only plain requests and says no to everything else, so that httplib,
// which answers (or refuses) every request, still decides every unusual case: a malformed request
// line or header line, obs-fold, a control byte in a value, HTTP versions other than 1.0 and 1.1,
// a Transfer-Encoding, a body whose length is not exactly the Content-Length.
// Pure and total: any bytes give an answer, never a crash (fuzzed: tests/fuzz/request_head_fuzz.cc).
#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace zroute {

struct RequestHead {
  std::string_view method;   // a token: "POST"
  std::string_view target;   // as sent: "/v1/publish/orders"
  std::string_view version;  // "HTTP/1.1" or "HTTP/1.0"
  // In order, names as sent, values without surrounding spaces and tabs.
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string_view body;

  // The value of the first field named `name` (any case), or nullopt.
  std::optional<std::string_view> Find(std::string_view name) const;
};

// Parses `request`, the whole request (header block, then a body of Content-Length bytes, or none).
// False, with *out unspecified, for anything that is not plain (see above).
bool ParseRequestHead(std::string_view request, RequestHead* out);

}  // namespace zroute
