#include "operator/operator_http.h"

#include <httplib.h>

#include "common/http/bounded_http_server.h"
#include "common/http/listen_thread.h"

namespace zroute {
namespace {

void Reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

}  // namespace

OperatorHttp::OperatorHttp(std::string host, int port, ControlServer& control, OperatorMetrics& metrics, Hooks hooks)
    : host_(std::move(host)), port_(port), control_(control), metrics_(metrics), hooks_(std::move(hooks)),
      server_(std::make_unique<BoundedHttpServer>()) {}

OperatorHttp::~OperatorHttp() { Stop(); }

StatusOr<int> OperatorHttp::Start() {
  server_->set_tcp_nodelay(true);
  server_->set_payload_max_length(64 << 10);
  server_->set_read_timeout(5, 0);
  server_->new_task_queue = [] { return new httplib::ThreadPool(4); };
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) { Reply(res, 200, {{"status", "ok"}}); });
  server_->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    bool ready = hooks_.ready ? hooks_.ready() : control_.has_resources();
    Reply(res, ready ? 200 : 503, {{"status", ready ? "ready" : "not ready"}});
  });
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.metrics().Serialize(), "text/plain; version=0.0.4");
  });
  server_->Get("/v1/routing-table", [this](const httplib::Request&, httplib::Response& res) {
    Reply(res, 200, control_.Table()->ToJson());
  });
  server_->Get("/v1/sidecars", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : control_.Members()) {
      nlohmann::json j = wire::SidecarInfoToJson(m.info);
      j["tableVersion"] = m.table_version;
      j["peerAddress"] = m.peer_address;  // the control connection's source IP, as recorded
      j["load"] = m.load;
      out.push_back(j);
    }
    Reply(res, 200, out);
  });
  server_->Get("/v1/scaling", [this](const httplib::Request&, httplib::Response& res) {
    Reply(res, 200, hooks_.scaling ? hooks_.scaling() : nlohmann::json::array());
  });
  int port = port_ == 0 ? server_->bind_to_any_port(host_) : (server_->bind_to_port(host_, port_) ? port_ : -1);
  if (port <= 0) return Status::Unavailable("cannot bind operator HTTP port " + std::to_string(port_));
  auto listener = StartListenThread(*server_, "zr-http-accept");
  if (!listener.ok()) return listener.status();
  thread_ = std::move(listener).value();
  return port;
}

void OperatorHttp::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

}  // namespace zroute
