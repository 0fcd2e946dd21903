#include "common/http/socket_io.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace zroute::socket_io {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

int PollOne(int fd, short events, milliseconds timeout) {
  pollfd p{fd, events, 0};
  const auto deadline = SteadyClock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now());
    int r = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
}

bool SendAll(int fd, const char* p, size_t n, milliseconds timeout) {
  while (n > 0) {
    ssize_t sent = ::send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent > 0) {
      p += sent;
      n -= static_cast<size_t>(sent);
    } else if (sent < 0 && errno == EINTR) {
      continue;
    } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (PollOne(fd, POLLOUT, timeout) <= 0) return false;
    } else {
      return false;
    }
  }
  return true;
}

ssize_t ReceiveSome(int fd, char* p, size_t n, milliseconds timeout) {
  while (true) {
    ssize_t got = ::recv(fd, p, n, MSG_DONTWAIT);
    if (got >= 0) return got;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    int r = PollOne(fd, POLLIN, timeout);
    if (r == 0) errno = ETIMEDOUT;
    if (r <= 0) return -1;
  }
}

void AddressOf(bool peer, int fd, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  int r = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
               : ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (r != 0) return;
  char host[NI_MAXHOST];
  char serv[NI_MAXSERV];
  if (::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof(host), serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(serv);
  }
}

}  // namespace zroute::socket_io
