// CtlHttp: zroutectl's HTTP client for one server (an operator or a sidecar), by URL.
// Only plain http://HOST[:PORT] URLs (the admin and publish APIs listen on loopback or inside the
// cluster). Every answer is expected to be JSON; a transport failure, a non-2xx status or a body
// that is not JSON becomes a Status whose message names the server and what went wrong (the
// server's {"error": ...} text when it sent one). Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/util/status.h"

namespace httplib {
class Client;
}

namespace zroute::ctl {

struct HttpUrl {
  std::string host;
  int port = 80;
};

// Parses "http://host[:port][/]". InvalidArgument naming `what` (e.g. "--sidecar") otherwise.
StatusOr<HttpUrl> ParseHttpUrl(const std::string& url, const std::string& what);

class CtlHttp {
 public:
  // `what` names the server in errors: "operator", "sidecar".
  CtlHttp(std::string what, std::string url, const HttpUrl& parsed, int timeout_seconds);
  ~CtlHttp();

  StatusOr<nlohmann::json> Get(const std::string& path);
  StatusOr<nlohmann::json> Post(const std::string& path, const std::vector<std::pair<std::string, std::string>>& headers,
                                const std::string& body, const std::string& content_type);

 private:
  std::string what_;
  std::string url_;
  std::unique_ptr<httplib::Client> client_;
};

// Builds the client for --operator / --sidecar after parsing the URL.
StatusOr<std::unique_ptr<CtlHttp>> Connect(const std::string& what, const std::string& url, int timeout_seconds);

// Percent-encodes a query parameter value or path segment.
std::string UrlEncode(const std::string& text);

}  // namespace zroute::ctl
