// ControlServer over a real ZeroMQ loopback connection: each test plays one or more sidecars with
// a DEALER socket whose routing id is the sidecar id. Time (heartbeat expiry, pings) is the
// simulated clock; the server's loop re-reads it at least every 100 ms, so every wait is bounded.
#include "operator/controlplane/control_server.h"

#include <optional>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zmq.hpp>

#include "common/routing/routing_diff.h"
#include "common/wire/control_messages.h"
#include "tests/support/simulated_clock.h"

namespace zroute {
namespace {

using std::chrono::milliseconds;
using wire::ControlCommand;

// One sidecar's end of the control protocol.
class FakeSidecar {
 public:
  FakeSidecar(zmq::context_t& context, const std::string& endpoint, const std::string& id)
      : id_(id), socket_(context, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::routing_id, id);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect(endpoint);
  }

  void Send(ControlCommand command, const nlohmann::json& body) {
    SendRaw(wire::EncodeControlMessage({command, body}));
  }
  void SendRaw(const std::string& frame) { socket_.send(zmq::buffer(frame), zmq::send_flags::none); }
  void SendMultipart(const std::vector<std::string>& frames) {
    for (size_t i = 0; i < frames.size(); ++i) {
      socket_.send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  }
  wire::SidecarInfo Info(const std::string& app_id = "billing") const {
    wire::SidecarInfo info;
    info.sidecar_id = id_;
    info.app_id = app_id;
    info.namespace_ = "default";
    info.pod = "pod-" + id_;
    info.data_endpoint = "tcp://127.0.0.1:3600";
    return info;
  }
  void Register() { Send(ControlCommand::kRegister, wire::SidecarInfoToJson(Info())); }

  // The next message that is not a ping (unless a ping is what the test waits for).
  std::optional<wire::ControlMessage> Next(bool skip_pings = true, milliseconds bound = milliseconds(5000)) {
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
      EXPECT_TRUE(decoded.ok()) << "the server sent an undecodable frame: " << decoded.status();
      if (!decoded.ok()) continue;
      if (skip_pings && decoded->command == ControlCommand::kPing) continue;
      return std::move(decoded).value();
    }
  }
  // Sends a snapshot request and returns the snapshot: everything sent before has been handled.
  std::optional<RoutingTable> RoundTrip() {
    Send(ControlCommand::kSnapshotRequest, nlohmann::json::object());
    auto m = Next();
    if (!m || m->command != ControlCommand::kSnapshot) return std::nullopt;
    auto table = RoutingTable::FromJson(m->body);
    EXPECT_TRUE(table.ok()) << table.status();
    return table.ok() ? std::optional<RoutingTable>(std::move(table).value()) : std::nullopt;
  }

 private:
  std::string id_;
  zmq::socket_t socket_;
};

ResourceSet Resources(const std::vector<std::string>& subscription_names) {
  ResourceSet r;
  Topic t;
  t.meta.name = "orders";
  r.topics.push_back(t);
  for (const auto& name : subscription_names) {
    Subscription s;
    s.meta.name = name;
    s.spec.topic = "orders";
    s.spec.app_id = "billing";
    r.subscriptions.push_back(s);
  }
  return r;
}

std::vector<std::string> EndpointIds(const RoutingTable& table) {
  std::vector<std::string> ids;
  for (const auto& e : table.EndpointsOf("default", "billing")) ids.push_back(e.sidecar_id);
  return ids;
}

// Cluster mode's view of ready pods: each named pod with one IP and the app-id it was injected for.
ReadyPods Ready(const std::vector<std::string>& pods, const std::string& ip = "127.0.0.1",
                std::optional<std::string> app_id = "billing") {
  ReadyPods ready;
  for (const auto& pod : pods) ready[pod] = PodIdentity{{ip}, app_id};
  return ready;
}

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(true); }
  void StartServer(bool check_source_ip) {
    if (server_) server_->Stop();
    ControlServerOptions options;
    options.bind = "tcp://127.0.0.1:*";
    options.heartbeat_timeout = std::chrono::seconds(5);
    options.ping_interval = std::chrono::seconds(1);
    options.check_source_ip = check_source_ip;
    server_ = std::make_unique<ControlServer>(clock_, options, metrics_);
    auto endpoint = server_->Start();
    ASSERT_TRUE(endpoint.ok()) << endpoint.status();
    endpoint_ = *endpoint;
  }
  void TearDown() override { server_->Stop(); }

  std::unique_ptr<FakeSidecar> Sidecar(const std::string& id) {
    return std::make_unique<FakeSidecar>(context_, endpoint_, id);
  }
  // Registers and returns the snapshot that answers it.
  RoutingTable RegisterAndSnapshot(FakeSidecar& s) {
    s.Register();
    auto m = s.Next();
    EXPECT_TRUE(m.has_value()) << "no answer to register";
    if (!m) return {};
    EXPECT_EQ(m->command, ControlCommand::kSnapshot);
    auto table = RoutingTable::FromJson(m->body);
    EXPECT_TRUE(table.ok()) << table.status();
    return table.ok() ? std::move(table).value() : RoutingTable{};
  }
  double Rejected(const std::string& reason) { return metrics_.control_rejected.With({reason}).Value(); }
  // Bounded wait for a condition the server's loop makes true on its own schedule.
  template <typename F>
  bool Eventually(F condition, milliseconds bound = milliseconds(5000)) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(milliseconds(2));
    }
    return true;
  }

  testing::SimulatedClock clock_;
  OperatorMetrics metrics_;
  zmq::context_t context_{1};
  std::unique_ptr<ControlServer> server_;
  std::string endpoint_;
};

