#include "operator/kube/work_queue.h"

#include <algorithm>

namespace zroute::kube {

WorkQueue::WorkQueue(const Clock& clock, std::unique_ptr<RateLimiter> limiter, Duration poll_interval)
    : clock_(clock),
      poll_interval_(poll_interval),
      limiter_(limiter ? std::move(limiter) : std::make_unique<DefaultControllerRateLimiter>(clock)) {}

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_ || dirty_.count(key)) return;
  dirty_.insert(key);
  ++metrics_.adds;
  if (processing_.count(key)) return;  // requeued by Done()
  queue_.push_back(key);
  metrics_.depth = static_cast<int64_t>(queue_.size());
  cv_.notify_one();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  AddLocked(key);
}

void WorkQueue::AddAfter(const std::string& key, Duration delay) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_) return;
  if (delay <= Duration::zero()) {
    AddLocked(key);
    return;
  }
  MonoTime ready = clock_.Now() + delay;
  auto [it, inserted] = delayed_.emplace(key, ready);
  if (!inserted) it->second = std::min(it->second, ready);
  cv_.notify_all();  // a blocked Get() may need to wait less
}

void WorkQueue::AddRateLimited(const std::string& key) {
  Duration delay;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutting_down_) return;
    ++metrics_.retries;
    delay = limiter_->When(key);
  }
  AddAfter(key, delay);
}

void WorkQueue::Forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  limiter_->Forget(key);
}

int WorkQueue::NumRequeues(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  return limiter_->NumRequeues(key);
}

void WorkQueue::PromoteDueLocked() {
  MonoTime now = clock_.Now();
  for (auto it = delayed_.begin(); it != delayed_.end();) {
    if (it->second <= now) {
      std::string key = it->first;
      it = delayed_.erase(it);
      AddLocked(key);
    } else {
      ++it;
    }
  }
}

std::optional<std::string> WorkQueue::PopLocked() {
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  metrics_.depth = static_cast<int64_t>(queue_.size());
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    PromoteDueLocked();
    if (!queue_.empty()) return PopLocked();
    if (shutting_down_) return std::nullopt;
    if (delayed_.empty()) {
      cv_.wait(lock);
      continue;
    }
    MonoTime earliest = MonoTime::max();
    for (const auto& [key, ready] : delayed_) earliest = std::min(earliest, ready);
    // The clock may be simulated: never wait longer than the poll interval for it to move.
    Duration wait = std::min<Duration>(earliest - clock_.Now(), poll_interval_);
    cv_.wait_for(lock, std::max(wait, Duration(std::chrono::milliseconds(1))));
  }
}

std::optional<std::string> WorkQueue::TryGet() {
  std::lock_guard<std::mutex> lock(mu_);
  PromoteDueLocked();
  return PopLocked();
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key)) {
    queue_.push_back(key);
    metrics_.depth = static_cast<int64_t>(queue_.size());
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutting_down_ = true;
  delayed_.clear();
  cv_.notify_all();
}

bool WorkQueue::ShuttingDown() const {
  std::lock_guard<std::mutex> lock(mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

size_t WorkQueue::DelayedLen() const {
  std::lock_guard<std::mutex> lock(mu_);
  return delayed_.size();
}

}  // namespace zroute::kube
