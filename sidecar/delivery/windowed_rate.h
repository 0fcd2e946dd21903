// WindowedRate: events per second over a sliding window (the last `window`, 10 s by default),
// measured with the injected Clock. The consumer part of the load report uses one for the
// arrival rate and one for the completion rate (docs/autoscaling.md).
//
// The window is cut into `buckets` fixed slots; a slot older than the window is reused, so memory
// is constant and a burst leaves the rate one bucket width at a time. Until a full window has
// passed since construction the rate is taken over the time elapsed so far (at least one bucket
// width), so a sidecar that just started neither reads 0 nor spikes.
// Thread: not thread-safe; owned by one thread (the link thread).
#pragma once

#include <cstdint>
#include <vector>

#include "common/util/clock.h"

namespace zroute {

class WindowedRate {
 public:
  // A window shorter than `buckets` ns or 0 buckets is rounded up. The Clock must outlive this.
  explicit WindowedRate(const Clock& clock, Duration window = std::chrono::seconds(10),
                        size_t buckets = 10);

  void Add(uint64_t n = 1);
  // Events per second over the window ending now.
  double PerSecond() const;
  // Events counted in the window ending now.
  uint64_t CountInWindow() const;

 private:
  struct Bucket {
    int64_t index = -1;  // which bucket-width interval since start_ this slot counts
    uint64_t count = 0;
  };
  int64_t IndexAt(MonoTime t) const;

  const Clock& clock_;
  const Duration width_;
  const MonoTime start_;
  std::vector<Bucket> buckets_;
};

}  // namespace zroute
