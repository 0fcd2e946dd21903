// HttpKubeClient: KubeClient over HTTP(S) with cpp-httplib.
//
// - HTTPS verifies the server against the configured CA (file or inline PEM) unless the config
//   says insecure-skip-tls-verify; client certificates are optional.
// - Every request carries `Authorization: Bearer <token>` from the TokenSource. After a 401 the
//   source is invalidated (re-read from its file) and the request is retried once, so a token
//   rotation is invisible to callers.
// - Ordinary requests reuse a small pool of keep-alive connections; each watch has its own
//   connection, shut down when the caller's stop token fires.
// - No other retries: 429/5xx come back as errors and the caller (reflector, reconciler queue)
//   decides when to try again.
//
// Thread-safe. `clock` passed to Create() must outlive the client.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/util/clock.h"
#include "operator/kube/kube_client.h"
#include "operator/kube/kube_config.h"
#include "operator/kube/token_source.h"

namespace httplib {
class ClientImpl;
}

namespace zroute::kube {

struct HttpKubeClientOptions {
  Duration connect_timeout = std::chrono::seconds(5);
  Duration request_timeout = std::chrono::seconds(30);  // read/write timeout of ordinary requests
  // A watch's read timeout is its timeoutSeconds plus this margin (or 1 h without timeoutSeconds).
  Duration watch_read_margin = std::chrono::seconds(30);
  size_t max_idle_connections = 4;
  size_t max_watch_line_bytes = 16 * 1024 * 1024;
};

class HttpKubeClient final : public KubeClient {
 public:
  static StatusOr<std::unique_ptr<HttpKubeClient>> Create(const KubeConfig& config, const Clock& clock,
                                                          HttpKubeClientOptions options = {});
  ~HttpKubeClient() override;

  StatusOr<Json> Get(const ResourceRef& ref) override;
  StatusOr<ListResult> List(const GroupVersionResource& gvr, const std::string& ns,
                            const ListOptions& options) override;
  StatusOr<WatchEnd> Watch(const GroupVersionResource& gvr, const std::string& ns, const WatchOptions& options,
                           const WatchHandler& handler, std::stop_token stop) override;
  StatusOr<Json> Create(const GroupVersionResource& gvr, const std::string& ns, const Json& object) override;
  StatusOr<Json> Update(const ResourceRef& ref, const Json& object) override;
  StatusOr<Json> UpdateStatus(const ResourceRef& ref, const Json& object) override;
  StatusOr<Json> Patch(const ResourceRef& ref, PatchType type, const Json& patch,
                       const std::string& subresource = "") override;
  Status Delete(const ResourceRef& ref) override;

 private:
  struct Answer {
    int code = 0;
    std::string body;
  };
  HttpKubeClient(KubeConfig config, std::unique_ptr<TokenSource> tokens, HttpKubeClientOptions options,
                 std::string scheme, std::string host, int port);

  std::unique_ptr<httplib::ClientImpl> NewConnection(Duration read_timeout) const;
  // One request with the 401 retry; `Answer` holds any HTTP status, errors are transport failures.
  StatusOr<Answer> Send(const std::string& method, const std::string& path, const std::string& body,
                        const std::string& content_type);
  StatusOr<Json> SendJson(const std::string& method, const std::string& path, const std::string& body,
                          const std::string& content_type);
  StatusOr<std::string> Authorization();

  const KubeConfig config_;
  const std::unique_ptr<TokenSource> tokens_;  // null: no bearer token
  const HttpKubeClientOptions options_;
  const std::string scheme_, host_;
  const int port_;
  std::mutex pool_mu_;  // guards idle_
  std::vector<std::unique_ptr<httplib::ClientImpl>> idle_;
};

}  // namespace zroute::kube
