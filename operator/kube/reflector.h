// Reflector: keeps an ObjectCache in step with the API server for one resource type (optionally
// one namespace and a label selector) by list + watch, and tells handlers what changed.
//
// Behaviour (docs/kubernetes.md):
// - List (paged) → replace the cache, reporting adds/updates/deletes against the old contents →
//   HasSynced() → watch from the list's RV.
// - A watch that ends cleanly (timeoutSeconds, chosen at random in [min, max] by the injected
//   `random`) is resumed from the last seen RV without relisting. BOOKMARK events advance the RV.
// - An expired RV (HTTP 410 or an ERROR event with code 410) relists at once.
// - Other failures (transport, cut stream, 429/5xx) back off exponentially (initial → max), then
//   re-watch from the last RV; a failed list is retried after the same backoff.
//
// Threads: Start() spawns one thread that owns the list/watch loop and calls the handlers (never
// concurrently, with no lock held; handlers must not call Stop()). Stop() cancels the watch in
// progress, wakes any backoff and joins. `state_mu_` guards resource_version_, synced_, stats_.
// `client` and `cache` must outlive the reflector.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "common/util/clock.h"
#include "operator/kube/kube_client.h"
#include "operator/kube/object_cache.h"

namespace zroute::kube {

struct ReflectorHandlers {
  std::function<void(const Json& object)> on_add;
  std::function<void(const Json& old_object, const Json& object)> on_update;
  std::function<void(const Json& last_known)> on_delete;
};

struct ReflectorOptions {
  std::string label_selector;
  int64_t page_size = 500;
  int min_watch_timeout_seconds = 300;
  int max_watch_timeout_seconds = 600;
  Duration initial_backoff = std::chrono::milliseconds(800);
  Duration max_backoff = std::chrono::seconds(30);
  // Uniform integer in [lo, hi]; defaults to a seeded std::mt19937.
  std::function<int(int lo, int hi)> random;
};

struct ReflectorStats {
  int lists = 0;      // completed full lists (all pages)
  int watches = 0;    // watch requests started
  int expired = 0;    // watches ended by 410
  int errors = 0;     // failed lists or watches
};

class Reflector {
 public:
  Reflector(KubeClient& client, GroupVersionResource gvr, std::string ns, ObjectCache& cache,
            ReflectorHandlers handlers, ReflectorOptions options = {});
  ~Reflector();
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;

  void Start();
  void Stop();

  bool HasSynced() const;
  // Waits (bounded) for the first list to complete.
  bool WaitForSync(Duration timeout) const;
  std::string LastResourceVersion() const;
  ReflectorStats Stats() const;

 private:
  void Run(std::stop_token stop);
  Status ListAndReplace();
  bool HandleEvent(const WatchEvent& event);
  // Waits `backoff` (or until stopped) and doubles it up to the maximum; false when stopped.
  bool WaitBackoff(std::stop_token& stop, Duration& backoff);

  KubeClient& client_;
  const GroupVersionResource gvr_;
  const std::string ns_;
  ObjectCache& cache_;
  const ReflectorHandlers handlers_;
  ReflectorOptions options_;

  mutable std::mutex state_mu_;
  mutable std::condition_variable_any state_cv_;  // notified on sync and on stop
  std::string resource_version_;
  bool synced_ = false;
  ReflectorStats stats_;
  std::jthread thread_;
};

}  // namespace zroute::kube
