// Wakeup: an eventfd that lets any thread wake a loop blocked in zmq::poll (which polls raw file
// descriptors beside ZeroMQ sockets). Notify is async-signal-safe, so a SIGTERM handler may call it.
//
// Notifications coalesce: while one is pending (written and not yet drained), Notify writes
// nothing, so a burst of completions costs one write(2) and one wake-up of the loop, not one each.
// The contract that makes this safe: the loop calls Drain *before* it looks at the state the
// notifiers changed; a Notify that races with Drain either is seen by that look or writes again.
#pragma once

#include <atomic>

namespace zroute {

class Wakeup {
 public:
  Wakeup();
  ~Wakeup();
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;

  void Notify();   // any thread, or a signal handler
  void Drain();    // the loop's thread, after poll reported the fd readable
  int fd() const { return fd_; }

 private:
  int fd_;
  std::atomic<bool> pending_{false};  // a write is outstanding; lock-free, so signal-safe
  static_assert(std::atomic<bool>::is_always_lock_free);
};

}  // namespace zroute
