// zroute-operator: parses flags and runs the operator until SIGTERM/SIGINT.
// Standalone mode (--manifests DIR) reads resources from a folder of YAML.
#include <signal.h>

#include <iostream>

#include "common/util/flags.h"
#include "common/util/logging.h"
#include "operator/operator.h"

int main(int argc, char** argv) {
  using namespace zroute;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  OperatorConfig c;
  std::string log_level = "info";
  Flags flags("zroute-operator",
              "Watches Topic, Subscription and ScalingPolicy resources, keeps the sidecars' routing table\n"
              "current over ZeroMQ, and computes autoscaling hints from the sidecars' backlog.\n"
              "Standalone mode: --manifests DIR reads the resources from YAML files instead of Kubernetes.");
  flags.String("manifests", &c.manifests_dir, "standalone mode: folder of resource YAML files (re-read on change)");
  flags.Millis("manifests-poll", &c.manifests_poll, "how often the folder is checked for changes");
  flags.String("control-bind", &c.control_bind, "ZeroMQ endpoint sidecars register with");
  flags.String("http-host", &c.http_host, "address of the health, metrics and admin HTTP server");
  flags.Int("http-port", &c.http_port, "port of the health, metrics and admin HTTP server (0: any)");
  flags.Millis("heartbeat-timeout", &c.heartbeat_timeout, "a sidecar silent this long leaves the routing table");
  flags.Millis("scaling-interval", &c.scaling_interval, "how often scaling hints are recomputed");
  flags.String("port-file", &c.port_file, "write the bound ports here as JSON once listening");
  flags.String("log-level", &log_level, "debug, info, warn or error");
  Status s = flags.Parse(argc, argv);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!s.ok()) {
    std::cerr << "zroute-operator: " << s.message() << "\n";
    return 2;
  }
  LogLevel level;
  if (!ParseLogLevel(log_level, &level)) {
    std::cerr << "zroute-operator: --log-level: unknown level '" << log_level << "'\n";
    return 2;
  }
  SetLogLevel(level);
  if (c.manifests_dir.empty()) {
    std::cerr << "zroute-operator: --manifests DIR is required (cluster mode is not enabled in this build)\n";
    return 2;
  }

  Operator op(c, RealClock());
  s = op.Start();
  if (!s.ok()) {
    ZR_LOG(kError, "operator", "start failed", {{"error", s.ToString()}});
    return 1;
  }
  int sig = 0;
  sigwait(&set, &sig);
  ZR_LOG(kInfo, "operator", "signal received", {{"signal", sig}});
  op.Stop();
  return 0;
}
