// Shared set-up for the operator/kube tests: a FakeKubeServer on 127.0.0.1:0, a temp dir holding
// a token file, and an HttpKubeClient pointed at the server with that token.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "operator/kube/http_kube_client.h"
#include "tests/support/fake_kube/fake_kube_server.h"
#include "tests/support/simulated_clock.h"

namespace zroute::kube::testing {

class KubeTestEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("zroute-kube-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    WriteToken("token-1");
    server_.SetValidToken("token-1");
    ASSERT_TRUE(server_.Start().ok());
    client_ = NewClient();
  }
  void TearDown() override {
    client_.reset();  // closes its keep-alive connections so the server stops at once
    server_.Stop();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<HttpKubeClient> NewClient(HttpKubeClientOptions options = {}) {
    KubeConfig config;
    config.server = server_.url();
    config.token_file = (dir_ / "token").string();
    auto client = HttpKubeClient::Create(config, clock_, options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? std::move(client).value() : nullptr;
  }
  void WriteToken(const std::string& token) {
    std::ofstream((dir_ / "token").string(), std::ios::trunc) << token << "\n";
  }
  // Waits (bounded) for `cond`; the fake's threads make some transitions asynchronous.
  static bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!cond()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  static inline int counter_ = 0;
  std::filesystem::path dir_;
  zroute::testing::SimulatedClock clock_;
  zroute::testing::FakeKubeServer server_;
  std::unique_ptr<HttpKubeClient> client_;
};

inline const GroupVersionResource kWidgets{"example.zroute.io", "v1", "widgets"};

inline Json Widget(const std::string& name, int size = 1, Json labels = Json::object()) {
  return {{"apiVersion", "example.zroute.io/v1"},
          {"kind", "Widget"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"spec", {{"size", size}}}};
}

}  // namespace zroute::kube::testing
