#include "sidecar/delivery/delivery_pool.h"

#include <algorithm>

#include "common/util/backoff.h"
#include "common/util/logging.h"
#include "common/util/thread_name.h"
#include "sidecar/delivery/async_app_client.h"

namespace zroute {
namespace {
// The pool whose loop this thread drives: its own wake-ups need no eventfd write (the driving loop
// looks at the queues again before it waits).
thread_local const DeliveryPool* current_loop = nullptr;
}  // namespace

DeliveryPool::DeliveryPool(const SidecarConfig& config, Clock& clock, SidecarMetrics& metrics,
                           DeadLetterFn dead_letter, CompletionFn on_complete)
    : config_(config), clock_(clock), metrics_(metrics), dead_letter_(std::move(dead_letter)),
      on_complete_(std::move(on_complete)) {}

DeliveryPool::~DeliveryPool() { Drain(clock_.Now()); }

void DeliveryPool::Start() {
  for (int i = 0; i < config_.max_deliveries; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

void DeliveryPool::StartDriven() {
  driven_ = true;
  app_ = std::make_unique<AsyncAppClient>(config_.app_host, config_.app_port, config_.delivery_token, clock_, &wakeup_);
  if (!app_->ok()) ZR_LOG(kError, "delivery", "no epoll instance: every delivery fails until restart", {});
}

void DeliveryPool::Submit(DeliveryTask task) {
  std::vector<DeliveryTask> one;
  one.push_back(std::move(task));
  SubmitAll(std::move(one));
}

void DeliveryPool::SubmitAll(std::vector<DeliveryTask> tasks) {
  std::vector<DeliveryTask*> owned;
  owned.reserve(tasks.size());
  for (DeliveryTask& task : tasks) owned.push_back(new DeliveryTask(std::move(task)));
  int wake = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      for (DeliveryTask* t : owned) {
        parked_[t->subscription].push_back(t);
        const bool batched = t->sub && t->sub->spec.delivery.batch_max_events > 1;
        // A batched subscription's new tasks go out together with the first worker that wakes.
        if (AdmitLocked(t->subscription) > 0) wake += WakeWorkersLocked(batched ? 1 : ready_.size());
      }
      owned.clear();
    }
  }
  NotifyWorkers(wake);
  for (DeliveryTask* t : owned) Finish(t, Completion::kHandedBack);  // the pool is stopping
}

size_t DeliveryPool::AdmitLocked(const std::string& subscription) {
  auto it = parked_.find(subscription);
  if (it == parked_.end()) return 0;
  int limit = 1;
  if (!it->second.empty() && it->second.front()->sub) limit = std::max(1, it->second.front()->sub->spec.delivery.max_in_flight);
  int& active = active_[subscription];
  size_t admitted = 0;
  while (!it->second.empty() && active < limit) {
    ready_.push_back(it->second.front());
    it->second.pop_front();
    ++active;
    ++admitted;
  }
  if (it->second.empty()) parked_.erase(it);
  return admitted;
}

int DeliveryPool::WakeWorkersLocked(size_t jobs) {
  if (driven_) return 1;  // the Wakeup coalesces: one write while the loop has not looked
  // Every wake-up is a context switch, the dominant cost per event on a small machine; idle
  // workers that would find nothing to do stay asleep.
  if (wakes_pending_ < idle_ && static_cast<size_t>(wakes_pending_) < jobs) {
    ++wakes_pending_;
    return 1;
  }
  return 0;
}

void DeliveryPool::NotifyWorkers(int n) {
  if (driven_) {
    if (n > 0 && current_loop != this) wakeup_.Notify();
    return;
  }
  // Outside mu_: a worker notified while the notifier still holds mu_ wakes only to block on it
  // (a futex call on each side and another context switch per event, seen in strace).
  for (int i = 0; i < n; ++i) cv_.notify_one();
}

size_t DeliveryPool::InProgress() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = ready_.size() + delayed_tasks_ + running_;
  for (const auto& [_, q] : parked_) n += q.size();
  return n;
}

DeliveryPool::Job* DeliveryPool::TakeJobLocked(MonoTime now) {
  if (!delayed_.empty() && delayed_.top()->due <= now) {
    Job* job = delayed_.top();
    delayed_.pop();
    delayed_tasks_ -= job->tasks.size();
    return job;
  }
  if (ready_.empty()) return nullptr;
  auto* job = new Job;
  DeliveryTask* first = ready_.front();
  ready_.pop_front();
  job->tasks.push_back(first);
  const size_t max_events =
      first->sub ? static_cast<size_t>(std::max(1, first->sub->spec.delivery.batch_max_events)) : 1;
  // The rest of the batch: new tasks of the same subscription (and the same route) already in
  // line, in order; the others keep their places.
  for (auto it = ready_.begin(); job->tasks.size() < max_events && it != ready_.end();) {
    DeliveryTask* t = *it;
    if (t->subscription == first->subscription && t->sub && t->sub->spec.route == first->sub->spec.route) {
      job->tasks.push_back(t);
      it = ready_.erase(it);
    } else {
      ++it;
    }
  }
  return job;
}

