#include "sidecar/api/http_api.h"

#include <httplib.h>

#include <map>

#include <nlohmann/json.hpp>

#include "common/http/bounded_http_server.h"
#include "common/http/event_loop_http_server.h"
#include "common/http/http_text.h"
#include "common/http/listen_thread.h"
#include "common/security/bearer_token.h"
#include "common/util/duration.h"
#include "common/util/logging.h"
#include "sidecar/api/topic_events.h"

namespace zroute {
namespace {

void Reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void ReplyError(httplib::Response& res, const Status& s) {
  Reply(res, s.HttpStatus(), {{"error", s.message()}});
  if (s.code() == StatusCode::kResourceExhausted) res.set_header("Retry-After", "1");
}

// Parses "2026-11-27T18:34:44Z" (fractional seconds allowed) as UTC.
std::optional<WallTime> ParseRfc3339Utc(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) return std::nullopt;
  time_t secs = timegm(&tm);
  return std::chrono::system_clock::from_time_t(secs);
}

// headers[lower-cased name] = value: the last of repeated fields wins, on both publish paths.
void SetLowerCased(HttpHeaders& headers, std::string_view name, std::string_view value) {
  std::string lower(name);
  for (char& c : lower) c = http_text::Lower(c);  // ASCII: header names are tokens
  headers[std::move(lower)] = std::string(value);
}

}  // namespace

HttpApi::HttpApi(const SidecarConfig& config, Publisher& publisher, LinkLoop& link, TableHolder& table,
                 SidecarMetrics& metrics, Outbox& outbox, Clock& clock)
    : config_(config), publisher_(publisher), link_(link), table_(table), metrics_(metrics), outbox_(outbox),
      clock_(clock),
      // Room for a binary-mode event at the CloudEvents limits: 64 attributes of up to 4 KiB.
      header_limits_{.max_bytes = 320 * 1024, .max_lines = 200} {}

HttpApi::~HttpApi() { Stop(); }

StatusOr<int> HttpApi::Start() {
  if (config_.http_server == "loop") {
    auto loop = std::make_unique<EventLoopHttpServer>(
        EventLoopOptions{.header = header_limits_, .max_connections = static_cast<size_t>(std::max(1, config_.http_max_connections))});
    // A round's publishes are staged; their 202s leave once one write and one fdatasync made all
    // of them durable. A failure there closes those connections unanswered (the apps retry).
    publisher_.set_staging(true);
    loop->set_fast_handler([this](const RequestHead& request, httplib::Response& res) { return PublishFast(request, res); });
    loop->set_before_responses([this] {
      Status s = publisher_.CommitStaged();
      if (!s.ok()) ZR_LOG(kError, "api", "publishes not made durable, their answers withheld", {{"error", s.ToString()}});
      return s.ok();
    });
    loop_server_ = loop.get();
    server_ = std::move(loop);
  } else if (config_.http_server == "threads") {
    server_ = std::make_unique<BoundedHttpServer>(header_limits_);
    int threads = config_.http_threads;
    server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  } else {
    return Status::InvalidArgument("--http-server must be 'loop' or 'threads', not '" + config_.http_server + "'");
  }
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(100000);
  server_->set_keep_alive_timeout(30);
  server_->set_read_timeout(10, 0);
  server_->set_write_timeout(10, 0);
  server_->set_payload_max_length(config_.max_body_bytes);
  Routes();
  int port = config_.http_port == 0 ? server_->bind_to_any_port(config_.http_host)
                                    : (server_->bind_to_port(config_.http_host, config_.http_port) ? config_.http_port : -1);
  if (port <= 0) return Status::Unavailable("cannot bind HTTP port " + std::to_string(config_.http_port));
  if (loop_server_) {
    ZR_RETURN_IF_ERROR(loop_server_->Start("zr-http"));
  } else {
    auto listener = StartListenThread(*server_, "zr-http-accept");
    if (!listener.ok()) return listener.status();
    thread_ = std::move(listener).value();
  }
  if (config_.metrics_port >= 0) {
    auto metrics = StartMetricsListener();
    if (!metrics.ok()) {
      Stop();
      return metrics.status();
    }
    metrics_port_ = *metrics;
  }
  return port;
}

