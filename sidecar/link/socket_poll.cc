#include "sidecar/link/socket_poll.h"

#include <cerrno>

namespace zroute {

size_t SocketPoll::AddSocket(zmq::socket_ref socket, bool* unchecked) {
  entries_.push_back({socket.handle(), unchecked, false});
  fds_.push_back({static_cast<int>(socket.get(zmq::sockopt::fd)), POLLIN, 0});
  return entries_.size() - 1;
}

size_t SocketPoll::AddFd(int fd) {
  entries_.push_back({nullptr, nullptr, false});
  fds_.push_back({fd, POLLIN, 0});
  return entries_.size() - 1;
}

void SocketPoll::Clear() {
  entries_.clear();
  fds_.clear();
}

bool SocketPoll::Ask(Entry& e) {
  ++questions_;
  int events = 0;
  size_t size = sizeof(events);
  // Fails only for a context being terminated: nothing to read then.
  if (zmq_getsockopt(e.socket, ZMQ_EVENTS, &events, &size) != 0) events = 0;
  e.readable = (events & ZMQ_POLLIN) != 0;
  *e.unchecked = e.readable;
  return e.readable;
}

void SocketPoll::Wait(std::chrono::milliseconds timeout) {
  bool ready = false;
  for (Entry& e : entries_) {
    e.readable = false;
    if (e.socket && *e.unchecked) ready |= Ask(e);
  }
  // Polled even when a socket is ready, so the plain descriptors are never starved.
  const int wait = ready ? 0 : (timeout.count() < 0 ? -1 : static_cast<int>(timeout.count()));
  const int n = ::poll(fds_.data(), fds_.size(), wait);
  if (n <= 0) return;  // timeout, or EINTR: the caller's loop comes round again
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (!(fds_[i].revents & POLLIN)) continue;
    Entry& e = entries_[i];
    if (!e.socket) {
      e.readable = true;
    } else if (!e.readable) {
      Ask(e);
    }
  }
}

}  // namespace zroute