bool DeliveryPool::NeedsAttempt(const Job& job) {
  const DeliveryTask* lead = job.tasks.front();  // every task of a job has the same attempts and result
  return lead->last.outcome != DeliveryOutcome::kFinal || lead->attempts == 0;
}

DeliveryRequest DeliveryPool::RequestFor(Job* job) {
  const DeliveryTask* lead = job->tasks.front();
  job->started = clock_.Now();
  DeliveryMetadata metadata{lead->topic, lead->subscription, lead->attempts + 1};
  if (job->tasks.size() == 1) return BuildDeliveryRequest(lead->event, metadata);
  std::vector<const CloudEvent*> events;
  events.reserve(job->tasks.size());
  for (const DeliveryTask* t : job->tasks) events.push_back(&t->event);
  return BuildBatchRequest(events, metadata);
}

void DeliveryPool::WorkerLoop() {
  SetCurrentThreadName("zr-deliver");
  AppClient client(config_.app_host, config_.app_port, config_.delivery_token);
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    MonoTime now = clock_.Now();
    if (Job* job = TakeJobLocked(now)) {
      const size_t n = job->tasks.size();
      running_ += n;
      // Work left in line: the next worker starts on it while this one delivers.
      const int wake = !ready_.empty() && wakes_pending_ == 0 ? WakeWorkersLocked(1) : 0;
      lock.unlock();
      NotifyWorkers(wake);
      if (NeedsAttempt(*job)) {
        const std::string route = job->tasks.front()->sub->spec.route;
        const auto timeout = job->tasks.front()->sub->spec.delivery.attempt_timeout;
        DeliveryResult result = client.Post(route, RequestFor(job), timeout);
        if (Settle(job, &result)) DeadLetter({job});
      } else if (Settle(job, nullptr)) {
        DeadLetter({job});
      }
      lock.lock();
      running_ -= n;
      if (stopping_) cv_.notify_all();  // Drain waits for running_ to reach zero
      continue;
    }
    if (stopping_) return;
    ++idle_;
    if (delayed_.empty()) {
      cv_.wait(lock);
    } else {
      cv_.wait_for(lock, delayed_.top()->due - now);
    }
    --idle_;
    if (wakes_pending_ > 0) --wakes_pending_;
  }
}

bool DeliveryPool::Round(std::chrono::milliseconds max_wait) {
  current_loop = this;
  AsyncAppClient& app = *app_;
  const size_t max_running = static_cast<size_t>(config_.max_deliveries);
  // Jobs of this round whose events are to be dead-lettered: published together at its end, so
  // that a round of refusals shares one append and fdatasync per dead-letter topic.
  std::vector<Job*> dead;
  size_t dead_tasks = 0;
  auto done_running = [this](size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    running_ -= n;
    if (stopping_) cv_.notify_all();  // Drain waits for running_ to reach zero
  };
  auto settle = [&](Job* job, const DeliveryResult* result) {
    const size_t n = job->tasks.size();
    if (Settle(job, result)) {
      dead.push_back(job);
      dead_tasks += n;
      return;
    }
    done_running(n);
  };
  std::vector<Job*> taken;
  std::chrono::milliseconds timeout = max_wait;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const MonoTime now = clock_.Now();
    while (app.running() + taken.size() < max_running) {
      Job* job = TakeJobLocked(now);
      if (job == nullptr) break;
      running_ += job->tasks.size();
      taken.push_back(job);
    }
    if (stopping_ && taken.empty() && app.running() == 0) return false;
    if (!delayed_.empty()) {
      auto due = MillisUntil(delayed_.top()->due, now);
      if (timeout.count() < 0 || due < timeout) timeout = due;
    }
  }
  for (Job* job : taken) {
    if (NeedsAttempt(*job)) {
      const Subscription& sub = *job->tasks.front()->sub;
      app.Begin(sub.spec.route, RequestFor(job), sub.spec.delivery.attempt_timeout, job);
    } else {
      settle(job, nullptr);
      timeout = std::chrono::milliseconds(0);  // it may have queued work or a timer: look again
    }
  }
  for (AsyncAppClient::Finished& done : app.Wait(timeout)) settle(static_cast<Job*>(done.tag), &done.result);
  if (!dead.empty()) {
    DeadLetter(dead);
    done_running(dead_tasks);
  }
  return true;
}

void DeliveryPool::Pump() {
  if (app_) Round(std::chrono::milliseconds(0));
}

int DeliveryPool::fd() const { return app_ ? app_->fd() : -1; }

