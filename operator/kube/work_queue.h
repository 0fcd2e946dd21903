// WorkQueue: the reconcile queue of a controller. Keys ("ns/name") are de-duplicated: a key waits
// in the queue at most once, and a key added while a worker processes it is queued again when the
// worker calls Done(), so no two workers ever hold the same key and no change is lost.
//
// Retries go through AddRateLimited(), which delays the key by the RateLimiter (by default the
// max of 5 ms × 2^n per key, capped at 1000 s, and a 10 qps / burst 100 bucket); Forget() resets a
// key's backoff after a success. AddAfter() delays a key by a fixed time (requeue-after). Delays
// are measured on the injected Clock: with a SimulatedClock, TryGet() after Advance() releases due
// keys deterministically; a blocked Get() notices simulated time within `poll_interval`.
//
// Threads: any thread may call any method. `mu_` guards all state; `cv_` is notified on every add
// and on ShutDown(). After ShutDown(), Add* are ignored and Get() drains the queued keys, then
// returns nullopt. The metric counters are plain atomics the owner exports.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "common/util/clock.h"
#include "operator/kube/rate_limiter.h"

namespace zroute::kube {

struct WorkQueueMetrics {
  std::atomic<int64_t> depth{0};    // keys waiting (not delayed, not processing)
  std::atomic<int64_t> adds{0};     // keys accepted by Add (after de-duplication)
  std::atomic<int64_t> retries{0};  // AddRateLimited calls
};

class WorkQueue {
 public:
  // `clock` must outlive the queue; `limiter` defaults to DefaultControllerRateLimiter.
  explicit WorkQueue(const Clock& clock, std::unique_ptr<RateLimiter> limiter = nullptr,
                     Duration poll_interval = std::chrono::milliseconds(50));

  void Add(const std::string& key);
  void AddAfter(const std::string& key, Duration delay);
  void AddRateLimited(const std::string& key);
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key) const;

  // Blocks until a key is ready; nullopt once shut down and drained. The caller must call
  // Done(key) when finished with it.
  std::optional<std::string> Get();
  // Like Get() but never blocks.
  std::optional<std::string> TryGet();
  void Done(const std::string& key);

  void ShutDown();
  bool ShuttingDown() const;
  size_t Len() const;         // ready keys
  size_t DelayedLen() const;  // keys waiting for their delay
  const WorkQueueMetrics& metrics() const { return metrics_; }

 private:
  void AddLocked(const std::string& key);
  void PromoteDueLocked();
  std::optional<std::string> PopLocked();

  const Clock& clock_;
  const Duration poll_interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unique_ptr<RateLimiter> limiter_;
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;       // queued or to be requeued after Done
  std::set<std::string> processing_;  // handed out by Get, not yet Done
  std::map<std::string, MonoTime> delayed_;  // key → when it becomes ready (earliest wins)
  bool shutting_down_ = false;
  WorkQueueMetrics metrics_;
};

}  // namespace zroute::kube
