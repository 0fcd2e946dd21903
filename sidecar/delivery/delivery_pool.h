// DeliveryPool: the consuming side's deliveries of events to the local app: what goes next, how
// many at once, retries, dead letters and the drain.
//
// Two ways to run the deliveries (SidecarConfig::delivery_mode):
//   "link" (default, StartDriven): an event loop drives every delivery under way on its own
//     keep-alive connection (AsyncAppClient, epoll), with no thread of its own: the sidecar's
//     link thread runs it (Pump), so an event goes from the link to the app and its ack back
//     without a hand-off between threads. A dead-letter publish (an fdatasync) holds up the link.
//   "threads" (Start): a thread per delivery under way, each blocking on the app's answer
//     (AppClient).
// Either way at most `max_deliveries` run at once, and everything below holds for both.
//
// Each task is one event for one subscription. A delivery takes it; a retryable failure puts it
// back on a timer (the subscription's backoff, or the app's Retry-After); exhausted or final
// failures go to the dead-letter publisher; then the task completes and the link thread acks it.
// Nothing is dropped: when the subscription names no dead-letter topic, an exhausted or refused
// event is delivered again every maxDelay (its key waits behind it, per-key order holds).
// At most `maxInFlight` tasks of one subscription are in progress (delivering or waiting to
// retry); the rest wait in line, so one slow subscription does not starve the others.
//
// Batches: for a subscription with delivery.batch.maxEvents > 1, a worker that takes a new task
// also takes the other new tasks of that subscription already in line (up to maxEvents, in
// order) and POSTs them as one batch; nothing waits to fill a batch. The batch is one delivery
// attempt for all of its events: retried as a whole, with one attempt count; when it is exhausted
// or refused, each event is dead-lettered on its own. Per-key order holds because a publisher
// has at most one event of a key in flight to this replica (the dispatcher's claim).
// Threads: Submit from any thread; Drain from any thread, but under StartDriven from the driving
// thread; completions and dead-letter publishes run on the delivering thread(s).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/cloudevents/cloud_event.h"
#include "common/routing/routing_table.h"
#include "common/util/clock.h"
#include "common/util/log_throttle.h"
#include "common/util/wakeup.h"
#include "sidecar/delivery/app_client.h"
#include "sidecar/sidecar_config.h"
#include "sidecar/sidecar_metrics.h"

namespace zroute {

class AsyncAppClient;

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
  // Publishes a dead letter for each task, and returns one Status per task, in order: OK when
  // durable. FailedPrecondition means the subscription names no dead-letter topic (the event then
  // goes back to the app); any other error means "try the publish again later". Called from the
  // delivering thread(s), with the refused or exhausted tasks of one round (link) or one job
  // (threads), so that their publishes can share one append and fdatasync per topic.
  using DeadLetterFn = std::function<std::vector<Status>(const std::vector<const DeliveryTask*>&)>;
  // Reports a finished task. Called from worker threads (and from Drain).
  using CompletionFn = std::function<void(const DeliveryTask&, Completion)>;

  DeliveryPool(const SidecarConfig& config, Clock& clock, SidecarMetrics& metrics, DeadLetterFn dead_letter,
               CompletionFn on_complete);
  ~DeliveryPool();

  // "threads": starts max_deliveries worker threads.
  void Start();
  // "link", instead of Start: the caller's event loop drives the deliveries (the sidecar's link
  // thread). It polls fd() for reading beside its own descriptors, waits no longer than
  // NextWait(), and calls Pump() after each wait and after submitting. Drain, called from that
  // thread, runs the rounds itself until the deliveries are done.
  void StartDriven();
  void Pump();                                // one round without waiting; the driving thread
  int fd() const;                             // readable when Pump has work; -1 before StartDriven
  std::chrono::milliseconds NextWait() const;  // until the next timer (negative: none)

  void Submit(DeliveryTask task);
  // Submits the tasks in order under one lock (the events of one link message): one lock round
  // and one wake-up decision for all of them instead of one each.
  void SubmitAll(std::vector<DeliveryTask> tasks);
  // Stops taking work, lets running deliveries finish until `deadline`, hands back the rest.
  // Joins the workers. Idempotent.
  void Drain(MonoTime deadline);
  // Shutdown has begun (Drain will follow): from now on a failed attempt is handed back instead
  // of being retried here or dead-lettered. Any thread.
  void BeginShutdown() { shutting_down_.store(true); }

