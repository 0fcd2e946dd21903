// SidecarConfig: everything zroute-sidecar is told at start (flags; see sidecar/main.cc --help).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/security/curve_keys.h"

namespace zroute {

struct SidecarConfig {
  // Identity.
  std::string app_id;
  std::string namespace_ = "default";
  std::string pod;         // defaults to the host name
  std::string sidecar_id;  // pod + "-" + random nonce, made at start

  // The app.
  std::string app_host = "127.0.0.1";
  int app_port = 0;  // 0 = this app only publishes

  // Listening.
  std::string http_host = "127.0.0.1";  // app-facing API: loopback only by default
  int http_port = 3500;
  std::string data_host = "127.0.0.1";  // link ROUTER bind address
  std::string data_advertise_host;      // host peers dial; defaults to data_host
  int data_port = 3600;
  // Metrics and probes (GET /metrics, /healthz, /readyz only) for Prometheus and the kubelet, which
  // reach the pod IP, not loopback. -1 = off (they stay on the API port only).
  std::string metrics_host = "0.0.0.0";
  int metrics_port = -1;
  std::string port_file;  // when set, the bound ports are written here as JSON once listening

  // The operator's control endpoint, e.g. tcp://127.0.0.1:7400.
  std::string operator_endpoint = "tcp://127.0.0.1:7400";

  // Security (docs/security.md). CURVE is on when the operator's public key is known: the sidecar
  // then makes its own keypair at start (`curve`), encrypts the control channel and every link,
  // and admits on its link port only the keys the routing table lists.
  std::string operator_public_key;  // Z85; empty = CURVE off (plain TCP, nothing authenticated)
  security::CurveKeyPair curve;     // made by Sidecar::Start when CURVE is on
  std::string api_token;       // when set, publish requires "Authorization: Bearer <token>"
  std::string delivery_token;  // when set, every delivery carries "Authorization: Bearer <token>"

  // Outbox; empty dir = in memory (not durable).
  std::string outbox_dir;
  uint64_t outbox_quota_bytes = 1ull << 30;
  // "batch": fdatasync before answering 202 (no accepted event is lost on power failure);
  // "interval": answer after write(), fdatasync every outbox_sync_interval (a kill -9 loses
  // nothing, a power failure up to one interval). Measured costs: docs/outbox_format.md.
  std::string outbox_sync = "batch";
  std::chrono::milliseconds outbox_sync_interval{10};

  // Limits and timing.
  uint64_t max_body_bytes = 4 << 20;
  // "loop": one thread serves every app connection (epoll) and a round of publishes shares one
  // write and one fdatasync (common/http/event_loop_http_server.h). "threads": a thread per
  // connection, from a pool of http_threads.
  std::string http_server = "loop";
  int http_threads = 64;  // "threads" only: each kept-alive app connection holds one while open
  int http_max_connections = 1024;  // "loop" only: more wait in the accept queue
  // How deliveries to the app run (sidecar/delivery/delivery_pool.h). "link": the link thread
  // drives them all on keep-alive connections (epoll), no hand-off between threads; "threads": a
  // thread per delivery under way (dead-letter publishes then share fdatasyncs).
  std::string delivery_mode = "link";
  int max_deliveries = 16;  // deliveries to the app under way at once (connections, or threads)
  // Credit granted to each publisher link: how many of one publisher sidecar's events may be on
  // their way or waiting here at once (beyond 2x, they are NACKed OVERLOADED). Bounds this
  // sidecar's memory per publisher; too small a window idles a batched pipeline.
  uint32_t link_window = 256;
  std::chrono::milliseconds heartbeat_interval{1000};
  std::chrono::milliseconds peer_timeout{5000};
  std::chrono::milliseconds drain_timeout{20000};
};

inline constexpr uint32_t kMaxLinkWindow = 65536;

}  // namespace zroute
