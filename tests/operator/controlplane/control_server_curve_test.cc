// ControlServer with CURVE: sidecars are CURVE clients of the operator's key; REGISTER must carry
// the key of its own connection, and a sidecar id stays bound to the key it registered with.
#include <optional>
#include <thread>

#include <gtest/gtest.h>
#include <zmq.hpp>

#include "common/security/curve_keys.h"
#include "common/wire/control_messages.h"
#include "operator/controlplane/control_server.h"
#include "tests/support/simulated_clock.h"

namespace zroute {
namespace {

using std::chrono::milliseconds;
using wire::ControlCommand;

class CurveSidecar {
 public:
  CurveSidecar(zmq::context_t& context, const std::string& endpoint, const std::string& server_key,
               const security::CurveKeyPair& keys, const std::string& id)
      : id_(id), socket_(context, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::routing_id, id);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::curve_serverkey, server_key);
    socket_.set(zmq::sockopt::curve_publickey, keys.public_key);
    socket_.set(zmq::sockopt::curve_secretkey, keys.secret_key);
    socket_.connect(endpoint);
  }
  void Register(const std::string& public_key) {
    wire::SidecarInfo info;
    info.sidecar_id = id_;
    info.app_id = "billing";
    info.pod = "pod-" + id_;
    info.data_endpoint = "tcp://127.0.0.1:3600";
    info.public_key = public_key;
    Send(ControlCommand::kRegister, wire::SidecarInfoToJson(info));
  }
  void Send(ControlCommand command, const nlohmann::json& body) {
    std::string frame = wire::EncodeControlMessage({command, body});
    socket_.send(zmq::buffer(frame), zmq::send_flags::none);
  }
  // The next non-ping message within `bound`.
  std::optional<wire::ControlMessage> Next(milliseconds bound = milliseconds(5000)) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (true) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, left);
      if (!(item.revents & ZMQ_POLLIN)) continue;
      zmq::message_t frame;
      if (!socket_.recv(frame, zmq::recv_flags::dontwait)) continue;
      auto decoded = wire::DecodeControlMessage(frame.to_string_view());
      if (!decoded.ok() || decoded->command == ControlCommand::kPing) continue;
      return std::move(decoded).value();
    }
  }

 private:
  std::string id_;
  zmq::socket_t socket_;
};

class ControlServerCurveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    operator_keys_ = *security::GenerateCurveKeyPair();
    ControlServerOptions options;
    options.bind = "tcp://127.0.0.1:*";
    options.curve = operator_keys_;
    server_ = std::make_unique<ControlServer>(clock_, options, metrics_);
    auto endpoint = server_->Start();
    ASSERT_TRUE(endpoint.ok()) << endpoint.status();
    endpoint_ = *endpoint;
  }
  void TearDown() override { server_->Stop(); }

  std::unique_ptr<CurveSidecar> Sidecar(const security::CurveKeyPair& keys, const std::string& id) {
    return std::make_unique<CurveSidecar>(context_, endpoint_, operator_keys_.public_key, keys, id);
  }
  double Rejected(const std::string& reason) { return metrics_.control_rejected.With({reason}).Value(); }
  template <typename F>
  bool Eventually(F condition, milliseconds bound = milliseconds(5000)) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(milliseconds(2));  // polling a condition with a bound
    }
    return true;
  }

  testing::SimulatedClock clock_;
  OperatorMetrics metrics_;
  zmq::context_t context_{1};
  security::CurveKeyPair operator_keys_;
  std::unique_ptr<ControlServer> server_;
  std::string endpoint_;
};

TEST_F(ControlServerCurveTest, RegisterWithItsOwnKeyIsAnsweredAndTheKeyIsDistributed) {
  auto keys = *security::GenerateCurveKeyPair();
  auto s1 = Sidecar(keys, "s1");
  s1->Register(keys.public_key);
  auto m = s1->Next();
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->command, ControlCommand::kSnapshot);
  auto table = RoutingTable::FromJson(m->body);
  ASSERT_TRUE(table.ok());
  const Endpoint* e = table->FindEndpoint("s1");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->public_key, keys.public_key);
}

TEST_F(ControlServerCurveTest, RegisterCarryingAnotherKeyIsRefused) {
  auto keys = *security::GenerateCurveKeyPair();
  auto victim = *security::GenerateCurveKeyPair();
  auto s1 = Sidecar(keys, "s1");
  s1->Register(victim.public_key);
  ASSERT_TRUE(Eventually([&] { return Rejected("bad_register") >= 1; }));
  s1->Register("");
  ASSERT_TRUE(Eventually([&] { return Rejected("bad_register") >= 2; }));
  EXPECT_TRUE(server_->Members().empty());
  EXPECT_EQ(server_->Table()->FindEndpoint("s1"), nullptr);
}

TEST_F(ControlServerCurveTest, ASidecarIdStaysBoundToItsKey) {
  auto keys = *security::GenerateCurveKeyPair();
  auto s1 = Sidecar(keys, "s1");
  s1->Register(keys.public_key);
  ASSERT_TRUE(s1->Next().has_value());
  // Another key takes the same routing id once the first connection is gone. Until the server
  // has noticed that, it drops a second connection with a routing id in use (and that connection
  // never recovers), so the impostor tries again on a new connection until a REGISTER is handled.
  s1.reset();
  auto other = *security::GenerateCurveKeyPair();
  auto refused = [&] { return Rejected("key_mismatch") + Rejected("bad_register"); };
  std::unique_ptr<CurveSidecar> impostor;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (refused() < 1 && std::chrono::steady_clock::now() < deadline) {
    impostor = Sidecar(other, "s1");
    impostor->Register(other.public_key);
    Eventually([&] { return refused() >= 1; }, milliseconds(500));
  }
  ASSERT_GE(refused(), 1);
  const double before = refused();
  impostor->Send(ControlCommand::kLeave, nlohmann::json::object());
  impostor->Register(other.public_key);
  // Both refused as key_mismatch (a connection holding s1 can only be the impostor's now).
  ASSERT_TRUE(Eventually([&] { return refused() >= before + 2; }));
  auto members = server_->Members();
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].info.public_key, keys.public_key);
  EXPECT_FALSE(members[0].draining);
}

TEST_F(ControlServerCurveTest, ClientWithoutTheOperatorsKeyGetsNothing) {
  auto keys = *security::GenerateCurveKeyPair();
  auto wrong_server = *security::GenerateCurveKeyPair();
  CurveSidecar s(context_, endpoint_, wrong_server.public_key, keys, "s1");
  s.Register(keys.public_key);
  EXPECT_FALSE(s.Next(milliseconds(500)).has_value());
  EXPECT_TRUE(server_->Members().empty());
}

}  // namespace
}  // namespace zroute