StatusOr<int> HttpApi::StartMetricsListener() {
  // Reachable from the pod network: small header blocks, sent promptly.
  metrics_server_ = std::make_unique<BoundedHttpServer>(
      HeaderLimits{.max_bytes = 16 * 1024, .max_lines = 64, .timeout = std::chrono::seconds(5)});
  httplib::Server& s = *metrics_server_;
  s.set_keep_alive_max_count(1000);
  s.set_keep_alive_timeout(30);
  s.set_read_timeout(5, 0);
  s.set_write_timeout(10, 0);
  s.set_payload_max_length(0);  // GET only: a body is refused (413), never read
  s.new_task_queue = [] { return new httplib::ThreadPool(4); };
  ProbeAndMetricsRoutes(s);
  int port = config_.metrics_port == 0
                 ? s.bind_to_any_port(config_.metrics_host)
                 : (s.bind_to_port(config_.metrics_host, config_.metrics_port) ? config_.metrics_port : -1);
  if (port <= 0) {
    return Status::Unavailable("cannot bind the metrics port " + config_.metrics_host + ":" +
                               std::to_string(config_.metrics_port));
  }
  auto listener = StartListenThread(*metrics_server_, "zr-metrics");
  if (!listener.ok()) return listener.status();
  metrics_thread_ = std::move(listener).value();
  return port;
}

void HttpApi::Stop() {
  if (metrics_thread_.joinable()) {
    metrics_server_->stop();
    metrics_thread_.join();
  }
  if (loop_server_) loop_server_->Stop();
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

void HttpApi::ProbeAndMetricsRoutes(httplib::Server& server) {
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { Reply(res, 200, {{"status", "ok"}}); });
  server.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    RoutingTablePtr t = table_.Get();
    if (!t) {
      Reply(res, 503, {{"status", "waiting for the routing table"}});
      return;
    }
    Reply(res, 200, {{"status", "ready"}, {"tableVersion", t->version()}, {"operatorConnected", link_.operator_connected()}});
  });
  server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.metrics().Serialize(), "text/plain; version=0.0.4");
  });
}

void HttpApi::Publish(const std::string& topic, const HttpHeaders& headers, const std::string& body,
                      httplib::Response& res) {
  auto ids = publisher_.PublishHttp(topic, headers, body);
  if (!ids.ok()) {
    ReplyError(res, ids.status());
    return;
  }
  Reply(res, 202, {{"ids", *ids}});
}

bool HttpApi::PublishFast(const RequestHead& request, httplib::Response& res) {
  constexpr std::string_view kPrefix = "/v1/publish/";
  if (request.method != "POST" || request.target.substr(0, kPrefix.size()) != kPrefix) return false;
  const std::string_view topic = request.target.substr(kPrefix.size());
  // httplib splits off a query and percent-decodes the path before routing: those stay its.
  if (topic.empty() || topic.find_first_of("/?#%") != std::string_view::npos) return false;
  if (!config_.api_token.empty()) {
    const std::optional<std::string_view> authorization = request.Find("Authorization");
    if (!authorization || !security::BearerTokenMatches(*authorization, config_.api_token)) return false;  // 401
  }
  if (const auto type = request.Find("Content-Type"); type && http_text::EqualsIgnoreCase(type->substr(0, 10), "multipart/")) {
    return false;  // httplib parses those into form parts, not a body
  }
  HttpHeaders headers;
  for (const auto& [name, value] : request.headers) SetLowerCased(headers, name, value);
  Publish(std::string(topic), headers, std::string(request.body), res);
  return true;
}

