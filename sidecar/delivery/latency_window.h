// LatencyWindow: percentiles of the latencies recorded over a sliding window (the last `window`,
// 10 s by default), measured with the injected Clock. The consumer part of the load report takes
// its delivery latency p50 / p99 from one (docs/autoscaling.md).
//
// Keeps at most `max_samples` (the newest); above that rate the window is effectively shorter,
// which is fine for a figure that describes "now". Percentile is nearest-rank over the kept
// samples, O(n) per call: call it once per report, not per event.
// Thread: not thread-safe; owned by one thread (the link thread).
#pragma once

#include <deque>

#include "common/util/clock.h"

namespace zroute {

class LatencyWindow {
 public:
  // REQUIRES: max_samples >= 1. The Clock must outlive this object.
  explicit LatencyWindow(const Clock& clock, Duration window = std::chrono::seconds(10),
                         size_t max_samples = 4096);

  // Negative latencies (a clock quirk) are recorded as 0.
  void Record(Duration latency);
  // The q-quantile (0 <= q <= 1) in seconds of the samples recorded within the window; 0 when
  // there are none.
  double PercentileSeconds(double q);
  size_t size() { Expire(); return samples_.size(); }

 private:
  struct Sample {
    MonoTime at;
    double seconds;
  };
  void Expire();

  const Clock& clock_;
  const Duration window_;
  const size_t max_samples_;
  std::deque<Sample> samples_;  // oldest first
};

}  // namespace zroute
