#include "common/util/backoff.h"

#include <algorithm>
#include <cmath>

namespace zroute {

std::chrono::milliseconds BackoffDelay(const BackoffSpec& spec, int retry, const std::function<double()>& unit_random) {
  retry = std::max(retry, 1);
  double base = static_cast<double>(spec.initial.count());
  double raw = spec.kind == BackoffKind::kLinear ? base * retry : base * std::pow(2.0, std::min(retry - 1, 62));
  double capped = std::min(raw, static_cast<double>(spec.max.count()));
  if (unit_random) capped = capped / 2 + unit_random() * capped / 2;
  return std::chrono::milliseconds(static_cast<int64_t>(capped));
}

}  // namespace zroute
