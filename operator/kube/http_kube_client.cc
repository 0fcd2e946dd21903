#include "operator/kube/http_kube_client.h"

#include "operator/kube/watch_decoder.h"

#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <atomic>
#include <filesystem>

namespace zroute::kube {
namespace {

// Builds an X509_STORE from PEM text; the caller hands it to the SSL client, which owns it.
X509_STORE* StoreFromPem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return nullptr;
  STACK_OF(X509_INFO)* infos = PEM_X509_INFO_read_bio(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (infos == nullptr) return nullptr;
  X509_STORE* store = X509_STORE_new();
  int added = 0;
  for (int i = 0; i < sk_X509_INFO_num(infos); ++i) {
    X509_INFO* info = sk_X509_INFO_value(infos, i);
    if (info->x509 != nullptr && X509_STORE_add_cert(store, info->x509) == 1) ++added;
  }
  sk_X509_INFO_pop_free(infos, X509_INFO_free);
  if (added == 0) {
    X509_STORE_free(store);
    return nullptr;
  }
  return store;
}

std::string Query(std::initializer_list<std::pair<const char*, std::string>> params) {
  std::string q;
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    q += (q.empty() ? "?" : "&");
    q += std::string(k) + "=" + UrlEncode(v);
  }
  return q;
}

}  // namespace

StatusOr<std::unique_ptr<HttpKubeClient>> HttpKubeClient::Create(const KubeConfig& config, const Clock& clock,
                                                                 HttpKubeClientOptions options) {
  std::string url = config.server;
  std::string scheme;
  if (url.rfind("https://", 0) == 0) {
    scheme = "https";
    url = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    scheme = "http";
    url = url.substr(7);
  } else {
    return Status::InvalidArgument("API server URL must start with http:// or https://: " + config.server);
  }
  url = url.substr(0, url.find('/'));
  std::string host;
  std::string port_text;
  if (!url.empty() && url[0] == '[') {
    size_t close = url.find(']');
    if (close == std::string::npos) return Status::InvalidArgument("unbalanced '[' in server URL");
    host = url.substr(1, close - 1);
    if (close + 1 < url.size() && url[close + 1] == ':') port_text = url.substr(close + 2);
  } else {
    size_t colon = url.rfind(':');
    host = url.substr(0, colon);
    if (colon != std::string::npos) port_text = url.substr(colon + 1);
  }
  int port = scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    try {
      size_t used = 0;
      port = std::stoi(port_text, &used);
      if (used != port_text.size() || port <= 0 || port > 65535) throw std::out_of_range("port");
    } catch (const std::exception&) {
      return Status::InvalidArgument("bad port in server URL: " + config.server);
    }
  }
  if (host.empty()) return Status::InvalidArgument("no host in server URL: " + config.server);
  if (scheme == "https" && !config.insecure_skip_tls_verify) {
    if (config.ca_pem.empty() && config.ca_file.empty()) {
      return Status::InvalidArgument("https without a CA certificate (set certificate-authority)");
    }
    if (!config.ca_pem.empty()) {
      X509_STORE* store = StoreFromPem(config.ca_pem);
      if (store == nullptr) return Status::InvalidArgument("certificate-authority-data holds no certificate");
      X509_STORE_free(store);
    } else if (!std::filesystem::exists(config.ca_file)) {
      return Status::NotFound("CA file not found: " + config.ca_file);
    }
  }
  std::unique_ptr<TokenSource> tokens;
  if (!config.token_file.empty()) {
    tokens = std::make_unique<TokenSource>(config.token_file, clock);
  } else if (!config.token.empty()) {
    tokens = std::make_unique<TokenSource>(config.token);
  }
  return std::unique_ptr<HttpKubeClient>(
      new HttpKubeClient(config, std::move(tokens), options, scheme, host, port));
}

HttpKubeClient::HttpKubeClient(KubeConfig config, std::unique_ptr<TokenSource> tokens, HttpKubeClientOptions options,
                               std::string scheme, std::string host, int port)
    : config_(std::move(config)),
      tokens_(std::move(tokens)),
      options_(options),
      scheme_(std::move(scheme)),
      host_(std::move(host)),
      port_(port) {}

HttpKubeClient::~HttpKubeClient() = default;

