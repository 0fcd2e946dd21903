// LeanHttpClient against real servers on 127.0.0.1: requests and responses as httplib's client
// sends and reads them (keep-alive, bodies past the gathering bound, a server that closed the
// kept-alive connection, timeouts), and each request reaching the server in one piece.
#include "common/http/lean_http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/common/http/tcp_segments.h"

namespace zroute {
namespace {

// A listening socket on 127.0.0.1 at a free port (the kernel accepts connections into its
// backlog; nothing answers unless the test does). -1 on failure.
int ListenOnLoopback(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 4) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

class LeanHttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Post("/echo", [this](const httplib::Request& req, httplib::Response& res) {
      ++handled_;
      res.set_header("X-Got", req.get_header_value("X-Name"));
      res.set_content(req.body, "application/octet-stream");
    });
    server_.Get("/chunked", [](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("text/plain", [](size_t offset, httplib::DataSink& sink) {
        if (offset < 3 * 5000) {
          std::string piece(5000, static_cast<char>('a' + offset / 5000));
          sink.write(piece.data(), piece.size());
        } else {
          sink.done();
        }
        return true;
      });
    });
    server_.set_tcp_nodelay(true);
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    listener_ = std::thread([this] { server_.listen_after_bind(); });
  }
  void TearDown() override {
    server_.stop();
    listener_.join();
  }

  httplib::Server server_;
  std::thread listener_;
  int port_ = 0;
  std::atomic<int> handled_{0};
};

TEST_F(LeanHttpClientTest, KeptAliveRequestsGetTheirOwnAnswers) {
  LeanHttpClient client("127.0.0.1", port_);
  client.set_keep_alive(true);
  for (int i = 0; i < 5; ++i) {
    const std::string body = "body-" + std::to_string(i);
    auto res = client.Post("/echo", {{"X-Name", "n" + std::to_string(i)}}, body, "text/plain");
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, body);
    EXPECT_EQ(res->get_header_value("X-Got"), "n" + std::to_string(i));
  }
  EXPECT_EQ(handled_.load(), 5);
}

TEST_F(LeanHttpClientTest, BodiesPastTheGatheringBoundGoAndComeWhole) {
  LeanHttpClient client("127.0.0.1", port_);
  client.set_keep_alive(true);
  std::string body(3 << 20, 'x');
  for (size_t i = 0; i < body.size(); i += 1000) body[i] = static_cast<char>('a' + (i / 1000) % 26);
  auto res = client.Post("/echo", body, "application/octet-stream");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->body, body);
  auto chunked = client.Get("/chunked");
  ASSERT_TRUE(chunked) << httplib::to_string(chunked.error());
  EXPECT_EQ(chunked->body, std::string(5000, 'a') + std::string(5000, 'b') + std::string(5000, 'c'));
}

TEST_F(LeanHttpClientTest, AServerThatStopsAnsweringIsATimeout) {
  // A listener that accepts (the kernel does) and never reads or answers.
  int port = 0;
  int silent = ListenOnLoopback(&port);
  ASSERT_GE(silent, 0);
  LeanHttpClient client("127.0.0.1", port);
  client.set_read_timeout(std::chrono::milliseconds(200));
  const auto start = std::chrono::steady_clock::now();
  auto res = client.Post("/echo", "x", "text/plain");
  EXPECT_FALSE(res);
  EXPECT_EQ(res.error(), httplib::Error::Read);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  close(silent);
}

// The request line, headers and body reach the server in one piece: the server counts the data
// segments it received for the request (TCP_INFO). With TCP_NODELAY every send is a segment of
// its own, so a request written as headers, then body, arrives as two.
TEST(LeanHttpClientRawTest, ARequestIsSentInOnePiece) {
  int port = 0;
  int listener = ListenOnLoopback(&port);
  ASSERT_GE(listener, 0);
  const std::string body(1024, 'e');
  struct Seen {
    std::string request;
    uint32_t data_segments = 0;
  };
  auto server = std::async(std::launch::async, [listener, &body] {
    Seen seen;
    int conn = accept(listener, nullptr, nullptr);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {  // until the whole request is in
      size_t end = seen.request.find("\r\n\r\n");
      if (end != std::string::npos && seen.request.size() >= end + 4 + body.size()) break;
      pollfd p{conn, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[65536];
      ssize_t n = recv(conn, buf, sizeof(buf), 0);
      if (n <= 0) break;
      seen.request.append(buf, static_cast<size_t>(n));
    }
    seen.data_segments = testing::DataSegmentsIn(conn);
    const std::string answer = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";
    send(conn, answer.data(), answer.size(), MSG_NOSIGNAL);
    close(conn);
    return seen;
  });
  LeanHttpClient client("127.0.0.1", port);
  client.set_tcp_nodelay(true);
  auto res = client.Post("/events", {{"ce-id", "1"}}, body, "application/octet-stream");
  Seen seen = server.get();
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 204);
  EXPECT_EQ(seen.request.rfind("POST /events HTTP/1.1\r\n", 0), 0u) << seen.request.substr(0, 80);
  ASSERT_GE(seen.request.size(), body.size());
  EXPECT_EQ(seen.request.substr(seen.request.size() - body.size()), body);
  EXPECT_EQ(seen.data_segments, 1u);
  close(listener);
}

}  // namespace
}  // namespace zroute