TEST_F(ControlServerTest, RegisterIsAnsweredWithASnapshotThatListsTheSidecar) {
  server_->SetResources(Resources({"billing-orders"}));
  auto s1 = Sidecar("s1");
  RoutingTable table = RegisterAndSnapshot(*s1);

  EXPECT_THAT(EndpointIds(table), ::testing::ElementsAre("s1"));
  EXPECT_NE(table.FindSubscription("default/billing-orders"), nullptr);
  EXPECT_NE(table.FindTopic("default/orders"), nullptr);
  EXPECT_EQ(table.version(), server_->Table()->version());
  EXPECT_EQ(table.entries(), server_->Table()->entries());
  ASSERT_EQ(server_->Members().size(), 1u);
  EXPECT_EQ(server_->Members()[0].info, s1->Info());
  EXPECT_EQ(metrics_.registrations.With({}).Value(), 1);
}

TEST_F(ControlServerTest, TableChangesAreSentAsSequencedUpdates) {
  server_->SetResources(Resources({"billing-orders"}));
  auto s1 = Sidecar("s1");
  RoutingTable table = RegisterAndSnapshot(*s1);

  server_->SetResources(Resources({"billing-orders", "billing-refunds"}));
  auto m = s1->Next();
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->command, ControlCommand::kUpdate);
  auto diff = RoutingDiff::FromJson(m->body);
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->from_version, table.version());
  EXPECT_EQ(diff->to_version, table.version() + 1);
  EXPECT_EQ(diff->changes.size(), 1u);
  EXPECT_TRUE(diff->changes.count(SubscriptionEntryKey("default/billing-refunds")));
  auto next = ApplyDiff(table, *diff);
  ASSERT_TRUE(next.ok()) << next.status();

  server_->SetResources(Resources({"billing-refunds"}));
  m = s1->Next();
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->command, ControlCommand::kUpdate);
  diff = RoutingDiff::FromJson(m->body);
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->from_version, table.version() + 1);
  auto last = ApplyDiff(*next, *diff);
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->FindSubscription("default/billing-orders"), nullptr) << "a removal travels too";
  EXPECT_EQ(last->entries(), server_->Table()->entries());
  EXPECT_EQ(last->version(), server_->Table()->version());
}

TEST_F(ControlServerTest, UnchangedResourcesPublishNoNewVersion) {
  server_->SetResources(Resources({"billing-orders"}));
  auto s1 = Sidecar("s1");
  RoutingTable table = RegisterAndSnapshot(*s1);

  server_->SetResources(Resources({"billing-orders"}));
  auto same = s1->RoundTrip();  // the snapshot is sent after the set above is applied
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->version(), table.version());

  server_->SetResources(Resources({"billing-orders", "billing-refunds"}));
  auto m = s1->Next();
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->command, ControlCommand::kUpdate);
  auto diff = RoutingDiff::FromJson(m->body);
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->from_version, table.version()) << "the identical set must not have bumped the version";
}