std::chrono::milliseconds DeliveryPool::NextWait() const {
  std::chrono::milliseconds wait(-1);
  const MonoTime now = clock_.Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Work in line that Pump could start (one finished in the last round left room).
    if (!ready_.empty() && app_ && app_->running() < static_cast<size_t>(config_.max_deliveries)) {
      return std::chrono::milliseconds(0);
    }
    if (!delayed_.empty()) {
      wait = MillisUntil(delayed_.top()->due, now);
    }
  }
  if (app_) {
    if (auto next = app_->NextDeadline()) {
      auto left = MillisUntil(*next, now);
      if (wait.count() < 0 || left < wait) wait = left;
    }
  }
  return wait;
}

bool DeliveryPool::Settle(Job* job, const DeliveryResult* result) {
  std::vector<DeliveryTask*>& tasks = job->tasks;
  DeliveryTask* lead = tasks.front();  // every task of the job has the same attempts and result
  // Copies: a finished task (the lead included) is deleted while the job goes on.
  const DeliveryPolicy policy = lead->sub->spec.delivery;
  const std::string subscription = lead->subscription;
  auto finish_all = [&](Completion completion) {
    for (DeliveryTask* t : tasks) Finish(t, completion);
    delete job;
  };
  bool exhausted_or_final = false;
  if (result != nullptr) {
    const int attempt = lead->attempts + 1;
    for (DeliveryTask* t : tasks) {
      t->attempts = attempt;
      t->last = *result;
    }
    metrics_.delivery_latency.With({subscription}, LatencyBuckets())
        .Observe(std::chrono::duration<double>(clock_.Now() - job->started).count());
    if (result->outcome == DeliveryOutcome::kDelivered) {
      metrics_.delivered.With({subscription}).Increment(static_cast<double>(tasks.size()));
      finish_all(Completion::kAcked);
      return false;
    }
    metrics_.delivery_failed.With({subscription}).Increment(static_cast<double>(tasks.size()));
    // A failure while draining (the app may be shutting down with us) must not use up the
    // events' attempts or dead-letter them: they go back to be delivered by another replica.
    if (shutting_down_.load()) {
      ZR_LOG(kInfo, "delivery", "delivery failed while draining; handing back",
             {{"subscription", subscription}, {"id", lead->event.id}, {"events", tasks.size()},
              {"error", result->error}});
      finish_all(Completion::kHandedBack);
      return false;
    }
    exhausted_or_final = result->outcome == DeliveryOutcome::kFinal || attempt >= policy.max_attempts;
  } else {
    exhausted_or_final = true;  // a dead-letter publish that failed earlier, tried again
  }

  if (!exhausted_or_final) {
    BackoffSpec spec{policy.backoff == BackoffPolicy::kLinear ? BackoffKind::kLinear : BackoffKind::kExponential,
                     policy.initial_delay, policy.max_delay};
    std::chrono::milliseconds delay;
    {
      std::lock_guard<std::mutex> lock(mu_);
      delay = lead->last.retry_after ? *lead->last.retry_after
                                     : BackoffDelay(spec, lead->attempts, [this] {
                                         return std::uniform_real_distribution<double>(0, 1)(rng_);
                                       });
    }
    const size_t retrying = tasks.size();  // counted first: once queued, another worker may take it
    if (Requeue(job, delay)) metrics_.retried.With({subscription}).Increment(static_cast<double>(retrying));
    return false;
  }
  return true;
}

