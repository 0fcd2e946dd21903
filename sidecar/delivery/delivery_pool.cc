#include "sidecar/delivery/delivery_pool.h"

#include "common/util/backoff.h"
#include "common/util/logging.h"

namespace zroute {

DeliveryPool::DeliveryPool(const SidecarConfig& config, Clock& clock, SidecarMetrics& metrics,
                           DeadLetterFn dead_letter, CompletionFn on_complete)
    : config_(config), clock_(clock), metrics_(metrics), dead_letter_(std::move(dead_letter)),
      on_complete_(std::move(on_complete)) {}

DeliveryPool::~DeliveryPool() { Drain(clock_.Now()); }

void DeliveryPool::Start() {
  for (int i = 0; i < config_.delivery_threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

void DeliveryPool::Submit(DeliveryTask task) {
  auto* t = new DeliveryTask(std::move(task));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      parked_[t->subscription].push_back(t);
      AdmitLocked(t->subscription);
      cv_.notify_one();
      return;
    }
  }
  Finish(t, Completion::kHandedBack);
}

void DeliveryPool::AdmitLocked(const std::string& subscription) {
  auto it = parked_.find(subscription);
  if (it == parked_.end()) return;
  int limit = 1;
  if (!it->second.empty() && it->second.front()->sub) limit = std::max(1, it->second.front()->sub->spec.delivery.max_in_flight);
  int& active = active_[subscription];
  while (!it->second.empty() && active < limit) {
    ready_.push_back(it->second.front());
    it->second.pop_front();
    ++active;
  }
  if (it->second.empty()) parked_.erase(it);
}

size_t DeliveryPool::InProgress() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = ready_.size() + delayed_.size() + running_;
  for (const auto& [_, q] : parked_) n += q.size();
  return n;
}

void DeliveryPool::WorkerLoop() {
  AppClient client(config_.app_host, config_.app_port, config_.delivery_token);
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    MonoTime now = clock_.Now();
    while (!delayed_.empty() && delayed_.top()->due <= now) {
      ready_.push_back(delayed_.top());
      delayed_.pop();
    }
    if (!ready_.empty()) {
      DeliveryTask* t = ready_.front();
      ready_.pop_front();
      ++running_;
      lock.unlock();
      Run(t, client);
      lock.lock();
      --running_;
      cv_.notify_all();
      continue;
    }
    if (stopping_) return;
    if (delayed_.empty()) {
      cv_.wait(lock);
    } else {
      cv_.wait_for(lock, delayed_.top()->due - now);
    }
  }
}

void DeliveryPool::Run(DeliveryTask* t, AppClient& client) {
  const DeliveryPolicy& policy = t->sub->spec.delivery;
  bool exhausted_or_final = false;
  if (t->last.outcome != DeliveryOutcome::kFinal || t->attempts == 0) {
    ++t->attempts;
    MonoTime start = clock_.Now();
    t->last = client.Deliver(t->sub->spec.route, t->event, policy.attempt_timeout,
                            DeliveryMetadata{t->topic, t->subscription, t->attempts});
    metrics_.delivery_latency.With({t->subscription}, LatencyBuckets())
        .Observe(std::chrono::duration<double>(clock_.Now() - start).count());
    if (t->last.outcome == DeliveryOutcome::kDelivered) {
      metrics_.delivered.With({t->subscription}).Increment();
      Finish(t, Completion::kAcked);
      return;
    }
    metrics_.delivery_failed.With({t->subscription}).Increment();
    // A failure while draining (the app may be shutting down with us) must not use up the
    // event's attempts or dead-letter it: it goes back to be delivered by another replica.
    if (shutting_down_.load()) {
      ZR_LOG(kInfo, "delivery", "delivery failed while draining; handing back",
             {{"subscription", t->subscription}, {"id", t->event.id}, {"error", t->last.error}});
      Finish(t, Completion::kHandedBack);
      return;
    }
    exhausted_or_final = t->last.outcome == DeliveryOutcome::kFinal || t->attempts >= policy.max_attempts;
  } else {
    exhausted_or_final = true;  // a dead-letter publish that failed earlier, tried again
  }

  std::chrono::milliseconds delay;
  if (exhausted_or_final) {
    Status s = dead_letter_(*t);
    if (s.ok()) {
      metrics_.dead_lettered.With({t->subscription}).Increment();
      ZR_LOG(kWarn, "delivery", "event dead-lettered",
             {{"subscription", t->subscription}, {"id", t->event.id}, {"status", t->last.status},
              {"error", t->last.error}, {"attempts", t->attempts}});
      Finish(t, Completion::kAcked);
      return;
    }
    // Never drop: keep the event and try the dead-letter publish again later.
    ZR_LOG(kWarn, "delivery", "dead-letter publish failed; will retry",
           {{"subscription", t->subscription}, {"id", t->event.id}, {"error", s.ToString()}});
    t->last.outcome = DeliveryOutcome::kFinal;
    delay = policy.max_delay;
  } else {
    BackoffSpec spec{policy.backoff == BackoffPolicy::kLinear ? BackoffKind::kLinear : BackoffKind::kExponential,
                     policy.initial_delay, policy.max_delay};
    std::lock_guard<std::mutex> lock(mu_);
    delay = t->last.retry_after ? *t->last.retry_after
                                : BackoffDelay(spec, t->attempts, [this] {
                                    return std::uniform_real_distribution<double>(0, 1)(rng_);
                                  });
  }
  bool hand_back;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hand_back = stopping_;
    if (!hand_back) {
      t->due = clock_.Now() + delay;
      delayed_.push(t);
      cv_.notify_one();
    }
  }
  // Shutting down: hand it back to be delivered elsewhere rather than wait here.
  if (hand_back) {
    Finish(t, Completion::kHandedBack);
  } else if (!exhausted_or_final) {
    metrics_.retried.With({t->subscription}).Increment();
  }
}

void DeliveryPool::Finish(DeliveryTask* t, Completion completion) {
  on_complete_(*t, completion);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = active_.find(t->subscription);
    if (it != active_.end() && --it->second <= 0) active_.erase(it);
    AdmitLocked(t->subscription);
    cv_.notify_one();
  }
  delete t;
}

void DeliveryPool::Drain(MonoTime deadline) {
  std::vector<DeliveryTask*> handed_back;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    for (auto& [_, q] : parked_) {
      for (auto* t : q) handed_back.push_back(t);
    }
    parked_.clear();
    while (!delayed_.empty()) {
      handed_back.push_back(delayed_.top());
      delayed_.pop();
    }
    cv_.notify_all();
  }
  for (auto* t : handed_back) Finish(t, Completion::kHandedBack);
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
  for (auto& w : workers_) w.join();
  workers_.clear();
}

}  // namespace zroute
