#include "operator/ctl/ctl_http.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>

namespace zroute::ctl {
namespace {

StatusOr<nlohmann::json> Interpret(const std::string& what, const std::string& url, const std::string& path,
                                   const httplib::Result& res) {
  // InvalidArgument is kept for zroutectl's own usage errors (exit code 2); a 400 from the server
  // is a refused request (exit code 1).
  if (!res) {
    return Status::Unavailable("cannot reach the " + what + " at " + url + ": " + httplib::to_string(res.error()));
  }
  nlohmann::json body = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (res->status < 200 || res->status > 299) {
    std::string reason = body.is_object() && body.contains("error") && body["error"].is_string()
                             ? body["error"].get<std::string>()
                             : res->body.substr(0, 200);
    const StatusCode code = res->status == 404   ? StatusCode::kNotFound
                            : res->status >= 500 ? StatusCode::kUnavailable
                                                 : StatusCode::kFailedPrecondition;
    return Status(code, "the " + what + " answered " + std::to_string(res->status) + " to " + path + ": " + reason);
  }
  if (body.is_discarded()) return Status::Internal("the " + what + " sent something that is not JSON for " + path);
  return body;
}

}  // namespace

StatusOr<HttpUrl> ParseHttpUrl(const std::string& url, const std::string& what) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(what + " '" + url + "' is not a URL like http://127.0.0.1:8080: " + why);
  };
  constexpr std::string_view kScheme = "http://";
  if (url.compare(0, kScheme.size(), kScheme) != 0) return bad("it must start with http://");
  std::string rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find_first_of("/?#@ ") != std::string::npos) return bad("give the server only, without a path");
  HttpUrl out;
  const size_t colon = rest.rfind(':');
  out.host = colon == std::string::npos ? rest : rest.substr(0, colon);
  if (out.host.empty()) return bad("the host is empty");
  if (colon != std::string::npos) {
    const std::string port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
      return bad("the port is not a number");
    }
    out.port = std::stoi(port);
    if (out.port < 1 || out.port > 65535) return bad("the port is out of range");
  }
  return out;
}

CtlHttp::CtlHttp(std::string what, std::string url, const HttpUrl& parsed, int timeout_seconds)
    : what_(std::move(what)), url_(std::move(url)), client_(std::make_unique<httplib::Client>(parsed.host, parsed.port)) {
  client_->set_connection_timeout(std::min(timeout_seconds, 5), 0);
  client_->set_read_timeout(timeout_seconds, 0);
  client_->set_write_timeout(timeout_seconds, 0);
  client_->set_tcp_nodelay(true);
}

CtlHttp::~CtlHttp() = default;

StatusOr<nlohmann::json> CtlHttp::Get(const std::string& path) {
  return Interpret(what_, url_, path, client_->Get(path));
}

StatusOr<nlohmann::json> CtlHttp::Post(const std::string& path,
                                       const std::vector<std::pair<std::string, std::string>>& headers,
                                       const std::string& body, const std::string& content_type) {
  httplib::Headers h;
  for (const auto& [name, value] : headers) h.emplace(name, value);
  return Interpret(what_, url_, path, client_->Post(path, h, body, content_type.c_str()));
}

StatusOr<std::unique_ptr<CtlHttp>> Connect(const std::string& what, const std::string& url, int timeout_seconds) {
  ZR_ASSIGN_OR_RETURN(HttpUrl parsed, ParseHttpUrl(url, "--" + what));
  return std::make_unique<CtlHttp>(what, url, parsed, timeout_seconds);
}

std::string UrlEncode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace zroute::ctl
