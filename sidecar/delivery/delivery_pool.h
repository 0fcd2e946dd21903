// DeliveryPool: the consuming side's worker threads that POST events to the local app.
//
// Each task is one event for one subscription. A worker delivers it; a retryable failure puts it
// back on a timer (the subscription's backoff, or the app's Retry-After); exhausted or final
// failures go to the dead-letter publisher; then the task completes and the link thread acks it.
// At most `maxInFlight` tasks of one subscription are in progress (delivering or waiting to
// retry); the rest wait in line, so one slow subscription does not starve the others.
// Threads: Submit and Drain from any thread; completions are reported from worker threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <queue>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/cloudevents/cloud_event.h"
#include "common/routing/routing_table.h"
#include "common/util/clock.h"
#include "sidecar/delivery/app_client.h"
#include "sidecar/sidecar_config.h"
#include "sidecar/sidecar_metrics.h"

namespace zroute {

struct DeliveryTask {
  std::string peer;  // link identity of the publishing sidecar (where the ack goes)
  uint64_t delivery_id = 0;
  std::string topic;         // "ns/name"
  std::string subscription;  // "ns/name"
  RoutingTablePtr table;     // keeps `sub` alive
  const Subscription* sub = nullptr;
  CloudEvent event;
  int attempts = 0;  // attempts made here
  MonoTime due{};
  DeliveryResult last;
};

enum class Completion { kAcked, kHandedBack };

class DeliveryPool {
 public:
  // Publishes a dead letter for the task; OK when durable. Called from worker threads.
  using DeadLetterFn = std::function<Status(const DeliveryTask&)>;
  // Reports a finished task. Called from worker threads (and from Drain).
  using CompletionFn = std::function<void(const DeliveryTask&, Completion)>;

  DeliveryPool(const SidecarConfig& config, Clock& clock, SidecarMetrics& metrics, DeadLetterFn dead_letter,
               CompletionFn on_complete);
  ~DeliveryPool();

  void Start();
  void Submit(DeliveryTask task);
  // Stops taking work, lets running deliveries finish until `deadline`, hands back the rest.
  // Joins the workers. Idempotent.
  void Drain(MonoTime deadline);
  // Shutdown has begun (Drain will follow): from now on a failed attempt is handed back instead
  // of being retried here or dead-lettered. Any thread.
  void BeginShutdown() { shutting_down_.store(true); }

  size_t InProgress() const;

 private:
  struct DueLater {
    bool operator()(const DeliveryTask* a, const DeliveryTask* b) const { return a->due > b->due; }
  };

  void WorkerLoop();
  void Run(DeliveryTask* task, AppClient& client);
  void Finish(DeliveryTask* task, Completion completion);  // REQUIRES: mu_ not held
  void AdmitLocked(const std::string& subscription);

  const SidecarConfig& config_;
  Clock& clock_;
  SidecarMetrics& metrics_;
  DeadLetterFn dead_letter_;
  CompletionFn on_complete_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<bool> shutting_down_{false};
  std::deque<DeliveryTask*> ready_;
  std::priority_queue<DeliveryTask*, std::vector<DeliveryTask*>, DueLater> delayed_;
  std::map<std::string, std::deque<DeliveryTask*>> parked_;  // over the in-flight limit
  std::map<std::string, int> active_;                        // admitted tasks per subscription
  size_t running_ = 0;
  std::mt19937_64 rng_{std::random_device{}()};
  std::vector<std::thread> workers_;
};

}  // namespace zroute
