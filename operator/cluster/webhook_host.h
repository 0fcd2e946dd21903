// WebhookHost: serves the sidecar-injection webhook from one operator replica in cluster mode.
//
// Every replica runs one (the webhook Service routes to all of them). A background thread:
//   1. cert mode kOperator, while is_leader(): runs CertificateManager::EnsureFresh at start-up
//      (as soon as is_leader() first holds; Wake() makes that prompt) and every ensure_interval
//      after a success, every reload_interval after a failure. It keeps the CA and serving
//      certificate in the Secret and the configuration's caBundle current.
//   2. every reload_interval (and right after 1.): GETs the Secret and, when its tls.crt/tls.key
//      differ from what is served, installs them with WebhookServer::SetCertificate — new
//      connections get the new certificate, the listener is not restarted. The listener starts
//      with the first certificate: until then nothing listens and serving() is false.
//   In cert mode kExternal only 2. runs: someone else (cert-manager) writes the Secret and the
//   caBundle. A pair that does not parse is logged and the previous one kept.
// Polling, not watching: the chart's RBAC grants get/update on the Secret by name, not watch; a
// renewed serving certificate is issued weeks before the old one expires, so a few seconds' delay
// does not matter.
//
// Threads: Start/Stop/Wake/serving/port from any thread; the loop thread owns the manager, the
// store and the server's certificate. `client` and `clock` must outlive the host.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/util/clock.h"
#include "operator/cluster/kube_ca_bundle_patcher.h"
#include "operator/cluster/kube_certificate_store.h"
#include "operator/kube/kube_client.h"
#include "operator/webhook/certificate_manager.h"
#include "operator/webhook/injector_config.h"
#include "operator/webhook/webhook_server.h"

namespace zroute::cluster {

enum class WebhookCertMode { kOperator, kExternal };

struct WebhookHostOptions {
  WebhookCertMode cert_mode = WebhookCertMode::kOperator;
  std::string ns;              // the operator's namespace: the Secret and the Service live here
  std::string secret_name;     // the Secret with tls.crt/tls.key (and, in kOperator mode, the CA)
  std::string config_name;     // MutatingWebhookConfiguration whose caBundle kOperator mode keeps
  std::string service_name;    // the serving certificate names <service>.<ns>.svc
  webhook::InjectorConfig injector;
  webhook::WebhookServerOptions server;  // host, port (0: any), threads, limits
  // Validity and renewal windows; service_name/service_namespace are filled from the above.
  webhook::CertificateManagerOptions certificates;
  Duration ensure_interval = std::chrono::hours(1);
  Duration reload_interval = std::chrono::seconds(10);
};

class WebhookHost {
 public:
  // `is_leader` is called on the loop thread; it must be cheap and thread-safe.
  WebhookHost(kube::KubeClient& client, const Clock& clock, WebhookHostOptions options,
              std::function<bool()> is_leader);
  ~WebhookHost();
  WebhookHost(const WebhookHost&) = delete;
  WebhookHost& operator=(const WebhookHost&) = delete;

  // Checks the options and starts the loop thread; returns without waiting for a certificate.
  Status Start();
  // Runs the loop's next step now (e.g. leadership was just gained).
  void Wake();
  // Stops the loop and the server. Idempotent.
  void Stop();

  // True once a certificate is installed and the listener accepts connections.
  bool serving() const { return serving_.load(); }
  // The bound port once serving(), else 0.
  int port() const { return port_.load(); }

 private:
  void Loop();
  void EnsureCertificates();
  void ReloadCertificate();
  void Install(const webhook::PemKeyPair& pair);

  kube::KubeClient& client_;
  const Clock& clock_;
  const WebhookHostOptions options_;
  const std::function<bool()> is_leader_;
  KubeCertificateStore store_;
  KubeCaBundlePatcher patcher_;
  webhook::CertificateManager manager_;
  std::unique_ptr<webhook::WebhookServer> server_;
  std::optional<webhook::PemKeyPair> installed_;  // loop thread only
  std::optional<MonoTime> next_ensure_;           // loop thread only; unset: as soon as leading
  std::string last_error_;                        // loop thread only: logs each distinct error once
  std::atomic<bool> serving_{false};
  std::atomic<int> port_{0};
  std::thread thread_;
  std::mutex mu_;  // guards stop_, wake_
  std::condition_variable cv_;
  bool stop_ = false;
  bool wake_ = false;
};

}  // namespace zroute::cluster
