// ScriptedApp: a raw HTTP server on 127.0.0.1 (port 0) standing in for the app, whose answers
// the test writes byte for byte: for connection handling and hostile answers that an httplib
// server (TestApp) would never send. Reads each request (head and Content-Length body), answers
// what the script returns for it; a thread per connection; counts connections and requests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace zroute::testing {

class ScriptedApp {
 public:
  struct Reply {
    std::string bytes;
    bool close_after = false;
    bool byte_at_a_time = false;
  };
  using Script = std::function<Reply(int request_index, const std::string& head)>;

  explicit ScriptedApp(Script script) : script_(std::move(script)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd_, 128), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { Accept(); });
  }
  ~ScriptedApp() {
    stopping_ = true;
    acceptor_.join();
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& t : connections_) t.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  int connections() const { return accepted_.load(); }
  int requests() const { return requests_.load(); }
  std::string last_head() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_head_;
  }

 private:
  void Accept() {
    while (!stopping_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int conn = ::accept(fd_, nullptr, nullptr);
      if (conn < 0) continue;
      ++accepted_;
      std::lock_guard<std::mutex> lock(mu_);
      connections_.emplace_back([this, conn] { Serve(conn); });
    }
  }
  // Reads more bytes; false at the peer's close, an error, or the app stopping.
  bool ReadMore(int conn, std::string* in) {
    while (!stopping_) {
      pollfd p{conn, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      char buf[65536];
      ssize_t n = ::recv(conn, buf, sizeof(buf), 0);
      if (n <= 0) return false;
      in->append(buf, static_cast<size_t>(n));
      return true;
    }
    return false;
  }
  void Serve(int conn) {
    std::string in;
    while (true) {
      size_t head_end;
      while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
        if (!ReadMore(conn, &in)) return (void)::close(conn);
      }
      std::string head = in.substr(0, head_end);
      size_t body = 0;
      if (auto at = head.find("Content-Length: "); at != std::string::npos) body = std::stoul(head.substr(at + 16));
      while (in.size() < head_end + 4 + body) {
        if (!ReadMore(conn, &in)) return (void)::close(conn);
      }
      in.erase(0, head_end + 4 + body);
      Reply reply;
      {
        std::lock_guard<std::mutex> lock(mu_);
        last_head_ = head;
      }
      reply = script_(requests_++, head);
      if (reply.byte_at_a_time) {
        for (char c : reply.bytes) (void)::send(conn, &c, 1, MSG_NOSIGNAL);
      } else {
        (void)::send(conn, reply.bytes.data(), reply.bytes.size(), MSG_NOSIGNAL);
      }
      if (reply.close_after) return (void)::close(conn);
    }
  }

  Script script_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> requests_{0};
  std::thread acceptor_;
  std::mutex mu_;  // guards connections_ and last_head_
  std::vector<std::thread> connections_;
  std::string last_head_;
};

}  // namespace zroute::testing
