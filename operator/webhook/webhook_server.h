// WebhookServer: the HTTPS endpoint the API server calls for sidecar injection.
//
//   POST /mutate-pods  AdmissionReview v1 in, AdmissionReview v1 out (HTTP 200 for every
//                      well-formed HTTP request; a malformed review is a denial inside the review)
//   GET  /healthz      liveness
//   GET  /readyz       ready once a serving certificate is set
//
// Bodies over max_body_bytes are refused with 413, a Content-Type other than application/json with
// 415: the API server always sends application/json well under the limit, so only other callers
// see these. Request headers are bounded as on every zroute endpoint (BoundedHttpsServer: 64 KiB,
// 200 lines, 10 s, then 431 or 408), and so is the TLS handshake (10 s): any pod that can reach the
// webhook port could otherwise grow the operator or hold its few workers.
//
// Certificate reload: the TLS context picks the certificate per handshake (an OpenSSL certificate
// callback reading the current pair under a mutex), so SetCertificate() takes effect for every new
// connection without restarting the listener; connections already established finish on the
// certificate they negotiated. The API server reconnects often enough that a renewed certificate
// (issued weeks before the old one expires) is in use long before the old one runs out.
//
// Threads: Start() runs the listener on one internal thread with a pool of `threads` workers;
// SetCertificate, port and Stop may be called from any thread. The destructor stops the server.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <openssl/ssl.h>

#include "common/util/status.h"
#include "operator/webhook/injector_config.h"
#include "operator/webhook/openssl_pem.h"
#include "operator/webhook/sidecar_injector.h"

namespace zroute {
class BoundedHttpsServer;
}

namespace zroute::webhook {

struct WebhookServerOptions {
  std::string host = "0.0.0.0";
  int port = 8443;  // 0 picks a free port (tests); see port()
  std::size_t max_body_bytes = 1 << 20;
  int threads = 4;
  // Called on a worker thread after every review (logging, metrics). Must be thread-safe.
  std::function<void(const ReviewResult&)> on_review;
};

class WebhookServer {
 public:
  WebhookServer(InjectorConfig config, WebhookServerOptions options);
  ~WebhookServer();
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;

  // Installs (or replaces) the serving certificate; fails without change when the pair does not
  // parse or the key does not match.
  Status SetCertificate(const PemKeyPair& serving);

  // Binds and serves on a background thread; returns once the listener accepts connections.
  // REQUIRES: SetCertificate succeeded; Start not called before.
  Status Start();
  // The bound port (after Start).
  int port() const { return port_; }
  // Stops accepting, finishes in-flight requests, joins the thread. Idempotent.
  void Stop();

 private:
  struct Credentials;
  static int SelectCertificate(SSL* ssl, void* self);
  void RegisterHandlers();

  const InjectorConfig config_;
  const WebhookServerOptions options_;
  mutable std::mutex credentials_mu_;           // guards credentials_
  std::shared_ptr<const Credentials> credentials_;
  std::unique_ptr<BoundedHttpsServer> server_;  // created in the constructor, started by Start()
  std::thread listener_;                        // runs listen_after_bind; joined by Stop()
  int port_ = 0;
};

}  // namespace zroute::webhook
