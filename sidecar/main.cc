// zroute-sidecar: parses flags, runs one Sidecar until SIGTERM/SIGINT, then drains and exits 0.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "common/security/bearer_token.h"
#include "common/security/curve_keys.h"
#include "common/util/binary_main.h"
#include "common/util/flags.h"
#include "common/util/ids.h"
#include "common/util/logging.h"
#include "sidecar/sidecar.h"

int main(int argc, char** argv) {
  using namespace zroute;
  BlockStopSignals();  // before any thread starts; the main thread waits for them below

  SidecarConfig c;
  std::string log_level = "info";
  Flags flags("zroute-sidecar",
              "Runs beside an app: takes its events over HTTP (POST /v1/publish/{topic}), stores them in a\n"
              "durable outbox, carries them over ZeroMQ to the sidecars of subscribing services, and\n"
              "delivers events for this app's subscriptions to it over HTTP.");
  flags.String("app-id", &c.app_id, "the app-id (service) this sidecar speaks for", true);
  // In a pod the injector sets POD_NAMESPACE and POD_NAME (downward API); flags win over them.
  if (const char* env = std::getenv("POD_NAMESPACE"); env && *env) c.namespace_ = env;
  if (const char* env = std::getenv("POD_NAME"); env && *env) c.pod = env;
  flags.String("namespace", &c.namespace_, "the namespace the app runs in (default: env POD_NAMESPACE, else default)");
  flags.String("pod", &c.pod, "pod name, used in the sidecar id (default: env POD_NAME, else the host name)");
  flags.String("app-host", &c.app_host, "where the app listens");
  flags.Int("app-port", &c.app_port, "the app's HTTP port for deliveries (0: the app only publishes)");
  flags.String("http-host", &c.http_host, "address of the app-facing HTTP API (loopback by default)");
  flags.Int("http-port", &c.http_port, "port of the app-facing HTTP API (0: any free port)");
  flags.String("data-host", &c.data_host, "address the ZeroMQ link port binds to");
  flags.String("data-advertise-host", &c.data_advertise_host, "host peers dial to reach this sidecar (default: --data-host)");
  flags.Int("data-port", &c.data_port, "ZeroMQ link port (0: any free port)");
  flags.String("metrics-host", &c.metrics_host, "address of the metrics and probe listener");
  flags.Int("metrics-port", &c.metrics_port,
            "port serving only GET /metrics, /healthz, /readyz for Prometheus and the kubelet (-1: off, 0: any free port)");
  flags.String("operator", &c.operator_endpoint, "the operator's control endpoint");
  std::string operator_key_file;
  if (const char* env = std::getenv("ZROUTE_OPERATOR_PUBLIC_KEY")) c.operator_public_key = env;
  flags.String("operator-public-key", &c.operator_public_key,
               "the operator's CURVE public key (Z85; env ZROUTE_OPERATOR_PUBLIC_KEY). When set (here or by "
               "--operator-public-key-file), every link and the control channel use CURVE; when not, plain TCP");
  flags.String("operator-public-key-file", &operator_key_file,
               "file holding the operator's public key (the bare key, or the operator's key file layout)");
  std::string curve_key_file;
  flags.String("curve-key-file", &curve_key_file,
               "this sidecar's CURVE keypair file, created when absent (default: a new keypair in memory at "
               "every start)");
  std::string api_token_file, delivery_token_file;
  flags.String("api-token-file", &api_token_file,
               "file holding the API token: calls to /v1/... must send 'Authorization: Bearer <token>' "
               "(env ZROUTE_API_TOKEN; default: no token)");
  flags.String("delivery-token-file", &delivery_token_file,
               "file holding the delivery token, sent to the app as 'Authorization: Bearer <token>' with every "
               "delivery (env ZROUTE_DELIVERY_TOKEN; default: none)");
  flags.String("outbox-dir", &c.outbox_dir, "directory of the durable outbox (empty: in memory, not durable)");
  flags.Uint64("outbox-quota-bytes", &c.outbox_quota_bytes, "disk quota of the outbox; publish answers 429 beyond it");
  flags.String("outbox-sync", &c.outbox_sync, "batch (fdatasync before 202) or interval (fdatasync every --outbox-sync-interval)");
  flags.Millis("outbox-sync-interval", &c.outbox_sync_interval, "fdatasync period under --outbox-sync=interval");
  flags.Uint64("max-body-bytes", &c.max_body_bytes, "largest publish request body");
  flags.String("http-server", &c.http_server, "loop (one epoll thread, shared fdatasync per round) or threads");
  flags.Int("http-threads", &c.http_threads, "threads serving the HTTP API (--http-server=threads)");
  flags.Int("http-max-connections", &c.http_max_connections, "app connections served at once (--http-server=loop)");
  flags.String("delivery", &c.delivery_mode, "link (the link thread drives every delivery to the app) or threads (a thread per delivery)");
  flags.Int("max-deliveries", &c.max_deliveries, "deliveries to the app under way at once");
  uint64_t link_window = c.link_window;
  flags.Uint64("link-window", &link_window,
               "credit granted to each publisher link: events in flight from one publisher sidecar (1..65536)");
  flags.Millis("heartbeat-interval", &c.heartbeat_interval, "heartbeat period on links and to the operator");
  flags.Millis("peer-timeout", &c.peer_timeout, "a peer silent this long is considered gone");
  flags.Millis("drain-timeout", &c.drain_timeout, "how long SIGTERM waits for deliveries in progress");
  flags.String("port-file", &c.port_file, "write the bound ports here as JSON once listening");
  flags.String("log-level", &log_level, "debug, info, warn or error");
  if (auto exit_code = ParseCommandLine(flags, "zroute-sidecar", argc, argv, log_level)) return *exit_code;
  c.link_window = static_cast<uint32_t>(std::min<uint64_t>(link_window, UINT32_MAX));  // Sidecar::Start checks the range
  if (!operator_key_file.empty()) {
    auto key = security::ReadPublicKeyFile(operator_key_file);
    if (!key.ok()) {
      std::cerr << "zroute-sidecar: --operator-public-key-file: " << key.status().ToString() << "\n";
      return 2;
    }
    c.operator_public_key = *key;
  }
  // A token from a file wins over the environment.
  auto token = [](const std::string& file, const char* env, std::string* out) -> bool {
    if (!file.empty()) {
      auto t = security::ReadTokenFile(file);
      if (!t.ok()) {
        std::cerr << "zroute-sidecar: " << t.status().ToString() << "\n";
        return false;
      }
      *out = *t;
    } else if (const char* v = std::getenv(env); v && *v) {
      if (Status s = security::ValidateToken(v); !s.ok()) {
        std::cerr << "zroute-sidecar: " << env << ": " << s.ToString() << "\n";
        return false;
      }
      *out = v;
    }
    return true;
  };
  if (!token(api_token_file, "ZROUTE_API_TOKEN", &c.api_token)) return 2;
  if (!token(delivery_token_file, "ZROUTE_DELIVERY_TOKEN", &c.delivery_token)) return 2;
  if (!curve_key_file.empty()) {
    auto pair = security::LoadOrCreateKeyFile(curve_key_file);
    if (!pair.ok()) {
      std::cerr << "zroute-sidecar: --curve-key-file: " << pair.status().ToString() << "\n";
      return 2;
    }
    c.curve = std::move(pair).value();
  }
  if (c.pod.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof(host) - 1);
    c.pod = host;
  }
  c.sidecar_id = c.pod + "-" + c.app_id + "-" + RandomHex(4);

  Sidecar sidecar(c, RealClock());
  Status s = sidecar.Start();
  if (!s.ok()) {
    ZR_LOG(kError, "sidecar", "start failed", {{"error", s.ToString()}});
    return 1;
  }
  int sig = WaitForStopSignal();
  ZR_LOG(kInfo, "sidecar", "signal received", {{"signal", sig}});
  sidecar.Stop();
  return 0;
}
