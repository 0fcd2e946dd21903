// Operator: one zroute-operator process, wired together (main.cc only parses flags).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/util/clock.h"
#include "operator/controller/resource_source.h"
#include "operator/controlplane/control_server.h"
#include "operator/operator_http.h"
#include "operator/operator_metrics.h"
#include "operator/scaling/logging_event_recorder.h"
#include "operator/scaling/scaling_service.h"

namespace zroute {

struct OperatorConfig {
  std::string manifests_dir;
  std::chrono::milliseconds manifests_poll{1000};
  std::string control_bind = "tcp://127.0.0.1:7400";
  std::string http_host = "127.0.0.1";
  int http_port = 8080;
  std::chrono::milliseconds heartbeat_timeout{5000};
  std::chrono::milliseconds scaling_interval{2000};
  std::string port_file;
};

class Operator {
 public:
  Operator(OperatorConfig config, Clock& clock);
  ~Operator();

  Status Start();
  void Stop();

  const std::string& control_endpoint() const { return control_endpoint_; }
  int http_port() const { return http_port_; }

 private:
  void OnResources(const ResourceSet& resources);
  void PeriodicLoop();
  void UpdateLagMetrics();

  OperatorConfig config_;
  Clock& clock_;
  OperatorMetrics metrics_;
  scaling::LoggingEventRecorder scaling_events_;
  // Standalone: no scale target, hints only. Created in Start() before the control server and
  // the source, so that every load report and policy set finds it.
  std::unique_ptr<scaling::ScalingService> scaling_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<ResourceSource> source_;
  std::unique_ptr<OperatorHttp> http_;
  std::string control_endpoint_;
  int http_port_ = 0;
  std::thread periodic_;
  std::mutex mu_;  // guards stop_
  std::condition_variable cv_;
  bool stop_ = false;
  std::set<std::string> lag_series_;  // periodic thread only
};

}  // namespace zroute
