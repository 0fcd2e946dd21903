// WaitFor: polls a condition that other threads or processes settle on their own, with a bound.
// Tests use it instead of sleeping: it returns as soon as the condition holds, false at the bound.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace zroute::testing {

inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace zroute::testing
