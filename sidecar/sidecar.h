// Sidecar: one zroute-sidecar process, wired together. main.cc parses flags into a
// SidecarConfig and runs one of these; tests can run several in one process.
//
// Start opens the outbox (recovering it), binds the data port and the HTTP port, and starts the
// link loop and the outbox's retention keeper. Stop drains (see LinkLoop) and closes the outbox so everything acked is on disk.
#pragma once

#include <memory>
#include <string>

#include <zmq.hpp>

#include "common/util/clock.h"
#include "common/util/status.h"
#include "sidecar/api/http_api.h"
#include "sidecar/api/publisher.h"
#include "sidecar/link/link_loop.h"
#include "sidecar/outbox/outbox.h"
#include "sidecar/outbox/retention_keeper.h"
#include "sidecar/routing/table_holder.h"
#include "sidecar/sidecar_config.h"
#include "sidecar/sidecar_metrics.h"

namespace zroute {

class Sidecar {
 public:
  Sidecar(SidecarConfig config, Clock& clock);
  ~Sidecar();

  Status Start();
  void Stop();  // idempotent

  int http_port() const { return http_port_; }
  const std::string& data_endpoint() const { return data_endpoint_; }
  const SidecarConfig& config() const { return config_; }

 private:
  // One Status per task (DeliveryPool::DeadLetterFn); one publish per dead-letter topic.
  std::vector<Status> PublishDeadLetters(const std::vector<const DeliveryTask*>& tasks);

  SidecarConfig config_;
  Clock& clock_;
  SidecarMetrics metrics_;
  TableHolder table_;
  zmq::context_t context_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<RetentionKeeper> retention_;
  std::unique_ptr<LinkLoop> link_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<HttpApi> http_;
  int http_port_ = 0;
  std::string data_endpoint_;
  bool started_ = false;
};

}  // namespace zroute
