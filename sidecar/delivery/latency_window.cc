#include "sidecar/delivery/latency_window.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace zroute {

LatencyWindow::LatencyWindow(const Clock& clock, Duration window, size_t max_samples)
    : clock_(clock), window_(window), max_samples_(std::max<size_t>(max_samples, 1)) {}

void LatencyWindow::Record(Duration latency) {
  const double seconds = std::max(0.0, std::chrono::duration<double>(latency).count());
  samples_.push_back(Sample{clock_.Now(), seconds});
  if (samples_.size() > max_samples_) samples_.pop_front();
}

void LatencyWindow::Expire() {
  const MonoTime now = clock_.Now();
  while (!samples_.empty() && now - samples_.front().at > window_) samples_.pop_front();
}

double LatencyWindow::PercentileSeconds(double q) {
  Expire();
  if (samples_.empty()) return 0;
  if (!(q > 0)) q = 0;  // also NaN
  if (q > 1) q = 1;
  std::vector<double> values;
  values.reserve(samples_.size());
  for (const Sample& s : samples_) values.push_back(s.seconds);
  // Nearest rank: the smallest value with at least q of the samples at or below it.
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size())));
  size_t k = rank == 0 ? 0 : rank - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

}  // namespace zroute
