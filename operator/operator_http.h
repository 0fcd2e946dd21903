// OperatorHttp: the operator's HTTP endpoints.
//   GET /healthz             alive
//   GET /readyz              resources loaded and (in cluster mode) leading
//   GET /metrics             Prometheus text
//   GET /v1/routing-table    the current table (JSON)
//   GET /v1/sidecars         registered sidecars with their last load report
//   GET /v1/scaling          the latest scaling recommendations
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/util/status.h"
#include "operator/controlplane/control_server.h"
#include "operator/operator_metrics.h"

namespace httplib {
class Server;
}

namespace zroute {

class OperatorHttp {
 public:
  struct Hooks {
    std::function<bool()> ready;
    std::function<nlohmann::json()> scaling;  // may be empty
  };
  OperatorHttp(std::string host, int port, ControlServer& control, OperatorMetrics& metrics, Hooks hooks);
  ~OperatorHttp();

  StatusOr<int> Start();
  void Stop();

 private:
  std::string host_;
  int port_;
  ControlServer& control_;
  OperatorMetrics& metrics_;
  Hooks hooks_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace zroute
