// SocketPoll: waits until ZeroMQ sockets or plain descriptors are readable, asking libzmq about a
// socket only when its state may have changed.
//
// zmq::poll asks every socket for its state (ZMQ_EVENTS) on every call, and again when it had to
// wait; with nothing pending, each answer costs libzmq two system calls (getpid and a poll of the
// socket's mailbox). The link thread polls the router, the control socket and one socket per peer
// sidecar, so it paid two to four system calls per socket per turn, a cost that grows with the
// number of peers (getpid alone was 3–4% of each sidecar's samples in the single-event
// benchmark). Here one poll(2) covers every descriptor and every socket's mailbox descriptor
// (ZMQ_FD), and a socket is asked only when
//   - its mailbox descriptor is readable: libzmq signals it when commands arrive for the socket
//     (such as "messages wait in a pipe"); or
//   - its owner marked it unchecked: on creation and after every send on it. An operation on a
//     socket may process its pending commands and so consume that signal, and the descriptor then
//     stays quiet while messages wait (ZMQ_FD is edge-triggered; see zmq_getsockopt(3)). Receives
//     need no mark when the owner reads until EAGAIN, as every reader here does: the last, failed
//     receive processes every pending command and leaves nothing to read. An owner clears the
//     flag when its receive fails with EAGAIN; or
//   - it was readable when last asked and its owner has not cleared the flag since.
// Thread: one thread, the one that owns the sockets and the flags.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include <zmq.hpp>

namespace zroute {

class SocketPoll {
 public:
  // Registers a socket for the next Wait and returns its index. `unchecked` is the owner's flag:
  // set it when the socket is created and after every send on it, clear it when a receive fails
  // with EAGAIN. Wait clears it when the socket has nothing to read and sets it when it has. It
  // must outlive the next Wait.
  size_t AddSocket(zmq::socket_ref socket, bool* unchecked);
  // Registers a plain descriptor (readable = POLLIN) and returns its index.
  size_t AddFd(int fd);
  size_t size() const { return entries_.size(); }
  // Forgets every registration; a loop calls it before registering the next turn's.
  void Clear();

  // Returns once something registered is readable, or after `timeout` (negative: no limit), or
  // when poll(2) is interrupted. Does not wait when an unchecked socket is readable already.
  void Wait(std::chrono::milliseconds timeout);
  bool Readable(size_t index) const { return index < entries_.size() && entries_[index].readable; }

  // How many times a socket was asked for its state, since construction (for tests).
  uint64_t questions() const { return questions_; }

 private:
  struct Entry {
    void* socket = nullptr;  // null for a plain descriptor
    bool* unchecked = nullptr;
    bool readable = false;
  };
  // ZMQ_EVENTS: processes the socket's pending commands, then says whether a message waits.
  bool Ask(Entry& e);

  std::vector<Entry> entries_;
  std::vector<pollfd> fds_;  // fds_[i] belongs to entries_[i]
  uint64_t questions_ = 0;
};

}  // namespace zroute