TEST_F(ControlServerTest, NewSidecarIsAnnouncedToTheOthersAndGetsASnapshot) {
  server_->SetResources(Resources({"billing-orders"}));
  auto s1 = Sidecar("s1");
  RoutingTable table = RegisterAndSnapshot(*s1);
  auto s2 = Sidecar("s2");
  RoutingTable second = RegisterAndSnapshot(*s2);
  EXPECT_THAT(EndpointIds(second), ::testing::ElementsAre("s1", "s2"));

  auto m = s1->Next();
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->command, ControlCommand::kUpdate);
  auto diff = RoutingDiff::FromJson(m->body);
  ASSERT_TRUE(diff.ok());
  auto next = ApplyDiff(table, *diff);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->entries(), second.entries());
}

TEST_F(ControlServerTest, VersionsStartAtTheWallClockSoARestartedOperatorCountsOn) {
  auto ms = std::chrono::duration_cast<milliseconds>(clock_.WallNow().time_since_epoch()).count();
  EXPECT_EQ(server_->Table()->version(), static_cast<uint64_t>(ms));
  server_->SetResources(Resources({"billing-orders"}));
  auto s1 = Sidecar("s1");
  EXPECT_GT(RegisterAndSnapshot(*s1).version(), static_cast<uint64_t>(ms));
}

TEST_F(ControlServerTest, InClusterModeOnlyReadyPodsAreListed) {
  server_->SetResources(Resources({"billing-orders"}));
  server_->SetReadyPods(Ready({"default/pod-s1"}));
  auto s1 = Sidecar("s1");
  auto s2 = Sidecar("s2");
  RegisterAndSnapshot(*s1);
  RoutingTable table = RegisterAndSnapshot(*s2);
  EXPECT_THAT(EndpointIds(table), ::testing::ElementsAre("s1")) << "s2 is registered but its pod is not ready";
  EXPECT_EQ(server_->Members().size(), 2u);

  server_->SetReadyPods(Ready({"default/pod-s1", "default/pod-s2"}));
  auto m = s2->Next();
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->command, ControlCommand::kUpdate);
  auto diff = RoutingDiff::FromJson(m->body);
  ASSERT_TRUE(diff.ok());
  auto next = ApplyDiff(table, *diff);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_THAT(EndpointIds(*next), ::testing::ElementsAre("s1", "s2"));
}

TEST_F(ControlServerTest, RecordsTheSourceAddressOfTheRegisteringConnection) {
  auto s1 = Sidecar("s1");
  RegisterAndSnapshot(*s1);
  std::vector<Member> members = server_->Members();
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].peer_address, "127.0.0.1") << "the address the test sidecar connects from";
}

TEST_F(ControlServerTest, InClusterModeARegistrationNotBoundToItsPodIsNotListedAndIsCountedOnce) {
  server_->SetResources(Resources({"billing-orders"}));
  ReadyPods ready = Ready({"default/pod-s1"});
  ready["default/pod-s2"] = PodIdentity{{"10.1.2.3"}, "billing"};   // another pod's address
  ready["default/pod-s3"] = PodIdentity{{"127.0.0.1"}, "shipping"};  // injected for another app
  server_->SetReadyPods(ready);
  auto s1 = Sidecar("s1");
  auto s2 = Sidecar("s2");
  auto s3 = Sidecar("s3");
  RegisterAndSnapshot(*s1);
  RegisterAndSnapshot(*s2);
  RoutingTable table = RegisterAndSnapshot(*s3);
  EXPECT_THAT(EndpointIds(table), ::testing::ElementsAre("s1"));
  EXPECT_EQ(server_->Members().size(), 3u) << "refused registrations stay members: they are only not listed";
  EXPECT_EQ(Rejected("pod_mismatch"), 2);

  // Rebuilt with the same pods: still refused, not counted again.
  server_->SetReadyPods(ready);
  auto same = s1->RoundTrip();  // the snapshot answers after the new pods were applied
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->entries(), table.entries());
  EXPECT_EQ(Rejected("pod_mismatch"), 2);

  // The pod turns out to have the sidecar's address after all: it is listed.
  ready["default/pod-s2"].ips = {"10.1.2.3", "127.0.0.1"};
  server_->SetReadyPods(ready);
  auto m = s1->Next();
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->command, ControlCommand::kUpdate);
  auto diff = RoutingDiff::FromJson(m->body);
  ASSERT_TRUE(diff.ok());
  auto next = ApplyDiff(*same, *diff);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_THAT(EndpointIds(*next), ::testing::ElementsAre("s1", "s2"));
  EXPECT_EQ(Rejected("pod_mismatch"), 2);
}

