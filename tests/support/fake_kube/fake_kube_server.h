// FakeKubeServer: a TEST DOUBLE of the Kubernetes API server, served over plain HTTP on
// 127.0.0.1 (port 0) with cpp-httplib. Not for production use. It routes
//   /api/v1/namespaces/{ns}/{resource}[/{name}[/{sub}]]
//   /apis/{group}/{version}/namespaces/{ns}/{resource}[/{name}[/{sub}]]
//   /api/v1/{resource}..., /apis/{group}/{version}/{resource}...   (cluster-wide list/watch and
//                                                                   cluster-scoped objects)
// to a generic FakeKubeStore (semantics documented there and in docs/kubernetes.md), streams
// watches as chunked newline-delimited JSON, and adds what tests need to provoke the failure modes
// the client must survive: bearer-token auth with a settable token, injected 429/500 faults,
// per-verb request counters, abrupt or clean stream ends, history compaction, both forms of an
// expired watch (HTTP 410, or HTTP 200 + ERROR event).
//
// Lifetime: Start() once, Stop() (or the destructor) joins the listener thread and ends every
// watch stream. All methods are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <httplib.h>

#include "common/util/status.h"
#include "tests/support/fake_kube/fake_kube_store.h"

namespace zroute::testing {

class FakeKubeServer {
 public:
  // How a watch from a resourceVersion older than the retained history is refused.
  enum class ExpiredWatchMode { kHttp410, kErrorEvent };

  explicit FakeKubeServer(size_t history_limit = 100000);
  // Serves HTTPS with this certificate and key (PEM files, e.g. from WriteSelfSignedCert()).
  FakeKubeServer(const std::string& cert_path, const std::string& key_path, size_t history_limit = 100000);
  ~FakeKubeServer();
  FakeKubeServer(const FakeKubeServer&) = delete;
  FakeKubeServer& operator=(const FakeKubeServer&) = delete;

  // Binds 127.0.0.1:0 and serves on a background thread; returns once the server accepts requests.
  Status Start();
  void Stop();
  int port() const { return port_; }
  std::string url() const { return (https_ ? "https" : "http") + std::string("://127.0.0.1:") + std::to_string(port_); }

  FakeKubeStore& store() { return store_; }

  // Requests must carry `Authorization: Bearer <token>`; empty (the default) disables auth.
  void SetValidToken(const std::string& token);
  void SetExpiredWatchMode(ExpiredWatchMode mode) { expired_mode_ = mode; }
  // The next `count` requests whose path starts with `path_prefix` (and whose Kubernetes verb is
  // `verb`, if not empty) answer `code` (429 carries Retry-After: 1) with a Status body. A 410
  // fault on a watch follows the ExpiredWatchMode (HTTP 410, or 200 + ERROR event).
  void InjectFaults(const std::string& path_prefix, int code, int count, const std::string& verb = "");

  // Every open watch stream ends abruptly (no terminating chunk): the client sees a read error.
  void CutWatches();
  // Every open watch stream ends cleanly, as at timeoutSeconds.
  void CloseWatches();
  // Every open watch stream that allows bookmarks gets a BOOKMARK with the current RV.
  void SendBookmarks();

  // Requests received (before auth and faults) for a Kubernetes verb ("get", "list", "watch",
  // "create", "update", "patch", "delete"; "" for any) whose path starts with `path_prefix`.
  int RequestCount(const std::string& verb, const std::string& path_prefix = "") const;
  // Responses sent with this HTTP code.
  int ResponseCount(int code) const;
  int ActiveWatches() const { return active_watches_.load(); }

 private:
  struct Fault {
    std::string prefix;
    std::string verb;
    int code;
    int remaining;
  };
  struct Route {
    FakeGvr gvr;
    std::string ns, name, sub;
  };
  struct WatchStream;

  void Handle(const httplib::Request& req, httplib::Response& res);
  bool ParsePath(const std::string& path, Route& route) const;
  void ServeWatch(const Route& route, const httplib::Request& req, httplib::Response& res);
  bool WatchStep(WatchStream& ws, httplib::DataSink& sink);
  void Reply(httplib::Response& res, const FakeReply& reply);

  FakeKubeStore store_;
  const bool https_;
  std::unique_ptr<httplib::Server> server_;
  std::thread listener_;
  int port_ = 0;
  std::atomic<ExpiredWatchMode> expired_mode_{ExpiredWatchMode::kHttp410};
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> cut_generation_{0};
  std::atomic<uint64_t> close_generation_{0};
  std::atomic<uint64_t> bookmark_generation_{0};
  std::atomic<int> active_watches_{0};

  mutable std::mutex mu_;  // guards token_, faults_, requests_, responses_
  std::string token_;
  std::vector<Fault> faults_;
  std::map<std::pair<std::string, std::string>, int> requests_;  // (verb, path) → count
  std::map<int, int> responses_;
};

}  // namespace zroute::testing
