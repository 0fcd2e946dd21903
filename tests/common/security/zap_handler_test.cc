// ZapHandler against real CURVE sockets over loopback TCP: a ROUTER CURVE server in the handler's
// context, DEALER clients in another context.
#include "common/security/zap_handler.h"

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "common/security/curve_keys.h"

namespace zroute::security {
namespace {

using std::chrono::milliseconds;

class ZapHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_keys_ = *GenerateCurveKeyPair();
    handler_ = std::make_unique<ZapHandler>(
        server_context_, "test",
        [this](const std::string& key) -> std::optional<std::string> {
          std::lock_guard<std::mutex> lock(mu_);
          if (!admitted_.count(key)) return std::nullopt;
          return "user-" + key.substr(0, 4);
        },
        [this](const std::string& reason, const std::string&) {
          std::lock_guard<std::mutex> lock(mu_);
          reasons_.push_back(reason);
        });
    ASSERT_TRUE(handler_->Start().ok());
    server_.set(zmq::sockopt::curve_server, 1);
    server_.set(zmq::sockopt::curve_secretkey, server_keys_.secret_key);
    server_.set(zmq::sockopt::linger, 0);
    server_.bind("tcp://127.0.0.1:*");
    endpoint_ = server_.get(zmq::sockopt::last_endpoint);
  }

  zmq::socket_t Client(const CurveKeyPair& keys) {
    zmq::socket_t s(client_context_, zmq::socket_type::dealer);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::curve_serverkey, server_keys_.public_key);
    s.set(zmq::sockopt::curve_publickey, keys.public_key);
    s.set(zmq::sockopt::curve_secretkey, keys.secret_key);
    s.connect(endpoint_);
    return s;
  }

  // Waits up to `bound` for one message on the server: {body, User-Id}.
  std::optional<std::pair<std::string, std::string>> Receive(milliseconds bound) {
    zmq::pollitem_t item{server_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, bound) == 0) return std::nullopt;
    zmq::message_t id, body;
    (void)server_.recv(id);
    (void)server_.recv(body);
    return std::make_pair(body.to_string(), std::string(body.gets("User-Id")));
  }

  template <typename Pred>
  bool WaitFor(Pred pred, milliseconds bound = milliseconds(5000)) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (!pred()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(milliseconds(5));  // polling a condition with a bound
    }
    return true;
  }

  std::mutex mu_;  // guards admitted_, reasons_
  std::set<std::string> admitted_;
  std::vector<std::string> reasons_;
  zmq::context_t server_context_;
  zmq::context_t client_context_;
  CurveKeyPair server_keys_;
  std::unique_ptr<ZapHandler> handler_;
  zmq::socket_t server_{server_context_, zmq::socket_type::router};
  std::string endpoint_;
};

TEST_F(ZapHandlerTest, AdmittedKeyDeliversWithItsUserId) {
  auto keys = *GenerateCurveKeyPair();
  {
    std::lock_guard<std::mutex> lock(mu_);
    admitted_.insert(keys.public_key);
  }
  auto client = Client(keys);
  client.send(zmq::str_buffer("hello"), zmq::send_flags::none);
  auto got = Receive(milliseconds(5000));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->first, "hello");
  EXPECT_EQ(got->second, "user-" + keys.public_key.substr(0, 4));
  EXPECT_EQ(handler_->admitted(), 1u);
  EXPECT_EQ(handler_->refused(), 0u);
}

TEST_F(ZapHandlerTest, UnknownKeyIsRefusedAndNothingArrives) {
  auto rogue = *GenerateCurveKeyPair();
  auto client = Client(rogue);
  client.send(zmq::str_buffer("let me in"), zmq::send_flags::dontwait);
  ASSERT_TRUE(WaitFor([&] { return handler_->refused() >= 1; }));
  // The refusal is decided; whatever the client queued must never reach the server.
  EXPECT_FALSE(Receive(milliseconds(200)).has_value());
  std::lock_guard<std::mutex> lock(mu_);
  ASSERT_FALSE(reasons_.empty());
  EXPECT_EQ(reasons_.front(), "unknown_key");
  EXPECT_EQ(handler_->admitted(), 0u);
}

TEST_F(ZapHandlerTest, RefusedThenAdmittedKeyConnectsOnANewSocket) {
  auto keys = *GenerateCurveKeyPair();
  {
    auto first = Client(keys);
    first.send(zmq::str_buffer("early"), zmq::send_flags::dontwait);
    ASSERT_TRUE(WaitFor([&] { return handler_->refused() >= 1; }));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    admitted_.insert(keys.public_key);
  }
  auto second = Client(keys);
  second.send(zmq::str_buffer("later"), zmq::send_flags::none);
  auto got = Receive(milliseconds(5000));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->first, "later");
}

TEST_F(ZapHandlerTest, SecondHandlerInTheSameContextFailsToStart) {
  ZapHandler other(server_context_, "test", [](const std::string&) { return std::optional<std::string>("x"); });
  EXPECT_FALSE(other.Start().ok());
}

}  // namespace
}  // namespace zroute::security
