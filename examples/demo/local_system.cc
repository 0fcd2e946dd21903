#include "examples/demo/local_system.h"

#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <thread>

namespace zroute {

LocalSystem::LocalSystem(LocalSystemOptions options) : options_(std::move(options)) {}

LocalSystem::~LocalSystem() { StopAll(); }

StatusOr<nlohmann::json> LocalSystem::GetJson(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(10));
  auto res = client.Get(path);
  if (!res) return Status::Unavailable("GET :" + std::to_string(port) + path + ": " + httplib::to_string(res.error()));
  if (res->status != 200) {
    return Status::Unavailable("GET :" + std::to_string(port) + path + " answered " + std::to_string(res->status));
  }
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument("GET :" + std::to_string(port) + path + ": not JSON");
  return j;
}

StatusOr<nlohmann::json> LocalSystem::WaitForPortFile(const std::string& path, Subprocess& process,
                                                      const std::string& name) {
  auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  while (true) {
    auto text = WaitForFile(path, std::chrono::milliseconds(50));
    if (text.ok()) {
      auto j = nlohmann::json::parse(*text, nullptr, false);
      if (j.is_discarded() || !j.is_object()) return Status::Internal(name + ": unreadable port file " + path);
      return j;
    }
    if (!process.running()) return Status::Unavailable(name + " exited during start; see " + LogPath(name));
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::DeadlineExceeded(name + " did not start in time; see " + LogPath(name));
    }
  }
}

Status LocalSystem::StartOperator() { return LaunchOperator("tcp://127.0.0.1:*", 0); }

Status LocalSystem::RestartOperator() {
  if (operator_.running()) return Status::FailedPrecondition("the operator is running");
  return LaunchOperator(control_endpoint_, operator_port_);
}

Status LocalSystem::LaunchOperator(const std::string& control_bind, int http_port) {
  std::string port_file = options_.work_dir + "/operator.port";
  std::filesystem::remove(port_file);
  std::vector<std::string> argv{Binary("operator/zroute-operator"), "--manifests", options_.manifests_dir,
                                "--control-bind", control_bind, "--http-host", "127.0.0.1",
                                "--http-port", std::to_string(http_port), "--port-file", port_file,
                                "--log-level", options_.log_level};
  if (options_.curve) {
    argv.push_back("--curve-key-file");
    argv.push_back(options_.work_dir + "/operator.key");
  }
  argv.insert(argv.end(), options_.operator_args.begin(), options_.operator_args.end());
  ZR_ASSIGN_OR_RETURN(operator_, Subprocess::Start({argv, LogPath("operator")}));
  ZR_ASSIGN_OR_RETURN(nlohmann::json ports, WaitForPortFile(port_file, operator_, "operator"));
  operator_port_ = ports.value("http", 0);
  control_endpoint_ = ports.value("control", "");
  operator_public_key_ = ports.value("publicKey", "");
  return Status::OK();
}

Status LocalSystem::LaunchSidecar(LocalReplica& r) {
  std::string dir = options_.work_dir + "/" + r.name;
  std::filesystem::create_directories(dir + "/outbox");
  std::string port_file = dir + "/sidecar.port";
  std::filesystem::remove(port_file);  // a restarted replica reports its new ports
  std::vector<std::string> argv{Binary("sidecar/zroute-sidecar"),
                                "--app-id", r.app_id,
                                "--pod", r.name,
                                "--app-port", std::to_string(r.app_port),
                                "--http-port", "0",
                                "--data-port", "0",
                                "--operator", control_endpoint_,
                                "--outbox-dir", dir + "/outbox",
                                "--port-file", port_file,
                                "--log-level", options_.log_level};
  if (!operator_public_key_.empty()) {
    argv.push_back("--operator-public-key");
    argv.push_back(operator_public_key_);
  }
  argv.insert(argv.end(), r.sidecar_args.begin(), r.sidecar_args.end());
  std::string log_name = r.name + "-sidecar";
  ZR_ASSIGN_OR_RETURN(r.sidecar, Subprocess::Start({argv, LogPath(log_name)}));
  ZR_ASSIGN_OR_RETURN(nlohmann::json ports, WaitForPortFile(port_file, r.sidecar, log_name));
  r.sidecar_port = ports.value("http", 0);
  r.metrics_port = ports.value("metrics", -1);
  r.sidecar_id = ports.value("sidecarId", "");
  r.data_endpoint = ports.value("data", "");
  // Ready = the routing table is loaded.
  auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  while (!GetJson(r.sidecar_port, "/readyz").ok()) {
    if (!r.sidecar.running()) return Status::Unavailable(log_name + " exited; see " + LogPath(log_name));
    if (std::chrono::steady_clock::now() >= deadline) return Status::DeadlineExceeded(log_name + " never became ready");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling an HTTP endpoint
  }
  return Status::OK();
}

Status LocalSystem::RestartSidecar(LocalReplica& replica) {
  if (replica.sidecar.running()) return Status::FailedPrecondition(replica.name + ": sidecar is running");
  return LaunchSidecar(replica);
}

