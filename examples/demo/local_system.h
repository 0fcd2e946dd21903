// LocalSystem: the whole of zroute on loopback — an operator in standalone mode, sidecars and the
// sample apps — as real processes. Used by `make demo` and by the multi-process integration tests.
//
// Every process listens on a free port (port 0) and reports it through a port file in the work
// folder, so several LocalSystems can run side by side. Each process logs to <work>/<name>.log.
// The destructor stops everything it started (apps first, then sidecars, which drain, then the
// operator), also when a test fails half-way.
// Not thread-safe: one owner thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/util/status.h"
#include "common/util/subprocess.h"

namespace zroute {

struct LocalSystemOptions {
  std::string bin_dir;        // the build folder: holds operator/, sidecar/ and examples/ binaries
  std::string manifests_dir;  // Topic / Subscription / ScalingPolicy YAML for the operator
  std::string work_dir;       // logs, port files, outboxes; must exist
  std::string log_level = "warn";
  std::vector<std::string> operator_args;  // extra flags for zroute-operator
  // CURVE on every link: the operator keeps its keypair in <work>/operator.key and every sidecar
  // is given its public key (docs/security.md).
  bool curve = true;
  std::chrono::milliseconds start_timeout{20000};
};

// One app instance and its sidecar (a pod, in cluster terms).
struct LocalReplica {
  std::string app_id;
  std::string name;        // unique: "billing-1"
  std::string sidecar_id;  // from the sidecar's port file
  int app_port = 0;        // 0 when the sidecar has no app (publish-only)
  int sidecar_port = 0;    // the sidecar's HTTP API
  int metrics_port = -1;   // its metrics and probe listener, when started with --metrics-port
  std::string data_endpoint;
  Subprocess app;
  Subprocess sidecar;
  std::vector<std::string> app_args;      // kept for restarts
  std::vector<std::string> sidecar_args;
};

class LocalSystem {
 public:
  explicit LocalSystem(LocalSystemOptions options);
  ~LocalSystem();
  LocalSystem(const LocalSystem&) = delete;
  LocalSystem& operator=(const LocalSystem&) = delete;

  Status StartOperator();
  int operator_port() const { return operator_port_; }
  const std::string& control_endpoint() const { return control_endpoint_; }
  // The operator's CURVE public key ("" with curve off).
  const std::string& operator_public_key() const { return operator_public_key_; }

  // Starts a sample subscriber app (zroute-example-subscriber, with `app_args`) and its sidecar
  // (with `sidecar_args`), and waits until the sidecar is ready. A durable outbox lives in
  // <work>/<name>/outbox, the app's journal in <work>/<name>/journal.jsonl.
  StatusOr<LocalReplica*> StartSubscriber(const std::string& app_id, const std::string& name,
                                          std::vector<std::string> app_args = {},
                                          std::vector<std::string> sidecar_args = {});
  // Starts a sidecar with no app behind it (the app only publishes) and waits until it is ready.
  StatusOr<LocalReplica*> StartPublisherSidecar(const std::string& app_id, const std::string& name,
                                                std::vector<std::string> sidecar_args = {});
  // Starts zroute-example-publisher against `replica`'s sidecar; `args` are its flags.
  // Its /stats port is returned through stats_port when given.
  StatusOr<Subprocess> StartPublisherApp(const LocalReplica& replica, const std::string& name,
                                         std::vector<std::string> args, int* stats_port = nullptr);

  // Waits until every sidecar in `replicas` runs a routing table that lists every sidecar the
  // operator knows (so a replica that just joined is a delivery target everywhere).
  Status WaitForConvergence(std::chrono::milliseconds timeout);

  LocalReplica* Find(const std::string& name);
  std::vector<LocalReplica*> Replicas(const std::string& app_id);
  const std::vector<std::unique_ptr<LocalReplica>>& replicas() const { return replicas_; }

  // Stops one replica: the sidecar first (it drains and hands back what it holds), then the app.
  void StopReplica(LocalReplica& replica);

  // Fault injection. A restarted sidecar keeps its outbox folder and app port but gets new
  // listening ports and a new sidecar id (as a restarted container would); a restarted app listens
  // on its old port again and reloads its journal; a restarted operator binds its old ports.
  void KillSidecar(LocalReplica& replica) { replica.sidecar.Kill(); }
  Status RestartSidecar(LocalReplica& replica);
  void KillApp(LocalReplica& replica) { replica.app.Kill(); }
  Status RestartApp(LocalReplica& replica);
  void StopOperator() { operator_.Stop(); }
  Status RestartOperator();
  // Stops everything, in the order the header comment gives. Idempotent.
  void StopAll();

  // GET http://127.0.0.1:port/path, parsed as JSON (an error when not 200 or not JSON).
  static StatusOr<nlohmann::json> GetJson(int port, const std::string& path);
  std::string LogPath(const std::string& name) const { return options_.work_dir + "/" + name + ".log"; }

 private:
  std::string Binary(const std::string& relative) const { return options_.bin_dir + "/" + relative; }
  StatusOr<nlohmann::json> WaitForPortFile(const std::string& path, Subprocess& process, const std::string& name);
  Status LaunchOperator(const std::string& control_bind, int http_port);
  Status LaunchSidecar(LocalReplica& replica);
  Status LaunchApp(LocalReplica& replica, int port);

  LocalSystemOptions options_;
  Subprocess operator_;
  int operator_port_ = 0;
  std::string control_endpoint_;
  std::string operator_public_key_;
  std::vector<std::unique_ptr<LocalReplica>> replicas_;
};

}  // namespace zroute
