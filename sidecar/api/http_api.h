// HttpApi: the app-facing HTTP server of the sidecar.
//
//   POST /v1/publish/{topic}      publish (binary, structured, batched or plain) → 202 {"ids":[...]}
//   GET  /healthz                 the process is alive
//   GET  /readyz                  a routing table is loaded (from the operator or the cache)
//   GET  /metrics                 Prometheus text
//   GET  /v1/admin/subscriptions  progress of every subscription this sidecar publishes for
//   POST /v1/admin/subscriptions/{ns}/{name}/rewind?offset=N | ?time=RFC3339   replay
// Errors answer {"error": "..."} with the status that the Status maps to. With config.api_token
// set, every /v1/ route answers 401 unless the request carries "Authorization: Bearer <token>".
//
// With config.metrics_port >= 0 a second listener (config.metrics_host, all interfaces by default)
// serves only GET /metrics, /healthz and /readyz: the API stays on loopback, while Prometheus and
// the kubelet's probes, which dial the pod IP, reach this one. It reads nothing but the request
// line and headers (no body is accepted) and has a small thread pool of its own.
// Threads: under config.http_server "loop" (the default) every API connection is served by one
// thread, zr-http (EventLoopHttpServer): handlers run on it, publishes are staged and the round's
// answers leave after Publisher::CommitStaged. Under "threads", httplib's pool of
// config.http_threads. The metrics listener has a pool of 4. Handlers only call thread-safe
// collaborators and never wait on the network.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "common/http/bounded_http_server.h"
#include "common/http/request_head.h"
#include "common/util/status.h"
#include "sidecar/api/publisher.h"
#include "sidecar/link/link_loop.h"

namespace httplib {
class Server;
struct Response;
}

namespace zroute {

class EventLoopHttpServer;

class HttpApi {
 public:
  HttpApi(const SidecarConfig& config, Publisher& publisher, LinkLoop& link, TableHolder& table,
          SidecarMetrics& metrics, Outbox& outbox, Clock& clock);
  ~HttpApi();

  // Binds (port 0 = any) and starts serving on a thread, and the metrics listener when
  // configured. Returns the API's bound port.
  StatusOr<int> Start();
  // Stops accepting and waits for handlers in progress, on both listeners. Idempotent.
  void Stop();

  // The metrics listener's bound port; -1 when it is off.
  int metrics_port() const { return metrics_port_; }

 private:
  void Routes();
  // The answer to POST /v1/publish/{topic}, from either path below.
  void Publish(const std::string& topic, const HttpHeaders& headers, const std::string& body, httplib::Response& res);
  // The publish route without httplib's request object (EventLoopHttpServer::set_fast_handler):
  // a plain POST /v1/publish/{topic} gets the route's answer; false leaves anything else (a topic
  // to percent-decode, a query, a missing or wrong token, multipart) to httplib and the route.
  bool PublishFast(const RequestHead& request, httplib::Response& res);
  // GET /healthz, /readyz and /metrics: served by both listeners.
  void ProbeAndMetricsRoutes(httplib::Server& server);
  StatusOr<int> StartMetricsListener();

  const SidecarConfig& config_;
  Publisher& publisher_;
  LinkLoop& link_;
  TableHolder& table_;
  SidecarMetrics& metrics_;
  Outbox& outbox_;
  Clock& clock_;
  const HeaderLimits header_limits_;
  std::unique_ptr<httplib::Server> server_;
  EventLoopHttpServer* loop_server_ = nullptr;  // server_, under --http-server=loop
  std::thread thread_;
  std::unique_ptr<httplib::Server> metrics_server_;  // only with config.metrics_port >= 0
  std::thread metrics_thread_;
  int metrics_port_ = -1;
};

}  // namespace zroute