void DeliveryPool::DeadLetter(const std::vector<Job*>& jobs) {
  std::vector<const DeliveryTask*> all;
  for (const Job* job : jobs) all.insert(all.end(), job->tasks.begin(), job->tasks.end());
  std::vector<Status> statuses = dead_letter_(all);
  statuses.resize(all.size(), Status::Internal("no dead-letter status"));
  size_t next = 0;
  for (Job* job : jobs) {
    std::vector<DeliveryTask*>& tasks = job->tasks;
    const DeliveryPolicy policy = tasks.front()->sub->spec.delivery;
    const std::string subscription = tasks.front()->subscription;
    // Each event of the job is dead-lettered on its own. Nothing is dropped: an event whose
    // dead-letter publish fails is tried again later without calling the app again; an event whose
    // subscription names no dead-letter topic goes back to the app every maxDelay, until the app
    // takes it or a dead-letter topic is named.
    std::vector<DeliveryTask*> publish_again;
    std::vector<DeliveryTask*> deliver_again;
    Status failure;
    for (DeliveryTask* t : tasks) {
      const Status& s = statuses[next++];
      if (s.ok()) {
        metrics_.dead_lettered.With({subscription}).Increment();
        uint64_t count = 0;
        bool log = false;
        {
          std::lock_guard<std::mutex> lock(log_mu_);
          log = dead_letter_logs_[subscription].Note(clock_.Now(), &count);
        }
        if (log) {
          ZR_LOG(kWarn, "delivery", "event dead-lettered",
                 {{"subscription", subscription}, {"id", t->event.id}, {"status", t->last.status},
                  {"error", t->last.error}, {"attempts", t->attempts}, {"deadLetteredSinceLastLog", count}});
        }
        Finish(t, Completion::kAcked);
      } else if (s.code() == StatusCode::kFailedPrecondition) {
        t->last.outcome = DeliveryOutcome::kRetry;
        deliver_again.push_back(t);
      } else {
        t->last.outcome = DeliveryOutcome::kFinal;
        failure = s;
        publish_again.push_back(t);
      }
    }
    if (!deliver_again.empty()) {
      ZR_LOG(kWarn, "delivery", "delivery failed and the subscription has no dead-letter topic; will deliver again",
             {{"subscription", subscription}, {"id", deliver_again.front()->event.id},
              {"events", deliver_again.size()}, {"attempts", deliver_again.front()->attempts},
              {"status", deliver_again.front()->last.status}, {"error", deliver_again.front()->last.error}});
      const std::chrono::milliseconds delay = deliver_again.front()->last.retry_after.value_or(policy.max_delay);
      const size_t retrying = deliver_again.size();
      Job* again = publish_again.empty() ? job : new Job;
      again->tasks = std::move(deliver_again);
      if (Requeue(again, delay)) metrics_.retried.With({subscription}).Increment(static_cast<double>(retrying));
      if (again == job) continue;
    }
    if (publish_again.empty()) {
      delete job;
      continue;
    }
    ZR_LOG(kWarn, "delivery", "dead-letter publish failed; will retry",
           {{"subscription", subscription}, {"events", publish_again.size()}, {"error", failure.ToString()}});
    job->tasks = std::move(publish_again);
    Requeue(job, policy.max_delay);
  }
}

bool DeliveryPool::Requeue(Job* job, std::chrono::milliseconds delay) {
  bool queued = false;
  int wake = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      job->due = clock_.Now() + delay;
      for (DeliveryTask* t : job->tasks) t->due = job->due;
      delayed_.push(job);
      delayed_tasks_ += job->tasks.size();
      queued = true;
      // A waiting worker may be timed for a later job; one wake-up makes it look again.
      wake = WakeWorkersLocked(1);
    }
  }
  if (queued) {
    NotifyWorkers(wake);
    return true;
  }
  // Shutting down: hand them back to be delivered elsewhere rather than wait here.
  for (DeliveryTask* t : job->tasks) Finish(t, Completion::kHandedBack);
  delete job;
  return false;
}

void DeliveryPool::Finish(DeliveryTask* t, Completion completion) {
  on_complete_(*t, completion);
  int wake = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = active_.find(t->subscription);
    if (it != active_.end() && --it->second <= 0) active_.erase(it);
    if (AdmitLocked(t->subscription) > 0) wake = WakeWorkersLocked(ready_.size());
  }
  NotifyWorkers(wake);
  delete t;
}

void DeliveryPool::Drain(MonoTime deadline) {
  std::vector<DeliveryTask*> handed_back;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (drained_) return;
    drained_ = true;
    stopping_ = true;
    for (auto& [_, q] : parked_) {
      for (auto* t : q) handed_back.push_back(t);
    }
    parked_.clear();
    while (!delayed_.empty()) {
      Job* job = delayed_.top();
      delayed_.pop();
      handed_back.insert(handed_back.end(), job->tasks.begin(), job->tasks.end());
      delete job;
    }
    delayed_tasks_ = 0;
    cv_.notify_all();
  }
  if (driven_) wakeup_.Notify();  // the driving loop looks at stopping_
  for (auto* t : handed_back) Finish(t, Completion::kHandedBack);
  if (driven_ && app_) {
    // The caller's thread drives the deliveries: it runs the rounds until they are done or the
    // deadline comes.
    while (true) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if ((ready_.empty() && running_ == 0) || clock_.Now() >= deadline) break;
      }
      const auto left = MillisUntil(deadline, clock_.Now());
      Round(std::min(left, std::chrono::milliseconds(100)));
    }
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::max(Duration::zero(), deadline - clock_.Now()),
                 [this] { return ready_.empty() && running_ == 0; });
    // Anything not started by the deadline goes back too.
    while (!ready_.empty()) {
      DeliveryTask* t = ready_.front();
      ready_.pop_front();
      lock.unlock();
      Finish(t, Completion::kHandedBack);
      lock.lock();
    }
    cv_.notify_all();
  }
  if (driven_) wakeup_.Notify();
  // Deliveries under way end with the app's answer or their attempt timeout.
  if (driven_ && app_) {
    while (Round(std::chrono::milliseconds(100))) {
    }
  }
  for (auto& w : workers_) w.join();
  workers_.clear();
}

}  // namespace zroute
