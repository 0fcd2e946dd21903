// SyncLatch: installed as a FaultInjectingFileSystem's sync hook, it counts the fdatasyncs that
// enter and, while held, keeps them there until Release() (or, as a safety net for a failing test,
// kSyncLatchBound). Shared by the outbox tests that need a write or a sync caught in the middle.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace zroute::testing {

// Bound on every wait for something that must happen; only reached when the test fails.
constexpr std::chrono::seconds kSyncLatchBound(10);

class SyncLatch {
 public:
  explicit SyncLatch(bool held) : held_(held) {}
  void Enter() {
    std::unique_lock<std::mutex> lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait_for(lock, kSyncLatchBound, [&] { return !held_; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = false;
    cv_.notify_all();
  }
  // Waits up to `bound` until at least n syncs have entered; true when they have.
  bool WaitEntered(int n, std::chrono::milliseconds bound = kSyncLatchBound) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, bound, [&] { return entered_ >= n; });
  }
  int entered() {
    std::lock_guard<std::mutex> lock(mu_);
    return entered_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_;
  int entered_ = 0;
};

}  // namespace zroute::testing
