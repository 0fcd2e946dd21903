// BoundedHttpsServer on 127.0.0.1: ordinary HTTPS traffic is served (certificate verified by the
// client), and over TLS the header limits hold as on plain TCP — too many lines or bytes get 431, a
// header block trickled past the deadline 408, a header flood is cut off — while a client that
// never finishes the handshake gives its worker back. A raw OpenSSL client sends exactly the bytes
// each hostile case needs.
#include "common/http/bounded_https_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/pem.h>

#include "tests/support/loopback_dial.h"
#include "tests/support/test_ca.h"

namespace zroute {
namespace {

using std::chrono::milliseconds;

// A loopback connection on which no call blocks past 10 s.
int DialBounded(int port) {
  int fd = zroute::testing::DialLoopback(port);
  if (fd < 0) return -1;
  timeval bound{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof(bound));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof(bound));
  return fd;
}

// A TLS client on a blocking socket that sends raw request bytes.
class RawTlsClient {
 public:
  explicit RawTlsClient(int port) : ctx_(SSL_CTX_new(TLS_client_method())) {
    fd_ = DialBounded(port);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    handshake_ok_ = fd_ >= 0 && SSL_connect(ssl_) == 1;
  }
  ~RawTlsClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    if (fd_ >= 0) close(fd_);
  }
  bool handshake_ok() const { return handshake_ok_; }

  // Sends all of `bytes`; false when the server closed the connection first.
  bool Send(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      int n = SSL_write(ssl_, bytes.data() + sent, static_cast<int>(bytes.size() - sent));
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  // Reads until the server closes, or until `until` appears; at most 10 s.
  std::string Read(const std::string& until = "") {
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      char buf[4096];
      int n = SSL_read(ssl_, buf, sizeof(buf));
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
      if (!until.empty() && got.find(until) != std::string::npos) break;
    }
    return got;
  }

 private:
  SSL_CTX* ctx_;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool handshake_ok_ = false;
};

// A GET of `lines` lines (the request line, Host, and short filler headers).
std::string Request(int lines) {
  std::string r = "GET /hello HTTP/1.1\r\nHost: x\r\n";
  for (int i = 2; i < lines; ++i) r += "X-H" + std::to_string(i) + ": v\r\n";
  return r + "\r\n";
}

class BoundedHttpsServerTest : public ::testing::Test {
 protected:
  void SetUp() override { std::signal(SIGPIPE, SIG_IGN); }  // the raw client writes to closed peers