std::unique_ptr<httplib::ClientImpl> HttpKubeClient::NewConnection(Duration read_timeout) const {
  std::unique_ptr<httplib::ClientImpl> cli;
  if (scheme_ == "https") {
    std::unique_ptr<httplib::SSLClient> ssl;
    if (!config_.client_cert_pem.empty() && !config_.client_key_pem.empty()) {
      BIO* cb = BIO_new_mem_buf(config_.client_cert_pem.data(), static_cast<int>(config_.client_cert_pem.size()));
      BIO* kb = BIO_new_mem_buf(config_.client_key_pem.data(), static_cast<int>(config_.client_key_pem.size()));
      X509* cert = cb ? PEM_read_bio_X509(cb, nullptr, nullptr, nullptr) : nullptr;
      EVP_PKEY* key = kb ? PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr) : nullptr;
      ssl = std::make_unique<httplib::SSLClient>(host_, port_, cert, key);
      if (cert) X509_free(cert);
      if (key) EVP_PKEY_free(key);
      if (cb) BIO_free(cb);
      if (kb) BIO_free(kb);
    } else if (!config_.client_cert_file.empty()) {
      ssl = std::make_unique<httplib::SSLClient>(host_, port_, config_.client_cert_file, config_.client_key_file);
    } else {
      ssl = std::make_unique<httplib::SSLClient>(host_, port_);
    }
    if (config_.insecure_skip_tls_verify) {
      ssl->enable_server_certificate_verification(false);
    } else {
      ssl->enable_server_certificate_verification(true);
      if (!config_.ca_pem.empty()) {
        ssl->set_ca_cert_store(StoreFromPem(config_.ca_pem));
      } else {
        ssl->set_ca_cert_path(config_.ca_file);
      }
    }
    cli = std::move(ssl);
  } else {
    cli = std::make_unique<httplib::ClientImpl>(host_, port_);
  }
  auto usec = [](Duration d) { return std::chrono::duration_cast<std::chrono::microseconds>(d); };
  cli->set_tcp_nodelay(true);
  cli->set_keep_alive(true);
  cli->set_connection_timeout(usec(options_.connect_timeout));
  cli->set_read_timeout(usec(read_timeout));
  cli->set_write_timeout(usec(options_.request_timeout));
  return cli;
}

StatusOr<std::string> HttpKubeClient::Authorization() {
  if (!tokens_) return std::string();
  ZR_ASSIGN_OR_RETURN(std::string token, tokens_->Token());
  return "Bearer " + token;
}

StatusOr<HttpKubeClient::Answer> HttpKubeClient::Send(const std::string& method, const std::string& path,
                                                      const std::string& body, const std::string& content_type) {
  for (int attempt = 0;; ++attempt) {
    ZR_ASSIGN_OR_RETURN(std::string auth, Authorization());
    httplib::Headers headers{{"Accept", "application/json"}};
    if (!auth.empty()) headers.emplace("Authorization", auth);
    std::unique_ptr<httplib::ClientImpl> cli;
    {
      std::lock_guard<std::mutex> lock(pool_mu_);
      if (!idle_.empty()) {
        cli = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!cli) cli = NewConnection(options_.request_timeout);
    httplib::Result res = method == "GET"    ? cli->Get(path.c_str(), headers)
                          : method == "POST" ? cli->Post(path.c_str(), headers, body, content_type.c_str())
                          : method == "PUT"  ? cli->Put(path.c_str(), headers, body, content_type.c_str())
                          : method == "PATCH" ? cli->Patch(path.c_str(), headers, body, content_type.c_str())
                                              : cli->Delete(path.c_str(), headers);
    if (!res) {
      return Status::Unavailable(method + " " + path + ": " + httplib::to_string(res.error()));
    }
    Answer answer{res->status, res->body};
    {
      std::lock_guard<std::mutex> lock(pool_mu_);
      if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(cli));
    }
    if (answer.code == 401 && attempt == 0 && tokens_ && tokens_->FileBacked()) {
      tokens_->Invalidate();  // the token was rotated under us: re-read it and try once more
      continue;
    }
    return answer;
  }
}

StatusOr<Json> HttpKubeClient::SendJson(const std::string& method, const std::string& path, const std::string& body,
                                        const std::string& content_type) {
  ZR_ASSIGN_OR_RETURN(Answer answer, Send(method, path, body, content_type));
  if (answer.code < 200 || answer.code > 299) return StatusFromHttp(answer.code, answer.body);
  try {
    return Json::parse(answer.body);
  } catch (const Json::exception& e) {
    return Status::Internal(method + " " + path + ": malformed JSON answer: " + e.what());
  }
}

StatusOr<Json> HttpKubeClient::Get(const ResourceRef& ref) { return SendJson("GET", ref.Path(), "", ""); }

StatusOr<ListResult> HttpKubeClient::List(const GroupVersionResource& gvr, const std::string& ns,
                                          const ListOptions& options) {
  std::string path = gvr.CollectionPath(ns) +
                     Query({{"labelSelector", options.label_selector},
                            {"limit", options.limit > 0 ? std::to_string(options.limit) : ""},
                            {"continue", options.continue_token},
                            {"resourceVersion", options.resource_version}});
  ZR_ASSIGN_OR_RETURN(Json list, SendJson("GET", path, "", ""));
  ListResult result;
  try {
    const Json& md = list.at("metadata");
    result.resource_version = md.value("resourceVersion", "");
    result.continue_token = md.value("continue", "");
    if (list.contains("items") && list["items"].is_array()) {
      for (Json& item : list["items"]) result.items.push_back(std::move(item));
    }
  } catch (const Json::exception& e) {
    return Status::Internal("list " + path + ": unexpected answer: " + e.what());
  }
  if (result.resource_version.empty()) return Status::Internal("list " + path + ": no resourceVersion");
  return result;
}

