// PeerLinks against a scripted consumer (a plain ZeroMQ ROUTER on loopback): HELLO and CREDIT,
// and the heartbeat audit that resets a link whose consumer never received some event frames.
// Time is simulated; socket reads wait on poll with a bound.
#include "sidecar/link/peer_links.h"

#include <optional>
#include <set>

#include <gtest/gtest.h>

#include "common/wire/link_messages.h"
#include "common/wire/wire_format.h"
#include "tests/sidecar/link/dispatcher_test_util.h"
#include "tests/support/simulated_clock.h"

namespace zroute::testing {
namespace {

constexpr std::chrono::milliseconds kBound{10000};  // real-time bound on waiting for one message

class PeerLinksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.sidecar_id = "shop-1";
    config_.app_id = "shop";
    consumer_.bind("tcp://127.0.0.1:*");
    Endpoint replica = Replica("billing-1");
    replica.data_endpoint = consumer_.get(zmq::sockopt::last_endpoint);
    table_ = MakeTable(1, {MakeSubscription("billing-orders", /*ordered=*/false)}, {replica});
    dispatcher_.OnTable(table_);
    links_.OnTable(*table_);
  }

  // One turn of the publisher's loop (as LinkLoop runs it), then simulated time moves on.
  void Turn(std::chrono::milliseconds advance = std::chrono::milliseconds(50)) {
    dispatcher_.Pump(links_);
    links_.Flush(dispatcher_);
    poll_.Clear();
    links_.AddToPoll(poll_);
    poll_.Wait(std::chrono::milliseconds(5));
    for (size_t i = 0; i < poll_.size(); ++i) {
      if (poll_.Readable(i)) links_.OnReadable(i, dispatcher_);
    }
    links_.Tick(dispatcher_);
    clock_.Advance(advance);
  }

  // Turns the publisher until the consumer reads a message of type T (others are skipped).
  template <typename T>
  std::optional<T> Expect() {
    auto deadline = std::chrono::steady_clock::now() + kBound;
    while (std::chrono::steady_clock::now() < deadline) {
      Turn();
      zmq::message_t identity, body;
      while (consumer_.recv(identity, zmq::recv_flags::dontwait)) {
        EXPECT_TRUE(consumer_.recv(body, zmq::recv_flags::dontwait));
        peer_ = identity.to_string();
        auto decoded = wire::DecodeLinkMessage(body.to_string_view());
        EXPECT_TRUE(decoded.ok()) << decoded.status();
        if (decoded.ok() && std::holds_alternative<T>(*decoded)) return std::get<T>(*decoded);
      }
    }
    ADD_FAILURE() << "the consumer never received the expected message";
    return std::nullopt;
  }

  void Reply(const wire::LinkMessage& m) { ReplyBytes(wire::EncodeLinkMessage(m)); }
  void ReplyBytes(const std::string& bytes) {
    consumer_.send(zmq::buffer(peer_), zmq::send_flags::sndmore);
    consumer_.send(zmq::buffer(bytes));
  }

  // Lets the publisher read the consumer's answers.
  void Settle() {
    for (int i = 0; i < 20; ++i) Turn(std::chrono::milliseconds(0));
  }

  std::set<std::string> IdsOf(const wire::Events& events) {
    std::set<std::string> ids;
    for (const auto& f : events.events) ids.insert(EventId(f));
    return ids;
  }

  SidecarConfig config_;
  zmq::context_t context_;
  zmq::socket_t consumer_{context_, zmq::socket_type::router};
  std::string peer_;
  SimulatedClock clock_;
  SidecarMetrics metrics_;
  MemoryOutbox outbox_;
  Dispatcher dispatcher_{outbox_, clock_, metrics_};
  LinkSecurity security_{config_, context_, metrics_};
  PeerLinks links_{context_, config_, clock_, metrics_, security_};
  SocketPoll poll_;
  RoutingTablePtr table_;
};

