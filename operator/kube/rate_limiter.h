// Rate limiters for the reconcile work queue, as controllers conventionally combine them:
// the delay for a key is the larger of a per-key exponential backoff (5 ms × 2^failures, capped at
// 1000 s) and a global token bucket (10 qps, burst 100) shared by all keys.
//
// Not thread-safe on their own: WorkQueue calls them under its mutex.
#pragma once

#include <algorithm>
#include <map>
#include <string>

#include "common/util/clock.h"

namespace zroute::kube {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // How long to wait before `key` is retried; counts a failure for it.
  virtual Duration When(const std::string& key) = 0;
  virtual void Forget(const std::string& key) = 0;
  virtual int NumRequeues(const std::string& key) const = 0;
};

class ItemExponentialRateLimiter final : public RateLimiter {
 public:
  ItemExponentialRateLimiter(Duration base = std::chrono::milliseconds(5), Duration cap = std::chrono::seconds(1000))
      : base_(base), cap_(cap) {}
  Duration When(const std::string& key) override;
  void Forget(const std::string& key) override { failures_.erase(key); }
  int NumRequeues(const std::string& key) const override;

 private:
  const Duration base_, cap_;
  std::map<std::string, int> failures_;
};

// Tokens refill at `qps` up to `burst`; a reservation may drive the balance negative, and the
// delay is the time until it is paid back (so a burst of retries is spread out at `qps`).
class TokenBucketRateLimiter final : public RateLimiter {
 public:
  TokenBucketRateLimiter(const Clock& clock, double qps = 10, double burst = 100);
  Duration When(const std::string& key) override;
  void Forget(const std::string&) override {}
  int NumRequeues(const std::string&) const override { return 0; }

 private:
  const Clock& clock_;
  const double qps_, burst_;
  double tokens_;
  MonoTime last_;
};

// The maximum of an exponential per-key limiter and a token bucket.
class DefaultControllerRateLimiter final : public RateLimiter {
 public:
  explicit DefaultControllerRateLimiter(const Clock& clock) : bucket_(clock) {}
  Duration When(const std::string& key) override { return std::max(item_.When(key), bucket_.When(key)); }
  void Forget(const std::string& key) override { item_.Forget(key); }
  int NumRequeues(const std::string& key) const override { return item_.NumRequeues(key); }

 private:
  ItemExponentialRateLimiter item_;
  TokenBucketRateLimiter bucket_;
};

}  // namespace zroute::kube
