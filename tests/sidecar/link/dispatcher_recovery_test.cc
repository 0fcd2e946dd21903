// Dispatcher: what puts events back in line (nacks, lost replicas, table changes, ack timeouts),
// rewinding a subscription, and the progress figures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sidecar/link/dispatcher.h"
#include "tests/sidecar/link/dispatcher_test_util.h"
#include "tests/support/simulated_clock.h"

namespace zroute {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace zroute::testing;  // NOLINT(build/namespaces)

class DispatcherRecoveryTest : public ::testing::Test {
 protected:
  DispatcherRecoveryTest() {
    DispatcherOptions options;
    options.ack_timeout = std::chrono::seconds(10);
    dispatcher_ = std::make_unique<Dispatcher>(outbox_, clock_, metrics_, options);
  }
  void Install(const std::vector<Subscription>& subs, const std::vector<Endpoint>& replicas) {
    dispatcher_->OnTable(MakeTable(++version_, subs, replicas));
  }
  std::vector<RecordingSink::Delivery> Pump() {
    dispatcher_->Pump(sink_);
    return sink_.Take();
  }
  SubscriptionProgress Progress() {
    auto all = dispatcher_->Progress();
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? SubscriptionProgress{} : all.front();
  }
  void AckAll(const std::vector<RecordingSink::Delivery>& sent) {
    for (const auto& d : sent) dispatcher_->OnAck(d.frame.delivery_id);
  }

  MemoryOutbox outbox_;
  SimulatedClock clock_;
  SidecarMetrics metrics_;
  RecordingSink sink_;
  std::unique_ptr<Dispatcher> dispatcher_;
  uint64_t version_ = 0;
};

TEST_F(DispatcherRecoveryTest, NackedKeyedEventIsResentBeforeLaterEventsOfItsKey) {
  AppendEvents(outbox_, {"a", "a"});
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  sink_.Grant("r1", 10);
  auto first = Pump();
  ASSERT_THAT(EventIds(first), ElementsAre("e0"));

  dispatcher_->OnNack(first[0].frame.delivery_id, wire::NackReason::kOverloaded);
  auto again = Pump();
  ASSERT_THAT(EventIds(again), ElementsAre("e0")) << "e1 must not overtake the redelivery of e0";
  EXPECT_EQ(again[0].frame.attempt, 2u);
  EXPECT_NE(again[0].frame.delivery_id, first[0].frame.delivery_id);
  EXPECT_EQ(metrics_.redelivered.With({kSubKey}).Value(), 1);

  dispatcher_->OnAck(again[0].frame.delivery_id);
  EXPECT_THAT(EventIds(Pump()), ElementsAre("e1"));
}

TEST_F(DispatcherRecoveryTest, EventHandedBackOnShutdownGoesToAnotherReplica) {
  AppendEvents(outbox_, {""});
  Install({MakeSubscription("billing-orders")}, {Replica("r1"), Replica("r2")});
  sink_.Grant("r1", 1);
  auto first = Pump();
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(first[0].sidecar_id, "r1");

  dispatcher_->OnNack(first[0].frame.delivery_id, wire::NackReason::kShuttingDown);
  sink_.Grant("r2", 1);
  auto again = Pump();
  ASSERT_THAT(EventIds(again), ElementsAre("e0"));
  EXPECT_EQ(again[0].sidecar_id, "r2");
  EXPECT_EQ(again[0].frame.attempt, 2u);
}

TEST_F(DispatcherRecoveryTest, RejectedEventIsPassedOverNotResent) {
  AppendEvents(outbox_, {"a", "a"});
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  sink_.Grant("r1", 10);
  auto first = Pump();
  ASSERT_EQ(first.size(), 1u);

  dispatcher_->OnNack(first[0].frame.delivery_id, wire::NackReason::kRejected);
  EXPECT_THAT(EventIds(Pump()), ElementsAre("e1")) << "the key is released, e0 is not sent again";
  EXPECT_EQ(Progress().cursor, 1u);
}

TEST_F(DispatcherRecoveryTest, LostReplicasUnkeyedEventsAreResentToAnother) {
  AppendEvents(outbox_, {"", "", "", ""});
  Install({MakeSubscription("billing-orders")}, {Replica("r1"), Replica("r2")});
  sink_.Grant("r1", 10);
  sink_.Grant("r2", 10);
  auto sent = Pump();
  ASSERT_EQ(sent.size(), 4u);
  std::vector<std::string> on_r1;
  for (const auto& d : sent) {
    if (d.sidecar_id == "r1") on_r1.push_back(EventId(d.frame));
  }
  ASSERT_EQ(on_r1.size(), 2u);

  sink_.Revoke("r1");  // a lost peer has no credit
  dispatcher_->OnPeerLost("r1");
  EXPECT_EQ(Progress().in_flight, 2u);
  auto again = Pump();
  EXPECT_EQ(EventIds(again), on_r1);
  for (const auto& d : again) {
    EXPECT_EQ(d.sidecar_id, "r2");
    EXPECT_EQ(d.frame.attempt, 2u);
  }
  // The lost replica's late acks change nothing; the new deliveries' acks finish the window.
  for (const auto& d : sent) {
    if (d.sidecar_id == "r2") dispatcher_->OnAck(d.frame.delivery_id);
  }
  for (const auto& d : sent) dispatcher_->OnAck(d.frame.delivery_id);
  EXPECT_EQ(Progress().cursor, 0u);
  AckAll(again);
  EXPECT_EQ(Progress().cursor, 4u);
}

TEST_F(DispatcherRecoveryTest, KeyedEventOfALostReplicaWaitsUntilTheTableDropsIt) {
  std::string key = KeyOwnedBy("r1", {"r1", "r2"});
  AppendEvents(outbox_, {key});
  Install({MakeSubscription("billing-orders")}, {Replica("r1"), Replica("r2")});
  sink_.Grant("r1", 1);
  sink_.Grant("r2", 10);
  auto first = Pump();
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(first[0].sidecar_id, "r1");

  dispatcher_->OnPeerLost("r1");
  EXPECT_THAT(Pump(), IsEmpty()) << "the key's owner is still listed: its order is kept for it";

  Install({MakeSubscription("billing-orders")}, {Replica("r2")});
  auto again = Pump();
  ASSERT_THAT(EventIds(again), ElementsAre("e0"));
  EXPECT_EQ(again[0].sidecar_id, "r2");
}

TEST_F(DispatcherRecoveryTest, ReplicaLeavingTheTableHasItsEventsResent) {
  AppendEvents(outbox_, {"", ""});
  Install({MakeSubscription("billing-orders")}, {Replica("r1"), Replica("r2")});
  sink_.Grant("r1", 10);
  sink_.Grant("r2", 10);
  auto sent = Pump();
  ASSERT_EQ(sent.size(), 2u);

  Install({MakeSubscription("billing-orders")}, {Replica("r2")});
  auto again = Pump();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].sidecar_id, "r2");
  EXPECT_EQ(EventId(again[0].frame), "e0");  // r1 had e0 (round robin starts at r1)
  EXPECT_EQ(Progress().in_flight, 2u);
}

