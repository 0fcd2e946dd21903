#include "common/http/listen_backlog.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace zroute {
namespace {

// httplib keeps the listening socket in a protected member; a member pointer formed inside a
// derived class reads it from any httplib::Server.
struct ListeningSocket : httplib::Server {
  static socket_t Of(httplib::Server& server) { return (server.*(&ListeningSocket::svr_sock_)).load(); }
};

}  // namespace

Status WidenListenBacklog(httplib::Server& server) {
  const socket_t fd = ListeningSocket::Of(server);
  if (fd == INVALID_SOCKET) return Status::FailedPrecondition("server is not bound");
  if (::listen(fd, kListenBacklog) != 0) {
    return Status::IOError(std::string("listen backlog: ") + std::strerror(errno));
  }
  return Status::OK();
}

StatusOr<int> ListenBacklog(httplib::Server& server) {
  const socket_t fd = ListeningSocket::Of(server);
  if (fd == INVALID_SOCKET) return Status::FailedPrecondition("server is not bound");
  tcp_info info{};
  socklen_t size = sizeof(info);
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0) {
    return Status::IOError(std::string("TCP_INFO: ") + std::strerror(errno));
  }
  // For a listening socket the kernel reports the accept queue's bound in tcpi_sacked.
  return static_cast<int>(info.tcpi_sacked);
}

}  // namespace zroute
