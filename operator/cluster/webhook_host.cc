#include "operator/cluster/webhook_host.h"

#include "common/util/ids.h"
#include "common/util/logging.h"
#include "common/util/thread_name.h"
#include "operator/webhook/certificate_checks.h"

namespace zroute::cluster {
namespace {

webhook::CertificateManagerOptions ManagerOptions(const WebhookHostOptions& options) {
  webhook::CertificateManagerOptions m = options.certificates;
  m.service_name = options.service_name;
  m.service_namespace = options.ns;
  return m;
}

std::string Describe(const webhook::PemKeyPair& pair) {
  StatusOr<webhook::CertificateInfo> info = webhook::InspectCertificate(pair.cert_pem);
  if (!info.ok()) return "unparsable";
  return info->common_name + " until " + FormatRfc3339(info->not_after);
}

}  // namespace

WebhookHost::WebhookHost(kube::KubeClient& client, const Clock& clock, WebhookHostOptions options,
                         std::function<bool()> is_leader)
    : client_(client),
      clock_(clock),
      options_(std::move(options)),
      is_leader_(std::move(is_leader)),
      store_(client_, options_.ns, options_.secret_name),
      patcher_(client_, options_.config_name),
      manager_(store_, patcher_, clock_, ManagerOptions(options_)) {}

WebhookHost::~WebhookHost() { Stop(); }

Status WebhookHost::Start() {
  if (options_.ns.empty()) return Status::InvalidArgument("webhook: the operator's namespace is unknown");
  if (options_.secret_name.empty()) return Status::InvalidArgument("webhook: --webhook-secret is required");
  if (options_.cert_mode == WebhookCertMode::kOperator) {
    if (options_.config_name.empty()) return Status::InvalidArgument("webhook: --webhook-config-name is required");
    if (options_.service_name.empty()) return Status::InvalidArgument("webhook: --webhook-service is required");
  }
  if (thread_.joinable()) return Status::FailedPrecondition("webhook: already started");
  server_ = std::make_unique<webhook::WebhookServer>(options_.injector, options_.server);
  thread_ = std::thread([this] {
    SetCurrentThreadName("zr-webhook-host");
    Loop();
  });
  return Status::OK();
}

void WebhookHost::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void WebhookHost::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (server_) server_->Stop();
  serving_ = false;
}

void WebhookHost::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    wake_ = false;
    lock.unlock();
    if (options_.cert_mode == WebhookCertMode::kOperator && is_leader_() &&
        (!next_ensure_ || clock_.Now() >= *next_ensure_)) {
      EnsureCertificates();
    }
    ReloadCertificate();
    lock.lock();
    cv_.wait_for(lock, options_.reload_interval, [this] { return stop_ || wake_; });
  }
}

void WebhookHost::EnsureCertificates() {
  StatusOr<webhook::EnsureResult> result = manager_.EnsureFresh();
  if (!result.ok()) {
    next_ensure_ = clock_.Now() + options_.reload_interval;
    const std::string error = result.status().ToString();
    if (error != last_error_) ZR_LOG(kWarn, "webhook", "certificate check failed", {{"error", error}});
    last_error_ = error;
    return;
  }
  next_ensure_ = clock_.Now() + options_.ensure_interval;
  last_error_.clear();
  if (result->ca_rotated || result->serving_renewed || result->ca_bundle_patched) {
    ZR_LOG(kInfo, "webhook", "certificates updated",
           {{"secret", options_.ns + "/" + options_.secret_name},
            {"caRotated", result->ca_rotated},
            {"servingRenewed", result->serving_renewed},
            {"caBundlePatched", result->ca_bundle_patched},
            {"serving", Describe(result->bundle.serving)}});
  }
  Install(result->bundle.serving);  // no need to wait for the next poll to serve what we saved
}

void WebhookHost::ReloadCertificate() {
  StatusOr<kube::Json> secret = store_.Fetch();
  if (!secret.ok()) {
    // NotFound is normal until the leader (or cert-manager) has written it.
    if (secret.status().code() != StatusCode::kNotFound) {
      ZR_LOG(kDebug, "webhook", "reading serving certificate failed", {{"error", secret.status().ToString()}});
    }
    return;
  }
  std::optional<webhook::PemKeyPair> pair = ServingPairFromSecret(*secret);
  if (pair) Install(*pair);
}

void WebhookHost::Install(const webhook::PemKeyPair& pair) {
  if (installed_ && *installed_ == pair) return;
  Status s = server_->SetCertificate(pair);
  if (!s.ok()) {
    ZR_LOG(kWarn, "webhook", "serving certificate refused; keeping the previous one",
           {{"secret", options_.ns + "/" + options_.secret_name}, {"error", s.ToString()}});
    installed_ = pair;  // do not retry (and log) the same broken pair on every poll
    return;
  }
  installed_ = pair;
  if (!serving_) {
    s = server_->Start();
    if (!s.ok()) {
      ZR_LOG(kError, "webhook", "webhook server failed to start", {{"error", s.ToString()}});
      installed_.reset();  // try again on the next poll
      return;
    }
    port_ = server_->port();
    serving_ = true;
    ZR_LOG(kInfo, "webhook", "serving", {{"port", port_.load()}, {"certificate", Describe(pair)}});
  } else {
    ZR_LOG(kInfo, "webhook", "serving certificate reloaded", {{"certificate", Describe(pair)}});
  }
}

}  // namespace zroute::cluster
