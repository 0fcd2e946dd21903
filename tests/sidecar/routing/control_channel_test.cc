// ControlChannel against a scripted operator: a real ZeroMQ ROUTER on loopback plays the
// operator's side of the control protocol (docs/wire_format.md).
#include "sidecar/routing/control_channel.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <optional>

#include "common/routing/routing_diff.h"
#include "tests/support/simulated_clock.h"

namespace zroute {
namespace {

using wire::ControlCommand;

RoutingTable TableAt(uint64_t version, const std::string& marker) {
  RoutingTable::Entries entries;
  entries["topic/default/" + marker] = nlohmann::json{{"name", marker}};
  auto t = RoutingTable::FromEntries(version, entries);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return *t;
}

class ControlChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.set(zmq::sockopt::linger, 0);
    router_.bind("tcp://127.0.0.1:*");
    config_.operator_endpoint = router_.get(zmq::sockopt::last_endpoint);
    config_.heartbeat_interval = std::chrono::milliseconds(1000);
    self_.sidecar_id = "shop-1-abc";
    self_.app_id = "shop";
    self_.namespace_ = "default";
    self_.pod = "shop-1";
    self_.data_endpoint = "tcp://127.0.0.1:1";
    cache_ = std::filesystem::temp_directory_path() / ("zroute-cc-" + std::to_string(getpid()) + ".json");
    std::filesystem::remove(cache_);
    channel_.emplace(context_, config_, self_, clock_, table_, metrics_, cache_.string());
    channel_->Start();
  }
  void TearDown() override {
    channel_.reset();
    std::filesystem::remove(cache_);
  }

  // The next message the sidecar sent, within a bound.
  std::optional<wire::ControlMessage> Receive() {
    zmq::pollitem_t item{router_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(5000)) <= 0) return std::nullopt;
    zmq::message_t identity, frame;
    (void)router_.recv(identity);
    identity_ = identity.to_string();
    (void)router_.recv(frame);
    auto decoded = wire::DecodeControlMessage(frame.to_string_view());
    if (!decoded.ok()) return std::nullopt;
    return *decoded;
  }
  // Skips heartbeats; returns the next other message.
  std::optional<wire::ControlMessage> ReceiveNonHeartbeat() {
    for (int i = 0; i < 10; ++i) {
      auto m = Receive();
      if (!m || m->command != ControlCommand::kHeartbeat) return m;
    }
    return std::nullopt;
  }
  void Send(ControlCommand command, const nlohmann::json& body) {
    std::string frame = wire::EncodeControlMessage({command, body});
    router_.send(zmq::buffer(identity_), zmq::send_flags::sndmore);
    router_.send(zmq::buffer(frame));
  }
  // Lets the channel read what the operator sent (bounded).
  void Deliver() {
    zmq::pollitem_t item{channel_->socket().handle(), 0, ZMQ_POLLIN, 0};
    ASSERT_GT(zmq::poll(&item, 1, std::chrono::milliseconds(5000)), 0);
    channel_->OnReadable();
  }
  uint64_t Version() {
    auto t = table_.Get();
    return t ? t->version() : 0;
  }

  zmq::context_t context_{1};
  zmq::socket_t router_{context_, zmq::socket_type::router};
  SidecarConfig config_;
  wire::SidecarInfo self_;
  testing::SimulatedClock clock_;
  TableHolder table_;
  SidecarMetrics metrics_;
  std::filesystem::path cache_;
  std::optional<ControlChannel> channel_;
  std::string identity_;
};

TEST_F(ControlChannelTest, RegistersThenInstallsSnapshotAndSequentialUpdates) {
  auto reg = Receive();
  ASSERT_TRUE(reg);
  EXPECT_EQ(reg->command, ControlCommand::kRegister);
  EXPECT_EQ(identity_, "shop-1-abc");
  EXPECT_EQ(reg->body.value("sidecarId", ""), "shop-1-abc");

  RoutingTable v1 = TableAt(100, "orders");
  Send(ControlCommand::kSnapshot, v1.ToJson());
  Deliver();
  EXPECT_EQ(Version(), 100u);
  EXPECT_TRUE(std::filesystem::exists(cache_)) << "an installed table is cached";

  RoutingTable v2 = TableAt(101, "payments");
  Send(ControlCommand::kUpdate, Diff(v1, v2).ToJson());
  Deliver();
  EXPECT_EQ(Version(), 101u);
  EXPECT_EQ(table_.Get()->entries(), v2.entries());
}