TEST_F(DispatcherRecoveryTest, UnackedEventIsResentAfterTheAckTimeout) {
  AppendEvents(outbox_, {"a", "a"});
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  sink_.Grant("r1", 10);
  auto first = Pump();
  ASSERT_EQ(first.size(), 1u);

  clock_.Advance(std::chrono::seconds(10));
  dispatcher_->CheckTimeouts();
  EXPECT_THAT(Pump(), IsEmpty()) << "not before the timeout has passed";

  clock_.Advance(std::chrono::milliseconds(1));
  dispatcher_->CheckTimeouts();
  auto again = Pump();
  ASSERT_THAT(EventIds(again), ElementsAre("e0"));
  EXPECT_EQ(again[0].frame.attempt, 2u);

  // The late ack of the first delivery is ignored: only the current one counts.
  dispatcher_->OnAck(first[0].frame.delivery_id);
  EXPECT_THAT(Pump(), IsEmpty());
  EXPECT_EQ(Progress().cursor, 0u);
  dispatcher_->OnAck(again[0].frame.delivery_id);
  EXPECT_THAT(EventIds(Pump()), ElementsAre("e1"));
  EXPECT_EQ(Progress().cursor, 1u);
}

TEST_F(DispatcherRecoveryTest, RewindToAnOffsetReplaysFromThere) {
  AppendEvents(outbox_, {"", "", "", ""});
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  sink_.Grant("r1", 100);
  AckAll(Pump());
  Pump();
  ASSERT_EQ(outbox_.Cursor(kTopicKey, kSubKey), 4u);

  ASSERT_TRUE(dispatcher_->Rewind(kSubKey, 1).ok());
  EXPECT_EQ(outbox_.Cursor(kTopicKey, kSubKey), 1u);
  EXPECT_EQ(Progress().cursor, 1u);
  EXPECT_THAT(EventIds(Pump()), ElementsAre("e1", "e2", "e3"));
}

