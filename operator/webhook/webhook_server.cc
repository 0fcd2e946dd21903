#include "operator/webhook/webhook_server.h"

#include <chrono>
#include <strings.h>

#include "common/http/bounded_https_server.h"
#include "common/http/listen_thread.h"

namespace zroute::webhook {

struct WebhookServer::Credentials {
  X509Ptr cert;
  EvpPkeyPtr key;
};

namespace {

// "application/json" with or without parameters ("; charset=utf-8"), any case.
bool IsJsonContentType(const std::string& value) {
  const std::string type = value.substr(0, value.find(';'));
  std::size_t b = type.find_first_not_of(" \t"), e = type.find_last_not_of(" \t");
  if (b == std::string::npos) return false;
  const std::string trimmed = type.substr(b, e - b + 1);
  return strcasecmp(trimmed.c_str(), "application/json") == 0;
}

}  // namespace

WebhookServer::WebhookServer(InjectorConfig config, WebhookServerOptions options)
    : config_(std::move(config)), options_(std::move(options)) {
  server_ = std::make_unique<BoundedHttpsServer>([this](SSL_CTX& ctx) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
    SSL_CTX_set_cert_cb(&ctx, &WebhookServer::SelectCertificate, this);
    return true;
  });
  RegisterHandlers();
}

WebhookServer::~WebhookServer() { Stop(); }

int WebhookServer::SelectCertificate(SSL* ssl, void* self) {
  auto* server = static_cast<WebhookServer*>(self);
  std::shared_ptr<const Credentials> creds;
  {
    std::lock_guard<std::mutex> lock(server->credentials_mu_);
    creds = server->credentials_;
  }
  // SSL_use_* take their own references, so the pair may be replaced while this handshake runs.
  if (!creds || SSL_use_certificate(ssl, creds->cert.get()) != 1 || SSL_use_PrivateKey(ssl, creds->key.get()) != 1) {
    return 0;  // aborts the handshake
  }
  return 1;
}

Status WebhookServer::SetCertificate(const PemKeyPair& serving) {
  ZR_RETURN_IF_ERROR(CheckKeyPair(serving));
  auto creds = std::make_shared<Credentials>();
  ZR_ASSIGN_OR_RETURN(creds->cert, ParseCertificatePem(serving.cert_pem));
  ZR_ASSIGN_OR_RETURN(creds->key, ParsePrivateKeyPem(serving.key_pem));
  std::lock_guard<std::mutex> lock(credentials_mu_);
  credentials_ = std::move(creds);
  return Status::OK();
}

void WebhookServer::RegisterHandlers() {
  BoundedHttpsServer& s = *server_;
  s.set_tcp_nodelay(true);
  s.set_payload_max_length(options_.max_body_bytes);
  // The API server keeps connections alive across reviews; its per-call timeout is at most 30 s.
  s.set_keep_alive_max_count(1000);
  s.set_keep_alive_timeout(30);
  s.set_read_timeout(10, 0);
  s.set_write_timeout(10, 0);
  const int threads = options_.threads > 0 ? options_.threads : 1;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };

  s.Post("/mutate-pods", [this](const httplib::Request& req, httplib::Response& res) {
    if (!IsJsonContentType(req.get_header_value("Content-Type"))) {
      res.status = 415;
      res.set_content("Content-Type must be application/json\n", "text/plain");
      return;
    }
    ReviewResult result = ReviewAdmissionBody(req.body, config_);
    res.status = 200;
    res.set_content(result.review.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
    if (options_.on_review) options_.on_review(result);
  });
  s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  s.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(credentials_mu_);
    res.status = credentials_ ? 200 : 503;
    res.set_content(credentials_ ? "ok\n" : "no serving certificate\n", "text/plain");
  });
}

Status WebhookServer::Start() {
  if (!server_->is_valid()) return Status::Internal("TLS context setup failed");
  {
    std::lock_guard<std::mutex> lock(credentials_mu_);
    if (!credentials_) return Status::FailedPrecondition("no serving certificate set");
  }
  if (listener_.joinable()) return Status::FailedPrecondition("already started");
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
    if (port_ <= 0) return Status::IOError("cannot bind " + options_.host + ":0");
  } else {
    if (!server_->bind_to_port(options_.host, options_.port)) {
      return Status::IOError("cannot bind " + options_.host + ":" + std::to_string(options_.port));
    }
    port_ = options_.port;
  }
  auto listener = StartListenThread(*server_, "zr-webhook");
  if (!listener.ok()) return listener.status();
  listener_ = std::move(listener).value();
  return Status::OK();
}

void WebhookServer::Stop() {
  if (listener_.joinable()) {
    server_->stop();
    listener_.join();
  }
}

}  // namespace zroute::webhook
