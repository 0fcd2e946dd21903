// TestApp: a real HTTP server on 127.0.0.1 (port 0) standing in for the app a sidecar delivers to.
// Each POST is recorded, then answered by the test's responder, which may block on a gate the test
// opens (to hold deliveries in progress). Every wait is bounded.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>

namespace zroute::testing {

class TestApp {
 public:
  struct Received {
    std::string path;
    httplib::Headers headers;
    std::string body;
    std::chrono::steady_clock::time_point at;
    std::string Header(const std::string& name) const {
      auto it = headers.find(name);
      return it == headers.end() ? "" : it->second;
    }
  };
  using Responder = std::function<void(const Received&, httplib::Response&)>;

  // keep_alive_max_count: requests served per connection before the app closes it.
  explicit TestApp(size_t keep_alive_max_count = 5) {
    server_.set_tcp_nodelay(true);
    server_.set_keep_alive_max_count(keep_alive_max_count);
    server_.Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      Received r{req.path, req.headers, req.body, std::chrono::steady_clock::now()};
      Responder respond;
      {
        std::unique_lock<std::mutex> lock(mu_);
        received_.push_back(r);
        ++active_;
        max_active_ = std::max(max_active_, active_);
        respond = responder_;
        cv_.notify_all();
        // A closed gate holds the request (bounded, so a broken test cannot hang the server).
        cv_.wait_for(lock, std::chrono::seconds(20), [this] { return gate_open_ || released_ > 0; });
        if (!gate_open_ && released_ > 0) --released_;
      }
      if (respond) {
        respond(r, res);
      } else {
        res.status = 200;
      }
      std::lock_guard<std::mutex> lock(mu_);
      --active_;
      cv_.notify_all();
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_TRUE(server_.is_running());
  }
  ~TestApp() {
    OpenGate();
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }

  void SetResponder(Responder r) {
    std::lock_guard<std::mutex> lock(mu_);
    responder_ = std::move(r);
  }
  // Answers every request with `status` (and Retry-After when given).
  void AnswerWith(int status, const std::string& retry_after = "", const std::string& body = "") {
    SetResponder([status, retry_after, body](const Received&, httplib::Response& res) {
      res.status = status;
      if (!retry_after.empty()) res.set_header("Retry-After", retry_after);
      res.set_content(body, "text/plain");
    });
  }

  // While closed, requests wait in the handler until Release() or OpenGate().
  void CloseGate() {
    std::lock_guard<std::mutex> lock(mu_);
    gate_open_ = false;
  }
  void OpenGate() {
    std::lock_guard<std::mutex> lock(mu_);
    gate_open_ = true;
    cv_.notify_all();
  }
  // Lets one held request through.
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    ++released_;
    cv_.notify_all();
  }

  // Waits (bounded) until at least n requests arrived / exactly n are being held.
  bool WaitForRequests(size_t n, std::chrono::milliseconds bound = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, bound, [&] { return received_.size() >= n; });
  }
  bool WaitForActive(int n, std::chrono::milliseconds bound = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, bound, [&] { return active_ == n; });
  }

  std::vector<Received> received() const {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  int max_active() const {
    std::lock_guard<std::mutex> lock(mu_);
    return max_active_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  Responder responder_;
  std::vector<Received> received_;
  bool gate_open_ = true;
  int released_ = 0;
  int active_ = 0;
  int max_active_ = 0;
};

}  // namespace zroute::testing