TEST_F(DispatcherRecoveryTest, RewindToATimeReplaysEventsPublishedSince) {
  WallTime t0 = clock_.WallNow();
  AppendEvents(outbox_, {"", ""}, t0);
  AppendEvents(outbox_, {"", ""}, t0 + std::chrono::minutes(5));
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  sink_.Grant("r1", 100);
  AckAll(Pump());

  uint64_t offset = outbox_.OffsetForTime(kTopicKey, t0 + std::chrono::minutes(1));
  ASSERT_TRUE(dispatcher_->Rewind(kSubKey, offset).ok());
  EXPECT_THAT(EventIds(Pump()), ElementsAre("e2", "e3"));
}

TEST_F(DispatcherRecoveryTest, RewindIsClampedToTheRetainedRange) {
  AppendEvents(outbox_, {"", ""});
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  ASSERT_TRUE(dispatcher_->Rewind(kSubKey, 1000).ok());
  EXPECT_EQ(Progress().cursor, 2u) << "skipping past the end stops at the end";
  sink_.Grant("r1", 10);
  EXPECT_THAT(Pump(), IsEmpty());

  // Retention removes e0..e1 (the cursor is past them); a rewind to 0 starts at e2.
  AppendEvents(outbox_, {""}, clock_.WallNow());
  ASSERT_TRUE(outbox_.ApplyRetention(kTopicKey, TopicRetention{std::chrono::seconds(60), 0},
                                     clock_.WallNow(), Outbox::kKeepNothingBack).ok());
  ASSERT_EQ(outbox_.BeginOffset(kTopicKey), 2u);
  ASSERT_TRUE(dispatcher_->Rewind(kSubKey, 0).ok());
  EXPECT_EQ(Progress().cursor, 2u);
}

TEST_F(DispatcherRecoveryTest, RewindForgetsTheWindowSoOldAcksAreIgnored) {
  AppendEvents(outbox_, {"a", "a", ""});
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  sink_.Grant("r1", 10);
  auto old = Pump();
  ASSERT_THAT(EventIds(old), ElementsAre("e0", "e2"));

  ASSERT_TRUE(dispatcher_->Rewind(kSubKey, 0).ok());
  EXPECT_EQ(Progress().in_flight, 0u);
  AckAll(old);
  EXPECT_EQ(Progress().cursor, 0u) << "acks for the dropped window must not move the new cursor";
  auto replay = Pump();
  EXPECT_THAT(EventIds(replay), ElementsAre("e0", "e2")) << "key a is claimed afresh";
}

TEST_F(DispatcherRecoveryTest, RewindOfAnUnknownSubscriptionIsNotFound) {
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  EXPECT_EQ(dispatcher_->Rewind("default/nope", 0).code(), StatusCode::kNotFound);
}

TEST_F(DispatcherRecoveryTest, ProgressReportsCursorEndInFlightAndLag) {
  AppendEvents(outbox_, {"", "", "", "", ""});
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  sink_.Grant("r1", 2);
  auto sent = Pump();
  ASSERT_EQ(sent.size(), 2u);
  dispatcher_->OnAck(sent[0].frame.delivery_id);
  Pump();

  SubscriptionProgress p = Progress();
  EXPECT_EQ(p.subscription, kSubKey);
  EXPECT_EQ(p.topic, kTopicKey);
  EXPECT_EQ(p.app_id, kApp);
  EXPECT_EQ(p.cursor, 1u);
  EXPECT_EQ(p.end, 5u);
  EXPECT_EQ(p.in_flight, 1u);
  EXPECT_EQ(p.lag(), 4u);
  EXPECT_EQ(metrics_.lag.With({kSubKey}).Value(), 4);
  EXPECT_EQ(metrics_.in_flight.With({kSubKey}).Value(), 1);
}

TEST_F(DispatcherRecoveryTest, NewSubscriptionStartsAtTheFirstRetainedEvent) {
  WallTime old = clock_.WallNow() - std::chrono::hours(2);
  AppendEvents(outbox_, {"", "", ""}, old);
  AppendEvents(outbox_, {""}, clock_.WallNow());
  ASSERT_TRUE(outbox_.ApplyRetention(kTopicKey, TopicRetention{std::chrono::hours(1), 0}, clock_.WallNow(), Outbox::kKeepNothingBack).ok());
  ASSERT_EQ(outbox_.BeginOffset(kTopicKey), 3u);

  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  sink_.Grant("r1", 10);
  EXPECT_EQ(Progress().cursor, 3u);
  EXPECT_THAT(EventIds(Pump()), ElementsAre("e3"));
}

