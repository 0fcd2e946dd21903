#include "operator/kube/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace zroute::kube {

Duration ItemExponentialRateLimiter::When(const std::string& key) {
  int n = failures_[key]++;
  // 2^n overflows long before the cap matters; compare in floating point.
  double delay = static_cast<double>(base_.count()) * std::pow(2.0, std::min(n, 200));
  if (delay >= static_cast<double>(cap_.count())) return cap_;
  return Duration(static_cast<Duration::rep>(delay));
}

int ItemExponentialRateLimiter::NumRequeues(const std::string& key) const {
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

TokenBucketRateLimiter::TokenBucketRateLimiter(const Clock& clock, double qps, double burst)
    : clock_(clock), qps_(qps), burst_(burst), tokens_(burst), last_(clock.Now()) {}

Duration TokenBucketRateLimiter::When(const std::string&) {
  MonoTime now = clock_.Now();
  double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
  tokens_ -= 1;
  if (tokens_ >= 0) return Duration::zero();
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(-tokens_ / qps_));
}

}  // namespace zroute::kube
