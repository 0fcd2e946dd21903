// Socket I/O for zroute's HTTP streams (BoundedHttpServer's connections, LeanHttpClient's): the
// call is tried first and poll(2) waits only when it would block. Every syscall is costly on a
// virtual machine (the sidecar's hot path is mostly HTTP), and httplib's own stream polls before
// every read and every write, even when the data is already there.
// Blocking or non-blocking descriptors alike: the calls pass MSG_DONTWAIT.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <ctime>
#include <string>

namespace zroute::socket_io {

// poll(2) on one descriptor, restarted after EINTR; > 0 ready, 0 timed out, < 0 error.
int PollOne(int fd, short events, std::chrono::milliseconds timeout);

// Sends all of [p, p + n); false on an error or when the socket accepts nothing for `timeout`.
bool SendAll(int fd, const char* p, size_t n, std::chrono::milliseconds timeout);

// Receives up to `n` bytes: what is there, or what arrives within `timeout`. Returns the byte
// count (0: the peer closed), or -1 with errno set (ETIMEDOUT: nothing arrived in time).
ssize_t ReceiveSome(int fd, char* p, size_t n, std::chrono::milliseconds timeout);

// httplib's (seconds, microseconds) timeout settings as milliseconds.
inline std::chrono::milliseconds ToMillis(time_t sec, time_t usec) {
  return std::chrono::milliseconds(sec * 1000 + usec / 1000);
}

// The numeric address and port of the peer (`peer`) or of the local end; unchanged on failure.
void AddressOf(bool peer, int fd, std::string& ip, int& port);

}  // namespace zroute::socket_io
