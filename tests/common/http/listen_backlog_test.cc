// The listen backlog (common/http/listen_backlog.h): httplib's 5 is widened on every server zroute
// starts, so a burst of connects completes in the kernel instead of waiting a second for a SYN
// retry.
#include "common/http/listen_backlog.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <vector>

#include "common/http/bounded_http_server.h"
#include "common/http/event_loop_http_server.h"
#include "common/http/listen_thread.h"

namespace zroute {
namespace {

// What the kernel grants for kListenBacklog: it caps the backlog at net.core.somaxconn.
int GrantedBacklog() {
  int somaxconn = kListenBacklog;
  std::ifstream("/proc/sys/net/core/somaxconn") >> somaxconn;
  return std::min(kListenBacklog, somaxconn);
}

TEST(ListenBacklogTest, WideningRaisesHttplibsBacklogOfFive) {
  httplib::Server server;
  ASSERT_GT(server.bind_to_any_port("127.0.0.1"), 0);
  auto before = ListenBacklog(server);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(*before, 5) << "httplib's CPPHTTPLIB_LISTEN_BACKLOG";
  ASSERT_TRUE(WidenListenBacklog(server).ok());
  EXPECT_EQ(*ListenBacklog(server), GrantedBacklog());
  EXPECT_GT(GrantedBacklog(), 5);
}

TEST(ListenBacklogTest, AnUnboundServerIsAFailedPrecondition) {
  httplib::Server server;
  EXPECT_EQ(WidenListenBacklog(server).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ListenBacklog(server).status().code(), StatusCode::kFailedPrecondition);
}

TEST(ListenBacklogTest, ServersStartedByZrouteListenWide) {
  BoundedHttpServer threads;
  ASSERT_GT(threads.bind_to_any_port("127.0.0.1"), 0);
  auto listener = StartListenThread(threads, "zr-test-listen");
  ASSERT_TRUE(listener.ok()) << listener.status();
  EXPECT_EQ(*ListenBacklog(threads), GrantedBacklog()) << "StartListenThread";
  threads.stop();
  listener->join();

  EventLoopHttpServer loop;
  ASSERT_GT(loop.bind_to_any_port("127.0.0.1"), 0);
  ASSERT_TRUE(loop.Start("zr-test-loop").ok());
  EXPECT_EQ(*ListenBacklog(loop), GrantedBacklog()) << "EventLoopHttpServer::Start";
  loop.Stop();
}

// What the width is for: 64 clients connecting at once to a server that has not accepted any of
// them yet. Each handshake completes in the kernel, within a bound far below the one-second SYN
// retry that a full accept queue costs (with httplib's 5, all but about six of them wait for it).
TEST(ListenBacklogTest, ABurstOfConnectsCompletesBeforeAnyIsAccepted) {
  httplib::Server server;
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  ASSERT_TRUE(WidenListenBacklog(server).ok());
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  constexpr int kClients = 64;
  std::vector<pollfd> fds;
  for (int i = 0; i < kClients; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
    ASSERT_TRUE(rc == 0 || errno == EINPROGRESS) << std::strerror(errno);
    fds.push_back({fd, POLLOUT, 0});
  }
  // Bounded wait on the condition "every connect completed".
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(700);
  int connected = 0;
  std::vector<bool> done(kClients, false);
  while (connected < kClients && std::chrono::steady_clock::now() < deadline) {
    for (auto& p : fds) p.revents = 0;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    ::poll(fds.data(), fds.size(), static_cast<int>(std::max<int64_t>(left.count(), 0)));
    for (int i = 0; i < kClients; ++i) {
      if (done[i] || !(fds[i].revents & (POLLOUT | POLLERR | POLLHUP))) continue;
      int error = 0;
      socklen_t size = sizeof(error);
      ::getsockopt(fds[i].fd, SOL_SOCKET, SO_ERROR, &error, &size);
      EXPECT_EQ(error, 0) << std::strerror(error);
      done[i] = true;
      fds[i].events = 0;
      ++connected;
    }
  }
  EXPECT_EQ(connected, kClients) << "connects still waiting for a SYN retry";
  for (auto& p : fds) ::close(p.fd);
}

}  // namespace
}  // namespace zroute
