#include "sidecar/delivery/windowed_rate.h"

#include <algorithm>

namespace zroute {

WindowedRate::WindowedRate(const Clock& clock, Duration window, size_t buckets)
    : clock_(clock),
      // At least 1 ns: a degenerate window must not divide by zero below.
      width_(std::max(Duration(1), window / static_cast<int64_t>(std::max<size_t>(buckets, 1)))),
      start_(clock.Now()),
      buckets_(std::max<size_t>(buckets, 1)) {}

int64_t WindowedRate::IndexAt(MonoTime t) const {
  // The monotonic clock never goes back, but a simulated one may be set before start_: count such
  // events in the first bucket rather than index with a negative number.
  if (t <= start_) return 0;
  return (t - start_) / width_;
}

void WindowedRate::Add(uint64_t n) {
  const int64_t index = IndexAt(clock_.Now());
  Bucket& b = buckets_[static_cast<size_t>(index) % buckets_.size()];
  if (b.index != index) {
    b.index = index;
    b.count = 0;
  }
  b.count += n;
}

uint64_t WindowedRate::CountInWindow() const {
  const int64_t now = IndexAt(clock_.Now());
  const int64_t oldest = now - static_cast<int64_t>(buckets_.size()) + 1;
  uint64_t sum = 0;
  for (const Bucket& b : buckets_) {
    if (b.index >= oldest && b.index <= now) sum += b.count;
  }
  return sum;
}

double WindowedRate::PerSecond() const {
  const MonoTime now = clock_.Now();
  const int64_t index = IndexAt(now);
  // The window is the full buckets before the current one plus the part of it already elapsed.
  const Duration into_current = now > start_ ? (now - start_) - index * width_ : Duration::zero();
  Duration covered = static_cast<int64_t>(buckets_.size() - 1) * width_ + into_current;
  covered = std::min(covered, now > start_ ? Duration(now - start_) : Duration::zero());
  covered = std::max(covered, width_);
  return static_cast<double>(CountInWindow()) / std::chrono::duration<double>(covered).count();
}

}  // namespace zroute