TEST_F(ControlChannelTest, AGapInTheUpdatesAsksForASnapshot) {
  ASSERT_TRUE(Receive());  // REGISTER
  RoutingTable v1 = TableAt(100, "orders");
  Send(ControlCommand::kSnapshot, v1.ToJson());
  Deliver();
  ASSERT_EQ(Version(), 100u);

  // 101 → 102 arrives, but 100 → 101 was lost: the diff must not be applied.
  RoutingTable v2 = TableAt(101, "payments"), v3 = TableAt(102, "refunds");
  Send(ControlCommand::kUpdate, Diff(v2, v3).ToJson());
  Deliver();
  EXPECT_EQ(Version(), 100u);
  auto request = ReceiveNonHeartbeat();
  ASSERT_TRUE(request);
  EXPECT_EQ(request->command, ControlCommand::kSnapshotRequest);

  Send(ControlCommand::kSnapshot, v3.ToJson());
  Deliver();
  EXPECT_EQ(Version(), 102u);

  // Old news (an update to a version already held) is ignored without a request.
  Send(ControlCommand::kUpdate, Diff(v1, v2).ToJson());
  Deliver();
  EXPECT_EQ(Version(), 102u);
}

TEST_F(ControlChannelTest, APingAnnouncingAnotherVersionAsksForASnapshotAtMostOncePerInterval) {
  ASSERT_TRUE(Receive());  // REGISTER
  Send(ControlCommand::kSnapshot, TableAt(100, "orders").ToJson());
  Deliver();
  clock_.Advance(std::chrono::seconds(2));
  Send(ControlCommand::kPing, {{"version", 105}});
  Deliver();
  auto request = ReceiveNonHeartbeat();
  ASSERT_TRUE(request);
  EXPECT_EQ(request->command, ControlCommand::kSnapshotRequest);

  // A second ping in the same interval does not ask again; after the interval it does.
  Send(ControlCommand::kPing, {{"version", 105}});
  Deliver();
  Send(ControlCommand::kPing, {{"version", "not a number"}});  // hostile: no crash
  Deliver();
  clock_.Advance(std::chrono::milliseconds(1500));
  Send(ControlCommand::kPing, {{"version", 105}});
  Deliver();
  int requests = 0;
  zmq::pollitem_t item{router_.handle(), 0, ZMQ_POLLIN, 0};
  while (zmq::poll(&item, 1, std::chrono::milliseconds(200)) > 0) {
    auto m = Receive();
    if (m && m->command == ControlCommand::kSnapshotRequest) ++requests;
  }
  EXPECT_EQ(requests, 1);
}

TEST_F(ControlChannelTest, UnknownSidecarAndSilenceMakeItRegisterAgain) {
  ASSERT_TRUE(Receive());  // REGISTER
  Send(ControlCommand::kUnknownSidecar, nlohmann::json::object());
  Deliver();
  auto again = ReceiveNonHeartbeat();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->command, ControlCommand::kRegister);

  // The operator falls silent (it restarted): after a few heartbeat intervals, register again.
  clock_.Advance(std::chrono::seconds(10));
  channel_->Tick(nlohmann::json::object());
  auto after_silence = ReceiveNonHeartbeat();
  ASSERT_TRUE(after_silence);
  EXPECT_EQ(after_silence->command, ControlCommand::kRegister);
}

TEST_F(ControlChannelTest, MalformedSnapshotsAndUpdatesChangeNothing) {
  ASSERT_TRUE(Receive());  // REGISTER
  Send(ControlCommand::kSnapshot, TableAt(100, "orders").ToJson());
  Deliver();
  Send(ControlCommand::kSnapshot, {{"version", "x"}, {"entries", 3}});
  Deliver();
  Send(ControlCommand::kUpdate, {{"from", 100}, {"to", 101}, {"set", "nope"}});
  Deliver();
  EXPECT_EQ(Version(), 100u);
  EXPECT_EQ(table_.Get()->entries(), TableAt(100, "orders").entries());
}

}  // namespace
}  // namespace zroute