  size_t InProgress() const;

 private:
  // One POST to the app: one task, or a batch of one subscription's tasks, which share their
  // attempts, due time and last result.
  struct Job {
    std::vector<DeliveryTask*> tasks;
    MonoTime due{};
    MonoTime started{};  // of the attempt under way
  };
  struct DueLater {
    bool operator()(const Job* a, const Job* b) const { return a->due > b->due; }
  };

  void WorkerLoop();  // "threads": one of max_deliveries
  // One round of the driven loop: starts what may start, waits up to `max_wait` or the next
  // timer for answers, and settles them. False once the pool is stopping and nothing is under
  // way. The driving thread only.
  bool Round(std::chrono::milliseconds max_wait);
  Job* TakeJobLocked(MonoTime now);
  // False for a job whose events only wait for their dead-letter publish to be tried again.
  static bool NeedsAttempt(const Job& job);
  // The attempt's HTTP request; sets job->started.
  DeliveryRequest RequestFor(Job* job);
  // Everything after an attempt (`result`; null when NeedsAttempt was false): acks and retry
  // timers. Returns true when the job's events are to be dead-lettered (DeadLetter takes the job
  // then); otherwise the job is finished, requeued or deleted. REQUIRES: mu_ not held.
  bool Settle(Job* job, const DeliveryResult* result);
  // Dead-letters the events of `jobs` with one DeadLetterFn call, then finishes, requeues or
  // deletes each job. REQUIRES: mu_ not held.
  void DeadLetter(const std::vector<Job*>& jobs);
  // Queues the job to run again after `delay`. When the pool is stopping, hands its tasks back
  // and deletes it instead, and returns false. REQUIRES: mu_ not held.
  bool Requeue(Job* job, std::chrono::milliseconds delay);
  void Finish(DeliveryTask* task, Completion completion);  // REQUIRES: mu_ not held
  // Moves parked tasks of `subscription` into line while it is under its in-flight limit;
  // returns how many moved.
  size_t AdmitLocked(const std::string& subscription);
  // Counts a wake-up of an idle worker for work just put in line, unless enough are already
  // waking, and returns how many workers to notify (0 or 1); the caller hands that to
  // NotifyWorkers once it has released mu_. A woken worker that leaves work behind wakes the next
  // (WorkerLoop), so a batch of tasks that one worker will take as one POST costs one wake-up, not
  // one per task. `jobs`: how many workers the new work can keep busy.
  int WakeWorkersLocked(size_t jobs);
  void NotifyWorkers(int n);  // REQUIRES: mu_ not held

  const SidecarConfig& config_;
  Clock& clock_;
  SidecarMetrics& metrics_;
  DeadLetterFn dead_letter_;
  CompletionFn on_complete_;

  // "event dead-lettered": a line a second per subscription, with the count, not one per event
  // (a service refusing everything dead-letters thousands a second).
  std::mutex log_mu_;  // guards dead_letter_logs_ (dead letters come from every worker thread)
  std::map<std::string, LogThrottle> dead_letter_logs_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<bool> shutting_down_{false};
  std::deque<DeliveryTask*> ready_;  // admitted, not yet attempted
  std::priority_queue<Job*, std::vector<Job*>, DueLater> delayed_;  // waiting to be tried again
  size_t delayed_tasks_ = 0;
  std::map<std::string, std::deque<DeliveryTask*>> parked_;  // over the in-flight limit
  std::map<std::string, int> active_;                        // admitted tasks per subscription
  size_t running_ = 0;  // tasks in jobs being run
  int idle_ = 0;           // workers waiting on cv_
  int wakes_pending_ = 0;  // notified, not yet awake (a bound on extra notifications, not exact)
  std::mt19937_64 rng_{std::random_device{}()};
  bool drained_ = false;
  std::vector<std::thread> workers_;    // "threads"
  bool driven_ = false;                  // StartDriven was called; set before any Submit
  Wakeup wakeup_;                        // "link": makes the driving loop look (work, drain)
  std::unique_ptr<AsyncAppClient> app_;  // "link"; the driving thread only
};

}  // namespace zroute
