// zroute's two HTTP servers on 127.0.0.1, each case run against both: BoundedHttpServer (a thread
// per connection) and EventLoopHttpServer (one epoll thread). Ordinary traffic is served as by
// httplib, and header blocks over the limits (bytes, lines, time) are refused before any handler
// runs. Raw sockets send exactly the bytes each case needs. The event loop's own behaviour (the
// round hook, its connection and buffer bounds, framing refusals) follows at the end.
#include "common/http/bounded_http_server.h"
#include "common/http/event_loop_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/common/http/tcp_segments.h"
#include "tests/support/loopback_dial.h"

namespace zroute {
namespace {

using std::chrono::milliseconds;

enum class ServerKind { kThreads, kEventLoop };

class HttpServerTest : public ::testing::TestWithParam<ServerKind> {
 protected:
  void Start(HeaderLimits limits = {}, EventLoopOptions loop_options = {}) {
    if (GetParam() == ServerKind::kEventLoop) {
      loop_options.header = limits;
      auto loop = std::make_unique<EventLoopHttpServer>(loop_options);
      loop_ = loop.get();
      if (hook_) loop->set_before_responses(hook_);
      if (fast_) loop->set_fast_handler(fast_);
      server_ = std::move(loop);
    } else {
      server_ = std::make_unique<BoundedHttpServer>(limits);
    }
    server_->set_keep_alive_timeout(60);
    server_->set_keep_alive_max_count(100);
    server_->set_read_timeout(5, 0);
    if (payload_max_ > 0) server_->set_payload_max_length(payload_max_);
    server_->Get("/hello", [this](const httplib::Request& req, httplib::Response& res) {
      ++handled_;
      remote_addr_ = req.remote_addr;
      res.set_content("hello " + req.get_header_value("X-Name"), "text/plain");
    });
    server_->Get("/big", [this](const httplib::Request&, httplib::Response& res) {
      ++handled_;
      std::string body(1 << 20, 'x');
      for (size_t i = 0; i < body.size(); i += 4096) body[i] = static_cast<char>('a' + (i / 4096) % 26);
      res.set_content(body, "application/octet-stream");
    });
    server_->Post("/echo-size", [this](const httplib::Request& req, httplib::Response& res) {
      ++handled_;
      res.set_content(std::to_string(req.body.size()), "text/plain");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    if (loop_) {
      ASSERT_TRUE(loop_->Start("test-loop").ok());
    } else {
      listener_ = std::thread([this] { server_->listen_after_bind(); });
    }
    ASSERT_TRUE(server_->is_valid());
  }
  void StopServer() {
    if (loop_) {
      loop_->Stop();
    } else if (listener_.joinable()) {
      server_->stop();
      listener_.join();
    }
  }
  void TearDown() override {
    if (fd_ >= 0) close(fd_);
    StopServer();
  }

  void Dial() {
    fd_ = zroute::testing::DialLoopback(port_);
    ASSERT_GE(fd_, 0);
  }
  // Sends all of `bytes`; false when the server closed the connection first.
  bool SendAll(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  // Reads until the server closes the connection, or until `until` appears; at most 10 s.
  std::string ReadResponse(const std::string& until = "") {
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
      if (!until.empty() && got.find(until) != std::string::npos) break;
    }
    return got;
  }
  // A GET of `lines` lines (the request line, Host, and filler headers of `line_bytes` each).
  static std::string Request(int lines, size_t line_bytes = 8) {
    std::string r = "GET /hello HTTP/1.1\r\nHost: x\r\n";
    for (int i = 2; i < lines; ++i) {
      std::string name = "X-H" + std::to_string(i) + ": ";
      r += name + std::string(line_bytes > name.size() + 2 ? line_bytes - name.size() - 2 : 1, 'v') + "\r\n";
    }
    return r + "\r\n";
  }

  std::unique_ptr<httplib::Server> server_;
  EventLoopHttpServer* loop_ = nullptr;  // server_, for ServerKind::kEventLoop
  std::function<bool()> hook_;           // the loop's round hook, when set before Start
  EventLoopHttpServer::FastHandler fast_;  // the loop's fast handler, when set before Start
  size_t payload_max_ = 0;               // httplib's default when 0
  std::thread listener_;
  int port_ = 0;
  int fd_ = -1;
  std::atomic<int> handled_{0};
  std::string remote_addr_;
};

TEST_P(HttpServerTest, ServesKeptAliveRequestsLikeHttplib) {
  Start();
  httplib::Client client("127.0.0.1", port_);
  client.set_keep_alive(true);
  for (int i = 0; i < 3; ++i) {
    auto res = client.Get("/hello", {{"X-Name", "n" + std::to_string(i)}});
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "hello n" + std::to_string(i));
  }
  EXPECT_EQ(handled_.load(), 3);
  EXPECT_EQ(remote_addr_, "127.0.0.1");
}

TEST_P(HttpServerTest, PipelinedRequestsAreAllAnswered) {
  Start();
  Dial();
  ASSERT_TRUE(SendAll("GET /hello HTTP/1.1\r\nHost: x\r\nX-Name: a\r\n\r\n"
                      "GET /hello HTTP/1.1\r\nHost: x\r\nX-Name: b\r\nConnection: close\r\n\r\n"));
  std::string got = ReadResponse();
  EXPECT_NE(got.find("hello a"), std::string::npos) << got;
  EXPECT_NE(got.find("hello b"), std::string::npos) << got;
  EXPECT_EQ(handled_.load(), 2);
}

TEST_P(HttpServerTest, BodyBytesDoNotCountAsHeaders) {
  Start({.max_bytes = 1024, .max_lines = 20});
  httplib::Client client("127.0.0.1", port_);
  auto res = client.Post("/echo-size", std::string(1 << 20, 'b'), "application/octet-stream");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, std::to_string(1 << 20));
}

TEST_P(HttpServerTest, HeaderBlockAtTheLimitsIsServed) {
  Start({.max_bytes = 4096, .max_lines = 50});
  Dial();
  std::string request = Request(50, 60);  // 50 lines (request line + 49 headers)
  ASSERT_LE(request.size(), 4096u);
  ASSERT_TRUE(SendAll(request));
  std::string got = ReadResponse("hello ");
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
  EXPECT_EQ(handled_.load(), 1);
}

TEST_P(HttpServerTest, TooManyHeaderLinesAre431AndReachNoHandler) {
  Start({.max_bytes = 64 * 1024, .max_lines = 50});
  Dial();
  ASSERT_TRUE(SendAll(Request(51)));
  std::string got = ReadResponse();
  EXPECT_EQ(got.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("Connection: close"), std::string::npos);
  EXPECT_EQ(handled_.load(), 0);
}

TEST_P(HttpServerTest, OversizeHeaderBlockIs431AndReachesNoHandler) {
  Start({.max_bytes = 4096, .max_lines = 200});
  Dial();
  std::string request = Request(12, 500);  // ~5,000 bytes in 12 lines
  ASSERT_GT(request.size(), 4096u);
  ASSERT_TRUE(SendAll(request));
  std::string got = ReadResponse();
  EXPECT_EQ(got.rfind("HTTP/1.1 431", 0), 0u) << got;
  EXPECT_EQ(handled_.load(), 0);
}

TEST_P(HttpServerTest, EndlessHeaderStreamIsCutOff) {
  Start();  // defaults: 64 KiB, 200 lines
  Dial();
  ASSERT_TRUE(SendAll("GET /hello HTTP/1.1\r\nHost: x\r\n"));
  // Two million short header lines (30 MB): the server must stop reading long before the end.
  const std::string chunk = [] {
    std::string c;
    for (int i = 0; i < 10000; ++i) c += "X-F: 1234567890\r\n";
    return c;
  }();
  size_t sent = 0;
  for (int i = 0; i < 200 && SendAll(chunk); ++i) sent += chunk.size();
  EXPECT_LT(sent, 20u << 20) << "the server went on reading the header flood";
  EXPECT_EQ(handled_.load(), 0);
  // The server is still serving others.
  httplib::Client client("127.0.0.1", port_);
  auto res = client.Get("/hello");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_P(HttpServerTest, HeadersTrickledPastTheDeadlineAre408) {
  Start({.max_bytes = 64 * 1024, .max_lines = 200, .timeout = milliseconds(300)});
  Dial();
  ASSERT_TRUE(SendAll("GET /hello HTTP/1.1\r\nHost: x\r\n"));  // and never the blank line
  std::string got = ReadResponse();
  EXPECT_EQ(got.rfind("HTTP/1.1 408 Request Timeout", 0), 0u) << got;
  EXPECT_EQ(handled_.load(), 0);
}

// A response (httplib writes the status and headers, then the body) leaves in one segment.
TEST_P(HttpServerTest, AResponseIsSentInOnePiece) {
  Start();
  server_->set_tcp_nodelay(true);  // each send would be a segment of its own
  Dial();
  ASSERT_TRUE(SendAll("GET /hello HTTP/1.1\r\nHost: x\r\nX-Name: one\r\n\r\n"));
  std::string got = ReadResponse("hello one");
  ASSERT_NE(got.find("hello one"), std::string::npos) << got;
  EXPECT_EQ(testing::DataSegmentsIn(fd_), 1u);
}

// Responses are gathered and sent when the request is done; one far over the gathering bound
// goes out in pieces and arrives whole.
TEST_P(HttpServerTest, ALargeResponseArrivesWhole) {
  Start();
  httplib::Client client("127.0.0.1", port_);
  client.set_keep_alive(true);
  for (int i = 0; i < 2; ++i) {
    auto res = client.Get("/big");
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
    ASSERT_EQ(res->body.size(), size_t{1} << 20);
    for (size_t at = 0; at < res->body.size(); at += 4096) {
      ASSERT_EQ(res->body[at], static_cast<char>('a' + (at / 4096) % 26)) << at;
    }
  }
  auto small = client.Get("/hello", {{"X-Name", "after"}});
  ASSERT_TRUE(small);
  EXPECT_EQ(small->body, "hello after");
}

// A gathered response must not wait for the client's next request: the interim "100 Continue"
// goes out before the server reads the body, a HEAD answer (headers only) before the server
// waits for the next request on the kept-alive connection.
TEST_P(HttpServerTest, InterimAndHeadersOnlyAnswersAreNotHeldBack) {
  Start();
  Dial();
  ASSERT_TRUE(SendAll("POST /echo-size HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                      "Expect: 100-continue\r\n\r\n"));
  std::string interim = ReadResponse("\r\n\r\n");
  ASSERT_NE(interim.find("100 Continue"), std::string::npos) << interim;
  ASSERT_TRUE(SendAll("abcde"));
  std::string answer = ReadResponse("\r\n\r\n5");
  EXPECT_NE(answer.find("200 OK"), std::string::npos) << answer;

  ASSERT_TRUE(SendAll("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string head = ReadResponse("\r\n\r\n");
  EXPECT_NE(head.find("200 OK"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(handled_.load(), 2);
}

TEST_P(HttpServerTest, StopIsNotHeldByAnIdleKeptAliveConnection) {
  Start();  // keep-alive timeout 60 s
  Dial();
  ASSERT_TRUE(SendAll("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_NE(ReadResponse("hello ").find("200"), std::string::npos);
  // The connection now idles in keep-alive; stopping must not wait out its 60 s.
  auto stopped = std::async(std::launch::async, [this] { StopServer(); });
  EXPECT_EQ(stopped.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  stopped.wait();
}

// A chunked request body is framed by its chunks and reaches the handler decoded.
TEST_P(HttpServerTest, ChunkedRequestBodyIsServed) {
  Start();
  Dial();
  ASSERT_TRUE(SendAll("POST /echo-size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n"
                      "GET /hello HTTP/1.1\r\nHost: x\r\nX-Name: after\r\nConnection: close\r\n\r\n"));
  std::string got = ReadResponse();
  EXPECT_NE(got.find("\r\n\r\n8"), std::string::npos) << got;
  EXPECT_NE(got.find("hello after"), std::string::npos) << got;
  EXPECT_EQ(handled_.load(), 2);
}

// A body over the payload limit is answered 413, and the client, still sending it, reads that.
TEST_P(HttpServerTest, BodyOverThePayloadLimitIs413) {
  payload_max_ = 64 * 1024;
  Start();
  httplib::Client client("127.0.0.1", port_);
  auto res = client.Post("/echo-size", std::string(512 * 1024, 'b'), "application/octet-stream");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(handled_.load(), 0);
  httplib::Client next("127.0.0.1", port_);
  auto ok = next.Post("/echo-size", std::string(1000, 'b'), "application/octet-stream");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body, "1000");
}

INSTANTIATE_TEST_SUITE_P(Servers, HttpServerTest, ::testing::Values(ServerKind::kThreads, ServerKind::kEventLoop),
                         [](const ::testing::TestParamInfo<ServerKind>& info) {
                           return info.param == ServerKind::kThreads ? "Threads" : "EventLoop";
                         });

// --- EventLoopHttpServer only ---
class EventLoopHttpServerTest : public HttpServerTest {
 protected:
  // A round hook the test holds: it reports entering, then waits for Release(verdict).
  void HoldRounds() {
    hook_ = [this] {
      std::unique_lock<std::mutex> lock(hook_mu_);
      ++hook_entered_;
      hook_cv_.notify_all();
      hook_cv_.wait(lock, [this] { return releases_ > 0; });
      --releases_;
      return verdict_;
    };
  }
  bool WaitForHookEntered(int n) {
    std::unique_lock<std::mutex> lock(hook_mu_);
    return hook_cv_.wait_for(lock, std::chrono::seconds(10), [&] { return hook_entered_ >= n; });
  }
  void Release(bool verdict) {
    std::lock_guard<std::mutex> lock(hook_mu_);
    verdict_ = verdict;
    ++releases_;
    hook_cv_.notify_all();
  }
  bool Readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, 0) > 0;
  }

  std::mutex hook_mu_;
  std::condition_variable hook_cv_;
  int hook_entered_ = 0;
  int releases_ = 0;
  bool verdict_ = true;
};

// Nothing of a round's answers leaves before its hook returns; a failed hook withholds them and
// closes their connections (a publish not made durable must not be acknowledged).
TEST_P(EventLoopHttpServerTest, AnswersWaitForTheRoundHookAndAreWithheldWhenItFails) {
  HoldRounds();
  Start();
  Dial();
  ASSERT_TRUE(SendAll("GET /hello HTTP/1.1\r\nHost: x\r\nX-Name: one\r\n\r\n"));
  ASSERT_TRUE(WaitForHookEntered(1));
  EXPECT_EQ(handled_.load(), 1);
  EXPECT_FALSE(Readable(fd_)) << "an answer left before the round's hook returned";
  Release(true);
  EXPECT_NE(ReadResponse("hello one").find("200 OK"), std::string::npos);

  ASSERT_TRUE(SendAll("GET /hello HTTP/1.1\r\nHost: x\r\nX-Name: two\r\n\r\n"));
  ASSERT_TRUE(WaitForHookEntered(2));
  Release(false);
  EXPECT_EQ(ReadResponse(), "") << "a withheld answer was sent";
  EXPECT_EQ(handled_.load(), 2);
}

// Requests that arrive together are handled in one round: one hook call, not one per request.
TEST_P(EventLoopHttpServerTest, PipelinedRequestsShareOneRound) {
  std::atomic<int> rounds{0};
  hook_ = [&rounds] {
    ++rounds;
    return true;
  };
  Start();
  Dial();
  std::string requests;
  for (int i = 0; i < 20; ++i) requests += "GET /hello HTTP/1.1\r\nHost: x\r\nX-Name: r" + std::to_string(i) + "\r\n\r\n";
  ASSERT_TRUE(SendAll(requests));
  std::string got = ReadResponse("hello r19");
  for (int i = 0; i < 20; ++i) {
    const std::string body = "hello r" + std::to_string(i) + (i < 19 ? "HTTP" : "");  // the next answer follows
    EXPECT_NE(got.find(body), std::string::npos) << i;
  }
  EXPECT_EQ(handled_.load(), 20);
  EXPECT_LE(rounds.load(), 2);
}

// Past max_connections, new connections wait in the listen backlog until one closes.
TEST_P(EventLoopHttpServerTest, ConnectionsOverTheBoundWaitUntilOneCloses) {
  EventLoopOptions options;
  options.max_connections = 2;
  Start({}, options);
  int a = zroute::testing::DialLoopback(port_);
  int b = zroute::testing::DialLoopback(port_);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  fd_ = a;
  ASSERT_TRUE(SendAll("GET /hello HTTP/1.1\r\nHost: x\r\nX-Name: a\r\n\r\n"));
  ASSERT_NE(ReadResponse("hello a").find("hello a"), std::string::npos);
  fd_ = b;
  ASSERT_TRUE(SendAll("GET /hello HTTP/1.1\r\nHost: x\r\nX-Name: b\r\n\r\n"));
  ASSERT_NE(ReadResponse("hello b").find("hello b"), std::string::npos);

  int c = zroute::testing::DialLoopback(port_);  // connected by the kernel, not accepted
  ASSERT_GE(c, 0);
  fd_ = c;
  ASSERT_TRUE(SendAll("GET /hello HTTP/1.1\r\nHost: x\r\nX-Name: c\r\n\r\n"));
  fd_ = b;  // a round after c's request arrived: c is still not served
  ASSERT_TRUE(SendAll("GET /hello HTTP/1.1\r\nHost: x\r\nX-Name: b2\r\n\r\n"));
  ASSERT_NE(ReadResponse("hello b2").find("hello b2"), std::string::npos);
  EXPECT_EQ(loop_->connection_count(), 2u);
  EXPECT_FALSE(Readable(c));

  close(a);
  fd_ = c;
  EXPECT_NE(ReadResponse("hello c").find("hello c"), std::string::npos);
  close(b);
}

// Framing that two parsers could read differently never reaches a handler.
TEST_P(EventLoopHttpServerTest, AmbiguousFramingIsRefused) {
  Start();
  Dial();
  ASSERT_TRUE(SendAll("POST /echo-size HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /hello HTTP/1.1\r\n\r\n"));
  std::string got = ReadResponse();
  EXPECT_EQ(got.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << got;
  EXPECT_EQ(handled_.load(), 0);
}

// Large requests arriving together over max_buffered_bytes take turns: every one is served.
TEST_P(EventLoopHttpServerTest, LargeRequestsOverTheBufferBoundTakeTurns) {
  EventLoopOptions options;
  options.max_buffered_bytes = 256 * 1024;
  Start({}, options);
  std::vector<std::future<std::string>> answers;
  for (int i = 0; i < 4; ++i) {
    answers.push_back(std::async(std::launch::async, [this] {
      httplib::Client client("127.0.0.1", port_);
      client.set_read_timeout(20, 0);
      auto res = client.Post("/echo-size", std::string(400 * 1024, 'q'), "application/octet-stream");
      return res ? std::to_string(res->status) + " " + res->body : httplib::to_string(res.error());
    }));
  }
  for (auto& a : answers) EXPECT_EQ(a.get(), "200 " + std::to_string(400 * 1024));
  EXPECT_EQ(handled_.load(), 4);
}

INSTANTIATE_TEST_SUITE_P(Loop, EventLoopHttpServerTest, ::testing::Values(ServerKind::kEventLoop),
                         [](const ::testing::TestParamInfo<ServerKind>&) { return "EventLoop"; });

// --- the fast handler ---
class FastHandlerTest : public EventLoopHttpServerTest {
 protected:
  void SetUp() override {
    // Answers POST /echo-size itself ("fast <n>", 202), except when the body is "decline";
    // "close" asks for the connection to close, "throw" throws.
    fast_ = [this](const RequestHead& request, httplib::Response& res) {
      if (request.method != "POST" || request.target != "/echo-size" || request.body == "decline") return false;
      if (request.body == "throw") throw std::runtime_error("handler failed");
      ++fast_handled_;
      if (request.body == "close") res.set_header("Connection", "close");
      res.status = 202;
      res.set_content("fast " + std::to_string(request.body.size()), "text/plain");
      return true;
    };
  }
  static std::string Post(const std::string& body, const std::string& extra_headers = "",
                          const std::string& version = "HTTP/1.1") {
    return "POST /echo-size " + version + "\r\nHost: x\r\n" + extra_headers + "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  std::atomic<int> fast_handled_{0};
};

TEST_P(FastHandlerTest, AnswersPlainRequestsAsHttplibWouldOnAKeptAliveConnection) {
  Start();
  Dial();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(SendAll(Post(std::string(10 + i, 'b'))));
    const std::string expected_body = "fast " + std::to_string(10 + i);
    const std::string got = ReadResponse(expected_body);
    EXPECT_EQ(got, "HTTP/1.1 202 Accepted\r\nContent-Type: text/plain\r\nContent-Length: " +
                       std::to_string(expected_body.size()) +
                       "\r\nKeep-Alive: timeout=60, max=100\r\n\r\n" + expected_body);
  }
  EXPECT_EQ(fast_handled_.load(), 3);
  EXPECT_EQ(handled_.load(), 0) << "httplib's route ran";

  // httplib's client reads those answers like its own server's.
  httplib::Client client("127.0.0.1", port_);
  client.set_keep_alive(true);
  for (int i = 0; i < 2; ++i) {
    auto res = client.Post("/echo-size", "abc", "text/plain");
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 202);
    EXPECT_EQ(res->body, "fast 3");
  }
}

TEST_P(FastHandlerTest, EverythingButAPlainKeptAliveRequestIsHttplibs) {
  Start();
  const std::vector<std::string> requests = {
      Post("abc", "Connection: close\r\n"),
      Post("abc", "", "HTTP/1.0"),
      Post("abc", "Expect: 100-continue\r\n"),
      "POST /echo-size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      Post("abc", "X-Folded: a\r\n  b\r\n"),
      Post("decline"),
  };
  for (const std::string& request : requests) {
    Dial();
    ASSERT_TRUE(SendAll(request));
    const std::string got = ReadResponse("Keep-Alive");  // or until the server closes
    EXPECT_NE(got.find("HTTP/1.1 "), std::string::npos) << request << "\n--\n" << got;
    EXPECT_EQ(got.find("fast "), std::string::npos) << request << "\n--\n" << got;
    close(fd_);
    fd_ = -1;
  }
  EXPECT_EQ(fast_handled_.load(), 0);
  EXPECT_GE(handled_.load(), 5);  // the folded header may be refused by httplib instead
}

TEST_P(FastHandlerTest, TheLastRequestUnderTheKeepAliveCountIsHttplibs) {
  Start();  // keep-alive max 100
  Dial();
  std::string all;
  for (int i = 0; i < 100; ++i) all += Post("x");
  ASSERT_TRUE(SendAll(all));
  const std::string got = ReadResponse();  // until the server closes
  size_t fast = 0, slow = 0;
  for (size_t at = 0; (at = got.find("fast 1", at)) != std::string::npos; ++at) ++fast;
  for (size_t at = 0; (at = got.find("\r\n\r\n1", at)) != std::string::npos; ++at) ++slow;
  EXPECT_EQ(fast, 99u);
  EXPECT_EQ(slow, 1u) << "httplib answers the 100th and closes";
  EXPECT_NE(got.find("Connection: close"), std::string::npos);
}

TEST_P(FastHandlerTest, AHandlerMayCloseTheConnectionAndAThrowIs500) {
  Start();
  Dial();
  ASSERT_TRUE(SendAll(Post("throw")));
  std::string got = ReadResponse("\r\n\r\n");
  EXPECT_EQ(got.rfind("HTTP/1.1 500 Internal Server Error\r\n", 0), 0u) << got;
  ASSERT_TRUE(SendAll(Post("close")));
  got = ReadResponse();  // until the server closes
  EXPECT_EQ(got.rfind("HTTP/1.1 202 Accepted\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos) << got;
  EXPECT_EQ(got.find("Keep-Alive"), std::string::npos) << got;
}

INSTANTIATE_TEST_SUITE_P(Loop, FastHandlerTest, ::testing::Values(ServerKind::kEventLoop),
                         [](const ::testing::TestParamInfo<ServerKind>&) { return "EventLoop"; });

}  // namespace
}  // namespace zroute