TEST_F(DispatcherRecoveryTest, RemovedSubscriptionForgetsItsCursor) {
  AppendEvents(outbox_, {"", ""});
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  sink_.Grant("r1", 10);
  AckAll(Pump());
  Pump();
  ASSERT_EQ(outbox_.Cursor(kTopicKey, kSubKey), 2u);

  Install({}, {Replica("r1")});
  EXPECT_TRUE(dispatcher_->Progress().empty());
  EXPECT_EQ(outbox_.Cursor(kTopicKey, kSubKey), 0u) << "a deleted subscription holds no retention";
}

TEST_F(DispatcherRecoveryTest, AnswersForARemovedSubscriptionAreIgnored) {
  AppendEvents(outbox_, {"a", "", ""});
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  sink_.Grant("r1", 10);
  auto sent = Pump();
  ASSERT_EQ(sent.size(), 3u);

  Install({}, {Replica("r1")});
  // The replica still answers for what it had: nothing may touch the forgotten subscription.
  dispatcher_->OnAck(sent[0].frame.delivery_id);
  dispatcher_->OnNack(sent[1].frame.delivery_id, wire::NackReason::kOverloaded);
  dispatcher_->OnNack(sent[2].frame.delivery_id, wire::NackReason::kRejected);
  dispatcher_->OnPeerLost("r1");
  dispatcher_->CheckTimeouts();
  EXPECT_THAT(Pump(), IsEmpty());

  // Brought back, it starts afresh from its (dropped) cursor.
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  EXPECT_THAT(EventIds(Pump()), ElementsAre("e0", "e1", "e2"));
}

TEST_F(DispatcherRecoveryTest, SubscriptionMovedToAnotherTopicFollowsIt) {
  AppendEvents(outbox_, {"", ""});
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  sink_.Grant("r1", 10);
  auto old = Pump();
  ASSERT_EQ(old.size(), 2u);
  dispatcher_->OnAck(old[0].frame.delivery_id);
  Pump();
  ASSERT_EQ(outbox_.Cursor(kTopicKey, kSubKey), 1u);

  const std::string payments = "default/payments";
  ASSERT_TRUE(outbox_.Append(payments, {OutboxRecord{WallTime{}, "", EncodeEventBinary(MakeEvent("p0"))}}).ok());
  Subscription moved = MakeSubscription("billing-orders");
  moved.spec.topic = "payments";
  Install({moved}, {Replica("r1")});

  auto sent = Pump();
  ASSERT_THAT(EventIds(sent), ElementsAre("p0"));
  EXPECT_EQ(sent[0].frame.topic, payments);
  EXPECT_EQ(Progress().topic, payments);
  EXPECT_EQ(outbox_.Cursor(kTopicKey, kSubKey), 0u) << "the old topic's cursor no longer holds its retention";
  dispatcher_->OnAck(old[1].frame.delivery_id);  // a late answer from the old topic changes nothing
  dispatcher_->OnAck(sent[0].frame.delivery_id);
  Pump();
  EXPECT_EQ(outbox_.Cursor(payments, kSubKey), 1u);
}

TEST_F(DispatcherRecoveryTest, TurningOrderingOffReleasesEventsWaitingBehindAKey) {
  AppendEvents(outbox_, {"a", "a", "a"});
  Install({MakeSubscription("billing-orders", /*ordered=*/true)}, {Replica("r1")});
  sink_.Grant("r1", 10);
  auto first = Pump();
  ASSERT_THAT(EventIds(first), ElementsAre("e0"));

  Install({MakeSubscription("billing-orders", /*ordered=*/false)}, {Replica("r1")});
  dispatcher_->OnAck(first[0].frame.delivery_id);
  // What queued behind the key under ordering is released as acks come (new events would not
  // queue at all); what matters is that none is stranded.
  std::vector<std::string> rest;
  for (int i = 0; i < 5 && Progress().cursor < 3; ++i) {
    auto sent = Pump();
    for (const auto& id : EventIds(sent)) rest.push_back(id);
    AckAll(sent);
  }
  EXPECT_THAT(rest, ElementsAre("e1", "e2")) << "events that waited behind key a must not be stranded";
  EXPECT_EQ(Progress().cursor, 3u);
}

}  // namespace
}  // namespace zroute
