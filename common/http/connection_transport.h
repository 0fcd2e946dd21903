// ConnectionTransport: how BoundedHttpServer's connection loop moves bytes on one accepted
// connection — straight on the socket (PlainTransport), or through TLS (BoundedHttpsServer).
// The loop above it (header limits, keep-alive, gathered responses) is the same for both.
//
// Threads: one transport belongs to the one thread serving its connection.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>

#include "common/http/socket_io.h"

namespace zroute {

class ConnectionTransport {
 public:
  virtual ~ConnectionTransport() = default;

  // Up to `n` bytes: what is there, or what arrives within `timeout`. Returns the byte count (0:
  // the peer closed), or -1 with errno set (ETIMEDOUT: nothing arrived in time).
  virtual ssize_t ReceiveSome(char* p, size_t n, std::chrono::milliseconds timeout) = 0;
  // Sends all of [p, p + n); false on an error or when nothing can be sent for `timeout`.
  virtual bool SendAll(const char* p, size_t n, std::chrono::milliseconds timeout) = 0;
  // True when bytes were already taken off the socket and wait inside the transport (a decoded
  // TLS record): poll(2) on the socket cannot see them.
  virtual bool HasBuffered() const { return false; }
};

// Bytes straight on the socket (socket_io: the call first, poll only when it would block).
class PlainTransport final : public ConnectionTransport {
 public:
  explicit PlainTransport(int fd) : fd_(fd) {}
  ssize_t ReceiveSome(char* p, size_t n, std::chrono::milliseconds timeout) override {
    return socket_io::ReceiveSome(fd_, p, n, timeout);
  }
  bool SendAll(const char* p, size_t n, std::chrono::milliseconds timeout) override {
    return socket_io::SendAll(fd_, p, n, timeout);
  }

 private:
  const int fd_;
};

}  // namespace zroute
