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
// Threads: httplib's pool (config.http_threads); handlers only call thread-safe collaborators.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "common/util/status.h"
#include "sidecar/api/publisher.h"
#include "sidecar/link/link_loop.h"

namespace httplib {
class Server;
}

namespace zroute {

class HttpApi {
 public:
  HttpApi(const SidecarConfig& config, Publisher& publisher, LinkLoop& link, TableHolder& table,
          SidecarMetrics& metrics, Outbox& outbox, Clock& clock);
  ~HttpApi();

  // Binds (port 0 = any) and starts serving on a thread. Returns the bound port.
  StatusOr<int> Start();
  // Stops accepting and waits for handlers in progress. Idempotent.
  void Stop();

 private:
  void Routes();

  const SidecarConfig& config_;
  Publisher& publisher_;
  LinkLoop& link_;
  TableHolder& table_;
  SidecarMetrics& metrics_;
  Outbox& outbox_;
  Clock& clock_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace zroute
