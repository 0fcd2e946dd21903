// TokenSource: the bearer token for API requests. A projected service-account token expires
// (1 h by default) and the kubelet rotates the file before that, so a file-backed source re-reads
// the file when its copy is older than `refresh_interval` (1 minute) and when the client saw a
// 401 (Invalidate()). A static source (kubeconfig `token:`) never changes.
//
// Thread-safe: `mu_` guards the cached token and the time it was read.
#pragma once

#include <mutex>
#include <string>

#include "common/util/clock.h"
#include "common/util/status.h"

namespace zroute::kube {

class TokenSource {
 public:
  static constexpr Duration kDefaultRefresh = std::chrono::minutes(1);

  // A fixed token.
  explicit TokenSource(std::string token);
  // A token read from `path`; `clock` must outlive the source.
  TokenSource(std::string path, const Clock& clock, Duration refresh_interval = kDefaultRefresh);

  // The current token; re-reads the file when stale or invalidated. An unreadable file keeps the
  // last good token (the rotation may be in progress) and is an error only if there never was one.
  StatusOr<std::string> Token();
  // The server refused the token: the next Token() re-reads the file.
  void Invalidate();
  bool FileBacked() const { return !path_.empty(); }

 private:
  const std::string path_;
  const Clock* clock_ = nullptr;
  const Duration refresh_interval_{};
  std::mutex mu_;
  std::string token_;
  bool have_token_ = false;
  bool stale_ = true;
  MonoTime read_at_{};
};

}  // namespace zroute::kube