  void Start(HeaderLimits limits = {}, size_t workers = 4) {
    server_ = std::make_unique<BoundedHttpsServer>(
        [this](SSL_CTX& ctx) {
          BIO* cert = BIO_new_mem_buf(ca_.server_cert_pem().data(), static_cast<int>(ca_.server_cert_pem().size()));
          BIO* key = BIO_new_mem_buf(ca_.server_key_pem().data(), static_cast<int>(ca_.server_key_pem().size()));
          X509* x = PEM_read_bio_X509(cert, nullptr, nullptr, nullptr);
          EVP_PKEY* k = PEM_read_bio_PrivateKey(key, nullptr, nullptr, nullptr);
          bool ok = x && k && SSL_CTX_use_certificate(&ctx, x) == 1 && SSL_CTX_use_PrivateKey(&ctx, k) == 1;
          X509_free(x);
          EVP_PKEY_free(k);
          BIO_free(cert);
          BIO_free(key);
          return ok;
        },
        limits);
    ASSERT_TRUE(server_->is_valid());
    server_->set_keep_alive_timeout(60);
    server_->set_read_timeout(5, 0);
    server_->new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
    server_->Get("/hello", [this](const httplib::Request& req, httplib::Response& res) {
      ++handled_;
      remote_addr_ = req.remote_addr;
      res.set_content("hello " + req.get_header_value("X-Name"), "text/plain");
    });
    server_->Get("/big", [this](const httplib::Request&, httplib::Response& res) {
      ++handled_;
      res.set_content(BigBody(), "application/octet-stream");
    });
    server_->Post("/echo-size", [this](const httplib::Request& req, httplib::Response& res) {
      ++handled_;
      res.set_content(std::to_string(req.body.size()), "text/plain");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    listener_ = std::thread([this] { server_->listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server_->is_running() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    ASSERT_TRUE(server_->is_running());
  }
  void TearDown() override {
    if (listener_.joinable()) {
      server_->stop();
      listener_.join();
    }
  }

  // A client that verifies the server's certificate against the test CA.
  std::unique_ptr<httplib::SSLClient> Client() {
    auto cli = std::make_unique<httplib::SSLClient>("127.0.0.1", port_);
    cli->set_ca_cert_path(ca_.ca_cert_path().c_str());
    cli->enable_server_certificate_verification(true);
    cli->set_connection_timeout(5, 0);
    cli->set_read_timeout(10, 0);
    return cli;
  }

  static std::string BigBody() {
    std::string body(1 << 20, 'x');
    for (size_t i = 0; i < body.size(); i += 4096) body[i] = static_cast<char>('a' + (i / 4096) % 26);
    return body;
  }

  zroute::testing::TestCa ca_{{"localhost"}};
  std::unique_ptr<BoundedHttpsServer> server_;
  std::thread listener_;
  int port_ = 0;
  std::atomic<int> handled_{0};
  std::string remote_addr_;
};

TEST_F(BoundedHttpsServerTest, ServesKeptAliveRequestsOverVerifiedTls) {
  Start();
  auto cli = Client();
  cli->set_keep_alive(true);
  for (const char* name : {"a", "b"}) {
    auto res = cli->Get("/hello", {{"X-Name", name}});
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, std::string("hello ") + name);
  }
  EXPECT_EQ(handled_.load(), 2);
  EXPECT_EQ(remote_addr_, "127.0.0.1");
}

TEST_F(BoundedHttpsServerTest, LargeBodiesCrossTlsRecordsWhole) {
  Start();
  auto cli = Client();
  auto big = cli->Get("/big");
  ASSERT_TRUE(big) << httplib::to_string(big.error());
  EXPECT_EQ(big->body, BigBody());
  auto echo = cli->Post("/echo-size", std::string(3 << 20, 'y'), "application/octet-stream");
  ASSERT_TRUE(echo) << httplib::to_string(echo.error());
  EXPECT_EQ(echo->body, std::to_string(3 << 20));
}

TEST_F(BoundedHttpsServerTest, TooManyHeaderLinesAre431AndReachNoHandler) {
  Start({.max_bytes = 64 * 1024, .max_lines = 50});
  RawTlsClient raw(port_);
  ASSERT_TRUE(raw.handshake_ok());
  ASSERT_TRUE(raw.Send(Request(51)));
  std::string got = raw.Read();
  EXPECT_EQ(got.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("Connection: close"), std::string::npos);
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(BoundedHttpsServerTest, HeaderBlockAtTheLimitIsServed) {
  Start({.max_bytes = 64 * 1024, .max_lines = 50});
  RawTlsClient raw(port_);
  ASSERT_TRUE(raw.handshake_ok());
  ASSERT_TRUE(raw.Send(Request(50)));
  std::string got = raw.Read("hello ");
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
  EXPECT_EQ(handled_.load(), 1);
}

TEST_F(BoundedHttpsServerTest, EndlessHeaderStreamIsCutOff) {
  Start();  // defaults: 64 KiB, 200 lines
  RawTlsClient raw(port_);
  ASSERT_TRUE(raw.handshake_ok());
  ASSERT_TRUE(raw.Send("GET /hello HTTP/1.1\r\nHost: x\r\n"));
  const std::string chunk = [] {
    std::string c;
    for (int i = 0; i < 10000; ++i) c += "X-F: 1234567890\r\n";
    return c;
  }();
  size_t sent = 0;  // up to two million short header lines (34 MB)
  for (int i = 0; i < 200 && raw.Send(chunk); ++i) sent += chunk.size();
  EXPECT_LT(sent, 20u << 20) << "the server went on reading the header flood";
  EXPECT_EQ(handled_.load(), 0);
  auto res = Client()->Get("/hello");  // the server is still serving others
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
}

TEST_F(BoundedHttpsServerTest, HeadersTrickledPastTheDeadlineAre408) {
  Start({.max_bytes = 64 * 1024, .max_lines = 200, .timeout = milliseconds(300)});
  RawTlsClient raw(port_);
  ASSERT_TRUE(raw.handshake_ok());
  ASSERT_TRUE(raw.Send("GET /hello HTTP/1.1\r\nHost: x\r\n"));  // and never the blank line
  std::string got = raw.Read();
  EXPECT_EQ(got.rfind("HTTP/1.1 408 Request Timeout", 0), 0u) << got;
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(BoundedHttpsServerTest, StalledHandshakeGivesTheOnlyWorkerBack) {
  Start({.max_bytes = 64 * 1024, .max_lines = 200, .timeout = milliseconds(300)}, /*workers=*/1);
  int stalled = DialBounded(port_);  // TCP only: no ClientHello ever comes
  ASSERT_GE(stalled, 0);
  char byte;
  EXPECT_EQ(recv(stalled, &byte, 1, 0), 0) << "the server should close the connection at the deadline";
  close(stalled);
  auto res = Client()->Get("/hello");  // the one worker serves the next client
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
}

TEST_F(BoundedHttpsServerTest, PlainHttpOnTheTlsPortIsDropped) {
  Start();
  int fd = DialBounded(port_);
  ASSERT_GE(fd, 0);
  const std::string request = Request(3);
  ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
  std::string got;
  char buf[512];
  for (ssize_t n; (n = recv(fd, buf, sizeof(buf), 0)) > 0;) got.append(buf, static_cast<size_t>(n));
  close(fd);
  EXPECT_EQ(got.find("HTTP/1.1 200"), std::string::npos) << got;
  EXPECT_EQ(handled_.load(), 0);
}

TEST(BoundedHttpsServerSetupTest, FailedContextSetupLeavesTheServerInvalid) {
  BoundedHttpsServer server([](SSL_CTX&) { return false; });
  EXPECT_FALSE(server.is_valid());
}

}  // namespace
}  // namespace zroute
