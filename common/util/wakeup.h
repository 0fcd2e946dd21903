// Wakeup: an eventfd that lets any thread wake a loop blocked in zmq::poll (which polls raw file
// descriptors beside ZeroMQ sockets). Notify is async-signal-safe, so a SIGTERM handler may call it.
#pragma once

namespace zroute {

class Wakeup {
 public:
  Wakeup();
  ~Wakeup();
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;

  void Notify();   // any thread
  void Drain();    // the loop's thread, after poll reported the fd readable
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace zroute
