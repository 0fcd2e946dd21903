// Clock: the one source of time. Injected everywhere so that backoff, heartbeats, retention and
// autoscaling are tested with simulated time (tests/support/simulated_clock.h), never with sleeps.
#pragma once

#include <algorithm>
#include <chrono>

namespace zroute {

using MonoTime = std::chrono::steady_clock::time_point;     // for intervals and deadlines
using WallTime = std::chrono::system_clock::time_point;     // for display, CloudEvents `time`, retention
using Duration = std::chrono::nanoseconds;

// Whole milliseconds from `now` until `deadline`, rounded up (a wait of that long does not wake
// before it), and 0 once it has passed: the timeout for poll(2) and epoll_wait(2).
inline std::chrono::milliseconds MillisUntil(MonoTime deadline, MonoTime now) {
  return std::chrono::ceil<std::chrono::milliseconds>(std::max(Duration::zero(), deadline - now));
}

class Clock {
 public:
  virtual ~Clock() = default;
  virtual MonoTime Now() const = 0;
  virtual WallTime WallNow() const = 0;
};

// The real clocks. Thread-safe; a process-wide instance is returned by RealClock().
class SystemClock final : public Clock {
 public:
  MonoTime Now() const override { return std::chrono::steady_clock::now(); }
  WallTime WallNow() const override { return std::chrono::system_clock::now(); }
};

Clock& RealClock();

}  // namespace zroute