TEST_F(ControlServerTest, WithTheSourceCheckOffOnlyPodAndAppIdMustMatch) {
  StartServer(/*check_source_ip=*/false);
  server_->SetResources(Resources({"billing-orders"}));
  ReadyPods ready = Ready({"default/pod-s1"}, "10.1.2.3");
  ready["default/pod-s2"] = PodIdentity{{"10.1.2.4"}, "shipping"};
  server_->SetReadyPods(ready);
  auto s1 = Sidecar("s1");
  auto s2 = Sidecar("s2");
  RegisterAndSnapshot(*s1);
  RoutingTable table = RegisterAndSnapshot(*s2);
  EXPECT_THAT(EndpointIds(table), ::testing::ElementsAre("s1")) << "the address is ignored, the app-id is not";
  EXPECT_EQ(Rejected("pod_mismatch"), 1);
}

TEST_F(ControlServerTest, PingCarriesTheCurrentVersion) {
  auto s1 = Sidecar("s1");
  RoutingTable table = RegisterAndSnapshot(*s1);
  clock_.Advance(std::chrono::seconds(1));
  auto m = s1->Next(/*skip_pings=*/false);
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->command, ControlCommand::kPing);
  EXPECT_EQ(m->body.value("version", uint64_t{0}), table.version());
}

TEST_F(ControlServerTest, HeartbeatKeepsASidecarAliveAndRecordsItsLoad) {
  auto s1 = Sidecar("s1");
  RoutingTable table = RegisterAndSnapshot(*s1);
  nlohmann::json load = {{"inFlight", 7}};
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(std::chrono::seconds(3));
    s1->Send(ControlCommand::kHeartbeat, {{"version", table.version()}, {"load", load}});
    ASSERT_TRUE(s1->RoundTrip().has_value()) << "heartbeat " << i;
  }
  // 12 s since registering, 0 s since the last heartbeat: still a member.
  ASSERT_TRUE(Eventually([&] {
    auto members = server_->Members();
    return members.size() == 1 && members[0].load == load && members[0].table_version == table.version();
  }));
}

TEST_F(ControlServerTest, SilentSidecarExpiresAndLeavesTheTable) {
  server_->SetResources(Resources({"billing-orders"}));
  auto s1 = Sidecar("s1");
  auto s2 = Sidecar("s2");
  RegisterAndSnapshot(*s1);
  RegisterAndSnapshot(*s2);
  ASSERT_TRUE(s1->Next().has_value());  // the update announcing s2

  clock_.Advance(std::chrono::seconds(3));
  s2->Send(ControlCommand::kHeartbeat, {{"version", 1}});
  ASSERT_TRUE(s2->RoundTrip().has_value());
  clock_.Advance(std::chrono::seconds(3));  // s1 silent for 6 s, s2 for 3 s

  auto m = s2->Next();
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->command, ControlCommand::kUpdate);
  EXPECT_THAT(EndpointIds(*server_->Table()), ::testing::ElementsAre("s2"));
  ASSERT_TRUE(Eventually([&] { return server_->Members().size() == 1; }));
  EXPECT_EQ(server_->Members()[0].info.sidecar_id, "s2");
  EXPECT_EQ(metrics_.sidecars_expired.With({}).Value(), 1);

  // The expired sidecar is told to register again, and can.
  s1->Send(ControlCommand::kHeartbeat, {{"version", 1}});
  m = s1->Next();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->command, ControlCommand::kUnknownSidecar);
  RoutingTable back = RegisterAndSnapshot(*s1);
  EXPECT_THAT(EndpointIds(back), ::testing::ElementsAre("s1", "s2"));
}

TEST_F(ControlServerTest, UnknownSidecarIsToldToRegister) {
  auto s1 = Sidecar("s1");
  s1->Send(ControlCommand::kSnapshotRequest, nlohmann::json::object());
  auto m = s1->Next();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->command, ControlCommand::kUnknownSidecar);
  s1->Send(ControlCommand::kHeartbeat, {{"version", 1}});
  m = s1->Next();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->command, ControlCommand::kUnknownSidecar);
  EXPECT_TRUE(server_->Members().empty());
}