Status LocalSystem::LaunchApp(LocalReplica& r, int port) {
  std::string dir = options_.work_dir + "/" + r.name;
  std::filesystem::create_directories(dir);
  std::string port_file = dir + "/app.port";
  std::filesystem::remove(port_file);
  std::vector<std::string> argv{Binary("examples/zroute-example-subscriber"), "--name", r.name, "--port",
                                std::to_string(port), "--port-file", port_file, "--journal", dir + "/journal.jsonl"};
  argv.insert(argv.end(), r.app_args.begin(), r.app_args.end());
  ZR_ASSIGN_OR_RETURN(r.app, Subprocess::Start({argv, LogPath(r.name + "-app")}));
  ZR_ASSIGN_OR_RETURN(nlohmann::json ports, WaitForPortFile(port_file, r.app, r.name + "-app"));
  r.app_port = ports.value("http", 0);
  return Status::OK();
}

Status LocalSystem::RestartApp(LocalReplica& replica) {
  if (replica.app.running()) return Status::FailedPrecondition(replica.name + ": app is running");
  return LaunchApp(replica, replica.app_port);
}

StatusOr<LocalReplica*> LocalSystem::StartSubscriber(const std::string& app_id, const std::string& name,
                                                     std::vector<std::string> app_args,
                                                     std::vector<std::string> sidecar_args) {
  auto r = std::make_unique<LocalReplica>();
  r->app_id = app_id;
  r->name = name;
  r->app_args = std::move(app_args);
  r->sidecar_args = std::move(sidecar_args);
  ZR_RETURN_IF_ERROR(LaunchApp(*r, 0));
  ZR_RETURN_IF_ERROR(LaunchSidecar(*r));
  replicas_.push_back(std::move(r));
  return replicas_.back().get();
}

StatusOr<LocalReplica*> LocalSystem::StartPublisherSidecar(const std::string& app_id, const std::string& name,
                                                           std::vector<std::string> sidecar_args) {
  auto r = std::make_unique<LocalReplica>();
  r->app_id = app_id;
  r->name = name;
  r->sidecar_args = std::move(sidecar_args);
  ZR_RETURN_IF_ERROR(LaunchSidecar(*r));
  replicas_.push_back(std::move(r));
  return replicas_.back().get();
}

StatusOr<Subprocess> LocalSystem::StartPublisherApp(const LocalReplica& replica, const std::string& name,
                                                    std::vector<std::string> args, int* stats_port) {
  std::string port_file = options_.work_dir + "/" + name + ".port";
  std::filesystem::remove(port_file);
  std::vector<std::string> argv{Binary("examples/zroute-example-publisher"), "--name", name, "--sidecar-port",
                                std::to_string(replica.sidecar_port), "--port-file", port_file};
  argv.insert(argv.end(), args.begin(), args.end());
  ZR_ASSIGN_OR_RETURN(Subprocess p, Subprocess::Start({argv, LogPath(name)}));
  ZR_ASSIGN_OR_RETURN(nlohmann::json ports, WaitForPortFile(port_file, p, name));
  if (stats_port) *stats_port = ports.value("http", 0);
  return p;
}

Status LocalSystem::WaitForConvergence(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last_problem;
  while (std::chrono::steady_clock::now() < deadline) {
    last_problem.clear();
    auto table = GetJson(operator_port_, "/v1/routing-table");
    if (!table.ok()) {
      last_problem = table.status().ToString();
    } else {
      std::set<std::string> listed;
      for (const auto& [key, value] : (*table)["entries"].items()) {
        if (key.rfind("endpoints/", 0) != 0 || !value.is_array()) continue;
        for (const auto& e : value) listed.insert(e.value("sidecarId", ""));
      }
      uint64_t version = (*table)["version"].get<uint64_t>();
      for (const auto& r : replicas_) {
        if (!r->sidecar.running()) continue;
        if (!listed.count(r->sidecar_id)) {
          last_problem = r->name + " not in the operator's table";
          break;
        }
        auto ready = GetJson(r->sidecar_port, "/readyz");
        if (!ready.ok() || ready->value("tableVersion", uint64_t{0}) != version) {
          last_problem = r->name + " has not applied table version " + std::to_string(version);
          break;
        }
      }
    }
    if (last_problem.empty()) return Status::OK();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling HTTP endpoints
  }
  return Status::DeadlineExceeded("routing tables did not converge: " + last_problem);
}

LocalReplica* LocalSystem::Find(const std::string& name) {
  for (auto& r : replicas_) {
    if (r->name == name) return r.get();
  }
  return nullptr;
}

std::vector<LocalReplica*> LocalSystem::Replicas(const std::string& app_id) {
  std::vector<LocalReplica*> out;
  for (auto& r : replicas_) {
    if (r->app_id == app_id) out.push_back(r.get());
  }
  return out;
}

void LocalSystem::StopReplica(LocalReplica& replica) {
  replica.sidecar.Stop();
  replica.app.Stop();
}

void LocalSystem::StopAll() {
  for (auto& r : replicas_) r->sidecar.Signal(SIGTERM);  // all drain at once
  for (auto& r : replicas_) r->sidecar.Stop();
  for (auto& r : replicas_) r->app.Stop();
  operator_.Stop();
}

}  // namespace zroute