TEST_F(PeerLinksTest, SendsEventsOnlyAfterTheConsumerAnswersHello) {
  AppendEvents(outbox_, {"", "", ""});
  auto hello = Expect<wire::Hello>();
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->sidecar_id, "shop-1");
  EXPECT_EQ(hello->app_id, "shop");
  Reply(wire::Credit{2});
  auto events = Expect<wire::Events>();
  ASSERT_TRUE(events);
  EXPECT_EQ(events->events.size(), 2u) << "two credits, two events";
}

TEST_F(PeerLinksTest, FramesTheConsumerNeverReceivedAreDetectedAtTheNextHeartbeatAndSentAgain) {
  AppendEvents(outbox_, {"", "", "", "", ""});
  ASSERT_TRUE(Expect<wire::Hello>());
  Reply(wire::Credit{5});
  auto lost = Expect<wire::Events>();
  ASSERT_TRUE(lost);
  ASSERT_EQ(lost->events.size(), 5u);
  // The consumer drops them unanswered (as it does with a message whose key its table lacks):
  // all credit is spent, so the publisher can only heartbeat.
  auto heartbeat = Expect<wire::Heartbeat>();
  ASSERT_TRUE(heartbeat);
  EXPECT_EQ(heartbeat->sent, 5u);
  Reply(wire::Heartbeat{heartbeat->sent, 0});

  // The link starts over: HELLO again, and the same events go out again.
  ASSERT_TRUE(Expect<wire::Hello>());
  EXPECT_EQ(metrics_.link_resyncs.With({}).Value(), 1);
  Reply(wire::Credit{5});
  auto again = Expect<wire::Events>();
  ASSERT_TRUE(again);
  EXPECT_EQ(IdsOf(*again), IdsOf(*lost));
  for (const auto& f : again->events) EXPECT_EQ(f.attempt, 2u);

  // This time they arrive and are acknowledged; the next audit agrees and nothing is reset.
  std::vector<uint64_t> ids;
  for (const auto& f : again->events) ids.push_back(f.delivery_id);
  Reply(wire::Ack{ids, 5});
  auto next = Expect<wire::Heartbeat>();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->sent, 5u) << "counted from the last HELLO";
  Reply(wire::Heartbeat{next->sent, 5});
  Settle();
  EXPECT_EQ(metrics_.link_resyncs.With({}).Value(), 1);
  EXPECT_EQ(dispatcher_.Progress().front().cursor, 5u);
}

TEST_F(PeerLinksTest, CreditFromBeforeTheHelloAnswerIsNotCountedTwice) {
  AppendEvents(outbox_, {"", "", "", ""});
  ASSERT_TRUE(Expect<wire::Hello>());
  // A late ACK of an earlier link arrives first, then the answer to HELLO.
  Reply(wire::Ack{{}, 3});
  Reply(wire::Credit{1});
  auto events = Expect<wire::Events>();
  ASSERT_TRUE(events);
  EXPECT_EQ(events->events.size(), 1u) << "CREDIT sets the link's credit; the earlier ACK's does not add to it";
}

TEST_F(PeerLinksTest, OlderSidecarsHeartbeatWithoutCountsCausesNoReset) {
  AppendEvents(outbox_, {""});
  ASSERT_TRUE(Expect<wire::Hello>());
  Reply(wire::Credit{1});
  ASSERT_TRUE(Expect<wire::Events>());
  ASSERT_TRUE(Expect<wire::Heartbeat>());
  // A bare HEARTBEAT header, as sidecars before the audit send it: nothing to audit.
  ReplyBytes(std::string{static_cast<char>(wire::kProtocolVersion), static_cast<char>(wire::LinkCommand::kHeartbeat)});
  Settle();
  EXPECT_EQ(metrics_.link_resyncs.With({}).Value(), 0);
}

}  // namespace
}  // namespace zroute::testing