TEST_F(ControlServerTest, RegistrationUnderAnotherIdentityIsRefused) {
  auto s1 = Sidecar("s1");
  wire::SidecarInfo other = s1->Info();
  other.sidecar_id = "s2";
  s1->Send(ControlCommand::kRegister, wire::SidecarInfoToJson(other));
  nlohmann::json missing = wire::SidecarInfoToJson(s1->Info());
  missing.erase("dataEndpoint");
  s1->Send(ControlCommand::kRegister, missing);
  s1->Send(ControlCommand::kRegister, {{"sidecarId", 7}});
  RoutingTable table = RegisterAndSnapshot(*s1);  // answered in order: the bad ones were handled
  EXPECT_EQ(Rejected("bad_register"), 3);
  EXPECT_THAT(EndpointIds(table), ::testing::ElementsAre("s1"));
}

TEST_F(ControlServerTest, MalformedFramesAreCountedAndIgnored) {
  auto s1 = Sidecar("s1");
  const std::string header = {static_cast<char>(wire::kProtocolVersion), static_cast<char>(ControlCommand::kRegister)};
  s1->SendRaw("");
  s1->SendRaw("\x01");
  s1->SendRaw(std::string("\x09\x01{}", 4));                 // unknown protocol version
  s1->SendRaw(std::string("\x01\x63{}", 4));                 // unknown command
  s1->SendRaw(std::string("\x01\x00{}", 4));                 // command 0
  s1->SendRaw(header + "{not json");
  s1->SendRaw(header + "[1,2,3]");
  s1->SendRaw(header + std::string(100000, '['));            // deeply nested garbage
  s1->SendRaw(header + std::string("{\"a\":\"\xFF\xFE\"}"));  // not UTF-8
  RoutingTable table = RegisterAndSnapshot(*s1);
  EXPECT_EQ(Rejected("malformed"), 9);
  EXPECT_THAT(EndpointIds(table), ::testing::ElementsAre("s1"));
}

TEST_F(ControlServerTest, ExtraFramesInOneMessageAreDropped) {
  auto s1 = Sidecar("s1");
  std::string hb = wire::EncodeControlMessage({ControlCommand::kHeartbeat, {{"version", 1}}});
  s1->SendMultipart({hb, "trailing", "frames"});
  RoutingTable table = RegisterAndSnapshot(*s1);
  EXPECT_GE(Rejected("malformed"), 1);
  EXPECT_THAT(EndpointIds(table), ::testing::ElementsAre("s1"));
}

TEST_F(ControlServerTest, OperatorOnlyCommandsFromASidecarAreRejected) {
  auto s1 = Sidecar("s1");
  RegisterAndSnapshot(*s1);
  for (ControlCommand c : {ControlCommand::kSnapshot, ControlCommand::kUpdate, ControlCommand::kPing,
                           ControlCommand::kUnknownSidecar}) {
    s1->Send(c, {{"version", 1}});
  }
  ASSERT_TRUE(s1->RoundTrip().has_value());
  EXPECT_EQ(Rejected("unexpected"), 4);
}

TEST_F(ControlServerTest, HeartbeatWithBadFieldsDoesNotBringTheServerDown) {
  auto s1 = Sidecar("s1");
  RegisterAndSnapshot(*s1);
  for (const nlohmann::json& body : {nlohmann::json{{"version", "seven"}}, nlohmann::json{{"version", nullptr}},
                                     nlohmann::json{{"version", {1, 2}}}, nlohmann::json{{"version", -1}},
                                     nlohmann::json{{"version", 1.5}}, nlohmann::json{{"load", "busy"}},
                                     nlohmann::json{{"load", nullptr}}}) {
    s1->Send(ControlCommand::kHeartbeat, body);
  }
  ASSERT_TRUE(s1->RoundTrip().has_value()) << "the server stopped answering";
  EXPECT_EQ(server_->Members().size(), 1u);
}

TEST(ControlServerStartTest, UnbindableEndpointIsUnavailable) {
  testing::SimulatedClock clock;
  OperatorMetrics metrics;
  ControlServerOptions options;
  options.bind = "tcp://not-an-address:0";
  ControlServer server(clock, options, metrics);
  auto endpoint = server.Start();
  EXPECT_EQ(endpoint.status().code(), StatusCode::kUnavailable);
  server.Stop();  // nothing was started: a no-op
}

}  // namespace
}  // namespace zroute