StatusOr<WatchEnd> HttpKubeClient::Watch(const GroupVersionResource& gvr, const std::string& ns,
                                         const WatchOptions& options, const WatchHandler& handler,
                                         std::stop_token stop) {
  std::string path = gvr.CollectionPath(ns) +
                     Query({{"watch", "1"},
                            {"resourceVersion", options.resource_version},
                            {"labelSelector", options.label_selector},
                            {"allowWatchBookmarks", options.allow_bookmarks ? "true" : ""},
                            {"timeoutSeconds", options.timeout_seconds > 0 ? std::to_string(options.timeout_seconds) : ""}});
  Duration read_timeout = options.timeout_seconds > 0
                              ? std::chrono::seconds(options.timeout_seconds) + options_.watch_read_margin
                              : Duration(std::chrono::hours(1));
  for (int attempt = 0;; ++attempt) {
    if (stop.stop_requested()) return WatchEnd::kCancelled;
    ZR_ASSIGN_OR_RETURN(std::string auth, Authorization());
    httplib::Headers headers{{"Accept", "application/json"}};
    if (!auth.empty()) headers.emplace("Authorization", auth);
    std::unique_ptr<httplib::ClientImpl> cli = NewConnection(read_timeout);
    // Shutting the socket down is the only way to interrupt a blocked read. The response handler
    // re-checks the stop token once the request is in flight, which closes the window where the
    // callback fires before the socket exists.
    std::stop_callback on_stop(stop, [&cli] { cli->stop(); });

    int code = 0;
    std::string error_body;
    WatchDecoder decoder(options_.max_watch_line_bytes);
    WatchDecoder::Result decoded = WatchDecoder::Result::kContinue;
    auto on_response = [&](const httplib::Response& r) {
      code = r.status;
      return !stop.stop_requested();
    };
    auto on_data = [&](const char* data, size_t len) {
      if (stop.stop_requested()) return false;
      if (code != 200) {
        if (error_body.size() < 64 * 1024) error_body.append(data, len);
        return true;
      }
      decoded = decoder.Feed(std::string_view(data, len), handler);
      return decoded == WatchDecoder::Result::kContinue;
    };
    httplib::Result res = cli->Get(path.c_str(), headers, on_response, on_data);
    switch (decoded) {
      case WatchDecoder::Result::kExpired:
        return WatchEnd::kExpired;
      case WatchDecoder::Result::kCancelled:
        return WatchEnd::kCancelled;
      case WatchDecoder::Result::kError:
        return Status(decoder.error().code(), "watch " + path + ": " + decoder.error().message());
      case WatchDecoder::Result::kContinue:
        break;
    }
    if (stop.stop_requested()) return WatchEnd::kCancelled;
    if (!res) return Status::Unavailable("watch " + path + ": " + httplib::to_string(res.error()));
    if (code == 401 && attempt == 0 && tokens_ && tokens_->FileBacked()) {
      tokens_->Invalidate();
      continue;
    }
    if (code == 410) return WatchEnd::kExpired;
    if (code != 200) return StatusFromHttp(code, error_body);
    ZR_RETURN_IF_ERROR(decoder.Finish().WithContext("watch " + path));
    return WatchEnd::kClosed;
  }
}

StatusOr<Json> HttpKubeClient::Create(const GroupVersionResource& gvr, const std::string& ns, const Json& object) {
  return SendJson("POST", gvr.CollectionPath(ns), object.dump(), "application/json");
}

StatusOr<Json> HttpKubeClient::Update(const ResourceRef& ref, const Json& object) {
  return SendJson("PUT", ref.Path(), object.dump(), "application/json");
}

StatusOr<Json> HttpKubeClient::UpdateStatus(const ResourceRef& ref, const Json& object) {
  return SendJson("PUT", ref.Path("status"), object.dump(), "application/json");
}

StatusOr<Json> HttpKubeClient::Patch(const ResourceRef& ref, PatchType type, const Json& patch,
                                     const std::string& subresource) {
  const char* content_type =
      type == PatchType::kMerge ? "application/merge-patch+json" : "application/json-patch+json";
  return SendJson("PATCH", ref.Path(subresource), patch.dump(), content_type);
}

Status HttpKubeClient::Delete(const ResourceRef& ref) {
  auto answer = SendJson("DELETE", ref.Path(), "", "");
  return answer.ok() ? Status::OK() : answer.status();
}

}  // namespace zroute::kube
