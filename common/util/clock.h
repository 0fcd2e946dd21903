// Clock: the one source of time. Injected everywhere so that backoff, heartbeats, retention and
// autoscaling are tested with simulated time (tests/support/simulated_clock.h), never with sleeps.
#pragma once

#include <chrono>

namespace zroute {

using MonoTime = std::chrono::steady_clock::time_point;     // for intervals and deadlines
using WallTime = std::chrono::system_clock::time_point;     // for display, CloudEvents `time`, retention
using Duration = std::chrono::nanoseconds;

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