void HttpApi::Routes() {
  // With an API token, every /v1/ call must carry it; probes and /metrics stay open. Checked
  // before the body is read, so a caller without the token cannot make the sidecar read one.
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (config_.api_token.empty() || req.path.rfind("/v1/", 0) != 0 ||
        security::BearerTokenMatches(req.get_header_value("Authorization"), config_.api_token)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    metrics_.publish_rejected.With({"unauthenticated"}).Increment();
    res.set_header("WWW-Authenticate", "Bearer");
    res.set_header("Connection", "close");  // the unread body must not be taken for the next request
    Reply(res, 401, {{"error", "missing or wrong API token (Authorization: Bearer <token>)"}});
    return httplib::Server::HandlerResponse::Handled;
  });
  server_->Post(R"(/v1/publish/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    HttpHeaders headers;
    for (const auto& [name, value] : req.headers) SetLowerCased(headers, name, value);
    Publish(req.matches[1], headers, req.body, res);
  });
  ProbeAndMetricsRoutes(*server_);
  server_->Get("/v1/admin/subscriptions", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : link_.Progress()) {
      out.push_back({{"subscription", p.subscription}, {"topic", p.topic}, {"appId", p.app_id}, {"cursor", p.cursor},
                     {"end", p.end}, {"lag", p.lag()}, {"inFlight", p.in_flight}});
    }
    Reply(res, 200, out);
  });
  server_->Post(R"(/v1/admin/subscriptions/([^/]+)/([^/]+)/rewind)", [this](const httplib::Request& req,
                                                                             httplib::Response& res) {
    std::string key = std::string(req.matches[1]) + "/" + std::string(req.matches[2]);
    RoutingTablePtr t = table_.Get();
    const Subscription* sub = t ? t->FindSubscription(key) : nullptr;
    if (!sub) {
      ReplyError(res, Status::NotFound("unknown subscription '" + key + "'"));
      return;
    }
    std::string topic_key = sub->meta.namespace_ + "/" + sub->spec.topic;
    uint64_t offset;
    if (req.has_param("offset")) {
      const std::string v = req.get_param_value("offset");
      if (v.empty() || v.size() > 19 || v.find_first_not_of("0123456789") != std::string::npos) {
        ReplyError(res, Status::InvalidArgument("offset must be a non-negative integer"));
        return;
      }
      offset = std::stoull(v);
    } else if (req.has_param("time")) {
      auto t0 = ParseRfc3339Utc(req.get_param_value("time"));
      if (!t0) {
        ReplyError(res, Status::InvalidArgument("time must be RFC 3339, e.g. 2026-11-27T18:00:00Z"));
        return;
      }
      offset = outbox_.OffsetForTime(topic_key, *t0);
    } else {
      ReplyError(res, Status::InvalidArgument("give offset=N or time=RFC3339"));
      return;
    }
    Status s = link_.Rewind(key, offset);
    if (!s.ok()) {
      ReplyError(res, s);
      return;
    }
    Reply(res, 200, {{"subscription", key}, {"offset", offset}});
  });
  server_->Get(R"(/v1/admin/topics/([^/]+)/([^/]+)/events)", [this](const httplib::Request& req,
                                                                    httplib::Response& res) {
    std::string key = std::string(req.matches[1]) + "/" + std::string(req.matches[2]);
    RoutingTablePtr t = table_.Get();
    if (!t || !t->FindTopic(key)) {
      ReplyError(res, Status::NotFound("unknown topic '" + key + "'"));
      return;
    }
    std::map<std::string, std::string> params;
    for (const auto& [name, value] : req.params) {
      if (!params.emplace(name, value).second) {
        ReplyError(res, Status::InvalidArgument("parameter '" + name + "' given twice"));
        return;
      }
    }
    auto events = ReadTopicEvents(outbox_, key, params);
    if (!events.ok()) {
      ReplyError(res, events.status());
      return;
    }
    Reply(res, 200, *events);
  });
  server_->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    Reply(res, 500, {{"error", "internal error"}});
  });
}

}  // namespace zroute
