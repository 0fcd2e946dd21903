// Retry delays: linear or exponential from an initial delay, capped, with "equal jitter"
// (half fixed, half random) so that replicas retrying together spread out. Randomness is injected.
#pragma once

#include <chrono>
#include <functional>

namespace zroute {

enum class BackoffKind { kLinear, kExponential };

struct BackoffSpec {
  BackoffKind kind = BackoffKind::kExponential;
  std::chrono::milliseconds initial{200};
  std::chrono::milliseconds max{30000};
};

// Delay before retry number `retry` (1 = the first retry). `unit_random` returns a value in
// [0, 1); pass nullptr for no jitter.
std::chrono::milliseconds BackoffDelay(const BackoffSpec& spec, int retry,
                                       const std::function<double()>& unit_random);

}  // namespace zroute
