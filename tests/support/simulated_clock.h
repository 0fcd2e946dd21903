// SimulatedClock: a Clock that moves only when a test says so. Thread-safe.
#pragma once

#include <atomic>
#include <mutex>

#include "common/util/clock.h"

namespace zroute::testing {

class SimulatedClock final : public Clock {
 public:
  SimulatedClock() : mono_(MonoTime{} + std::chrono::hours(1)), wall_(std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}) {}

  MonoTime Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return mono_;
  }
  WallTime WallNow() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return wall_;
  }
  void Advance(Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    mono_ += d;
    wall_ += std::chrono::duration_cast<WallTime::duration>(d);
  }

 private:
  mutable std::mutex mu_;  // guards mono_, wall_
  MonoTime mono_;
  WallTime wall_;
};

// A day, for advancing the simulated clock (certificates, retention).
inline constexpr Duration kDay = std::chrono::hours(24);

}  // namespace zroute::testing
