// Dispatcher: the cursor window, per-key ordering, replica choice and credit.
// Redelivery, rewind and progress are in dispatcher_recovery_test.cc.
#include "sidecar/link/dispatcher.h"

#include <algorithm>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/sidecar/link/dispatcher_test_util.h"
#include "tests/support/simulated_clock.h"

namespace zroute {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace zroute::testing;  // NOLINT(build/namespaces)

class DispatcherTest : public ::testing::Test {
 protected:
  void Make(DispatcherOptions options = {}) {
    dispatcher_ = std::make_unique<Dispatcher>(outbox_, clock_, metrics_, options);
  }
  void Install(const std::vector<Subscription>& subs, const std::vector<Endpoint>& replicas) {
    if (!dispatcher_) Make();
    dispatcher_->OnTable(MakeTable(++version_, subs, replicas));
  }
  std::vector<RecordingSink::Delivery> Pump() {
    dispatcher_->Pump(sink_);
    return sink_.Take();
  }
  SubscriptionProgress ProgressOf(const std::string& key) {
    for (const auto& p : dispatcher_->Progress()) {
      if (p.subscription == key) return p;
    }
    ADD_FAILURE() << "no progress for " << key;
    return {};
  }
  // Acks the delivery that carried event `id`.
  void AckEvent(const std::vector<RecordingSink::Delivery>& sent, const std::string& id) {
    for (const auto& d : sent) {
      if (EventId(d.frame) == id) return dispatcher_->OnAck(d.frame.delivery_id);
    }
    ADD_FAILURE() << "event " << id << " was not sent";
  }

  MemoryOutbox outbox_;
  SimulatedClock clock_;
  SidecarMetrics metrics_;
  RecordingSink sink_;
  std::unique_ptr<Dispatcher> dispatcher_;
  uint64_t version_ = 0;
};

TEST_F(DispatcherTest, SendsFramesNamingTopicSubscriptionAndFirstAttempt) {
  AppendEvents(outbox_, {"", ""});
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  sink_.Grant("r1", 10);

  auto sent = Pump();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_THAT(EventIds(sent), ElementsAre("e0", "e1"));
  for (const auto& d : sent) {
    EXPECT_EQ(d.sidecar_id, "r1");
    EXPECT_EQ(d.frame.topic, kTopicKey);
    EXPECT_EQ(d.frame.subscription, kSubKey);
    EXPECT_EQ(d.frame.attempt, 1u);
  }
  EXPECT_NE(sent[0].frame.delivery_id, sent[1].frame.delivery_id);
  EXPECT_THAT(Pump(), IsEmpty()) << "nothing is sent twice while it is in flight";
}

TEST_F(DispatcherTest, NewSubscriptionStartsAtItsPersistedCursor) {
  AppendEvents(outbox_, {"", "", "", ""});
  ASSERT_TRUE(outbox_.CommitCursor(kTopicKey, kSubKey, 2).ok());
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  sink_.Grant("r1", 10);

  EXPECT_THAT(EventIds(Pump()), ElementsAre("e2", "e3"));
  EXPECT_EQ(ProgressOf(kSubKey).cursor, 2u);
}

TEST_F(DispatcherTest, WindowBoundsOffsetsHeldPastTheCursor) {
  DispatcherOptions options;
  options.window = 4;
  options.read_batch = 2;
  Make(options);
  AppendEvents(outbox_, std::vector<std::string>(10, ""));
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  sink_.Grant("r1", 100);

  // One Pump reads at most read_batch records; the window stops the third read.
  auto first = Pump();
  EXPECT_THAT(EventIds(first), ElementsAre("e0", "e1"));
  for (auto& d : Pump()) first.push_back(std::move(d));
  EXPECT_THAT(EventIds(first), ElementsAre("e0", "e1", "e2", "e3"));
  EXPECT_THAT(Pump(), IsEmpty());
  // Acks above the cursor do not move the window: e0 still holds it.
  AckEvent(first, "e1");
  AckEvent(first, "e2");
  AckEvent(first, "e3");
  EXPECT_THAT(Pump(), IsEmpty());
  EXPECT_EQ(ProgressOf(kSubKey).cursor, 0u);

  AckEvent(first, "e0");
  auto next = Pump();
  for (auto& d : Pump()) next.push_back(std::move(d));
  EXPECT_THAT(EventIds(next), ElementsAre("e4", "e5", "e6", "e7"));
  EXPECT_THAT(Pump(), IsEmpty());
  EXPECT_EQ(ProgressOf(kSubKey).cursor, 4u);
}

TEST_F(DispatcherTest, AcksMoveTheCursorOnlyOverContiguousOffsetsAndPersistIt) {
  AppendEvents(outbox_, {"", "", ""});
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  sink_.Grant("r1", 10);
  auto sent = Pump();
  ASSERT_EQ(sent.size(), 3u);

  AckEvent(sent, "e2");
  Pump();
  EXPECT_EQ(outbox_.Cursor(kTopicKey, kSubKey), 0u);
  AckEvent(sent, "e0");
  Pump();
  EXPECT_EQ(outbox_.Cursor(kTopicKey, kSubKey), 1u);
  AckEvent(sent, "e1");
  Pump();
  EXPECT_EQ(outbox_.Cursor(kTopicKey, kSubKey), 3u);
  EXPECT_EQ(ProgressOf(kSubKey).lag(), 0u);
}

TEST_F(DispatcherTest, SameKeyEventsAreSentOneAtATimeInOffsetOrder) {
  AppendEvents(outbox_, {"a", "a", "a"});
  Install({MakeSubscription("billing-orders")}, {Replica("r1"), Replica("r2")});
  sink_.Grant("r1", 10);
  sink_.Grant("r2", 10);

  auto sent = Pump();
  ASSERT_THAT(EventIds(sent), ElementsAre("e0"));
  EXPECT_THAT(Pump(), IsEmpty()) << "e1 must wait until e0 is acked";
  dispatcher_->OnAck(sent[0].frame.delivery_id);
  auto second = Pump();
  ASSERT_THAT(EventIds(second), ElementsAre("e1"));
  dispatcher_->OnAck(second[0].frame.delivery_id);
  EXPECT_THAT(EventIds(Pump()), ElementsAre("e2"));
}

TEST_F(DispatcherTest, DifferentKeysProceedInParallel) {
  AppendEvents(outbox_, {"a", "b", "a", "c", "b"});
  Install({MakeSubscription("billing-orders")}, {Replica("r1"), Replica("r2")});
  sink_.Grant("r1", 10);
  sink_.Grant("r2", 10);

  auto sent = Pump();
  EXPECT_THAT(EventIds(sent), ElementsAre("e0", "e1", "e3"));
  AckEvent(sent, "e1");  // b's next one may go, a's must still wait
  auto next = Pump();
  EXPECT_THAT(EventIds(next), ElementsAre("e4"));
  AckEvent(sent, "e0");
  EXPECT_THAT(EventIds(Pump()), ElementsAre("e2"));
}

TEST_F(DispatcherTest, UnorderedSubscriptionSendsSameKeyEventsTogether) {
  AppendEvents(outbox_, {"a", "a", "a"});
  Install({MakeSubscription("billing-orders", /*ordered=*/false)}, {Replica("r1")});
  sink_.Grant("r1", 10);
  EXPECT_THAT(EventIds(Pump()), ElementsAre("e0", "e1", "e2"));
}

TEST_F(DispatcherTest, KeyedEventsGoToTheirRendezvousReplica) {
  const std::vector<std::string> ids = {"r1", "r2", "r3"};
  std::vector<std::string> keys;
  for (int i = 0; i < 30; ++i) keys.push_back("customer-" + std::to_string(i));
  AppendEvents(outbox_, keys);
  Install({MakeSubscription("billing-orders")}, {Replica("r3"), Replica("r1"), Replica("r2")});
  for (const auto& id : ids) sink_.Grant(id, 100);

  auto sent = Pump();
  ASSERT_EQ(sent.size(), keys.size());
  std::set<std::string> used;
  for (const auto& d : sent) {
    size_t offset = std::stoul(EventId(d.frame).substr(1));
    EXPECT_EQ(d.sidecar_id, OwnerOf(keys[offset], ids)) << "key " << keys[offset];
    used.insert(d.sidecar_id);
  }
  EXPECT_EQ(used.size(), 3u) << "30 keys should spread over all replicas";
}

TEST_F(DispatcherTest, KeyKeepsItsReplicaAcrossEvents) {
  AppendEvents(outbox_, {"order-42", "order-42", "order-42"});
  Install({MakeSubscription("billing-orders")}, {Replica("r1"), Replica("r2"), Replica("r3")});
  for (const char* id : {"r1", "r2", "r3"}) sink_.Grant(id, 100);

  std::set<std::string> replicas;
  for (int i = 0; i < 3; ++i) {
    auto sent = Pump();
    ASSERT_EQ(sent.size(), 1u);
    replicas.insert(sent[0].sidecar_id);
    dispatcher_->OnAck(sent[0].frame.delivery_id);
  }
  EXPECT_EQ(replicas.size(), 1u);
  EXPECT_EQ(*replicas.begin(), OwnerOf("order-42", {"r1", "r2", "r3"}));
}

TEST_F(DispatcherTest, OnlyKeysOfADepartedReplicaMove) {
  const std::vector<std::string> three = {"r1", "r2", "r3"};
  const std::vector<std::string> two = {"r1", "r2"};
  std::vector<std::string> keys;
  for (int i = 0; i < 30; ++i) keys.push_back("k" + std::to_string(i));
  Install({MakeSubscription("billing-orders")}, {Replica("r1"), Replica("r2"), Replica("r3")});
  Install({MakeSubscription("billing-orders")}, {Replica("r1"), Replica("r2")});
  AppendEvents(outbox_, keys);
  for (const auto& id : three) sink_.Grant(id, 100);

  auto sent = Pump();
  ASSERT_EQ(sent.size(), keys.size());
  for (const auto& d : sent) {
    const std::string& key = keys[std::stoul(EventId(d.frame).substr(1))];
    EXPECT_NE(d.sidecar_id, "r3");
    if (OwnerOf(key, three) != "r3") {
      EXPECT_EQ(d.sidecar_id, OwnerOf(key, three)) << "key " << key << " moved";
    }
  }
}

TEST_F(DispatcherTest, UnkeyedEventsRoundRobinOverReplicas) {
  AppendEvents(outbox_, std::vector<std::string>(6, ""));
  Install({MakeSubscription("billing-orders")}, {Replica("r1"), Replica("r2"), Replica("r3")});
  for (const char* id : {"r1", "r2", "r3"}) sink_.Grant(id, 10);

  std::vector<std::string> targets;
  for (const auto& d : Pump()) targets.push_back(d.sidecar_id);
  EXPECT_THAT(targets, ElementsAre("r1", "r2", "r3", "r1", "r2", "r3"));
}

TEST_F(DispatcherTest, RoundRobinSkipsReplicasWithoutCredit) {
  AppendEvents(outbox_, std::vector<std::string>(4, ""));
  Install({MakeSubscription("billing-orders")}, {Replica("r1"), Replica("r2"), Replica("r3")});
  sink_.Grant("r1", 10);
  sink_.Grant("r3", 10);

  std::vector<std::string> targets;
  for (const auto& d : Pump()) targets.push_back(d.sidecar_id);
  EXPECT_THAT(targets, ElementsAre("r1", "r3", "r1", "r3"));
}

TEST_F(DispatcherTest, CreditLimitsWhatIsSent) {
  AppendEvents(outbox_, std::vector<std::string>(5, ""));
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  sink_.Grant("r1", 2);

  EXPECT_THAT(EventIds(Pump()), ElementsAre("e0", "e1"));
  EXPECT_THAT(Pump(), IsEmpty());
  sink_.Grant("r1", 1);
  EXPECT_THAT(EventIds(Pump()), ElementsAre("e2"));
  EXPECT_EQ(ProgressOf(kSubKey).in_flight, 3u);
}

TEST_F(DispatcherTest, KeyWaitingForItsReplicasCreditDoesNotBlockOthers) {
  const std::vector<std::string> ids = {"r1", "r2"};
  std::string on_r1 = KeyOwnedBy("r1", ids);
  std::string on_r2 = KeyOwnedBy("r2", ids);
  AppendEvents(outbox_, {on_r1, "", on_r2, ""});
  Install({MakeSubscription("billing-orders")}, {Replica("r1"), Replica("r2")});
  sink_.Grant("r2", 10);

  auto sent = Pump();
  EXPECT_THAT(EventIds(sent), ElementsAre("e1", "e2", "e3"));
  for (const auto& d : sent) EXPECT_EQ(d.sidecar_id, "r2");

  sink_.Grant("r1", 1);
  auto later = Pump();
  ASSERT_THAT(EventIds(later), ElementsAre("e0"));
  EXPECT_EQ(later[0].sidecar_id, "r1") << "a keyed event never goes to a replica other than its owner";
}

TEST_F(DispatcherTest, NothingIsSentWithoutReplicas) {
  AppendEvents(outbox_, {"", "a"});
  Install({MakeSubscription("billing-orders")}, {});
  EXPECT_THAT(Pump(), IsEmpty());
  Install({MakeSubscription("billing-orders")}, {Replica("r1")});
  sink_.Grant("r1", 10);
  EXPECT_THAT(EventIds(Pump()), ElementsAre("e0", "e1"));
}

TEST_F(DispatcherTest, EventsFilteredOutAreSkippedAndCountAsDone) {
  Subscription sub = MakeSubscription("billing-orders");
  Filter f;
  f.kind = Filter::Kind::kExact;
  f.attributes["type"] = "order.created";
  sub.spec.filters.push_back(f);
  std::vector<OutboxRecord> records;
  for (int i = 0; i < 4; ++i) {
    CloudEvent e = MakeEvent("e" + std::to_string(i), i % 2 == 0 ? "order.created" : "order.paid");
    records.push_back(OutboxRecord{WallTime{}, "", EncodeEventBinary(e)});
  }
  records.push_back(OutboxRecord{WallTime{}, "", "not an event"});
  ASSERT_TRUE(outbox_.Append(kTopicKey, std::move(records)).ok());
  Install({sub}, {Replica("r1")});
  sink_.Grant("r1", 10);

  auto sent = Pump();
  EXPECT_THAT(EventIds(sent), ElementsAre("e0", "e2"));
  AckEvent(sent, "e0");
  AckEvent(sent, "e2");
  Pump();
  EXPECT_EQ(outbox_.Cursor(kTopicKey, kSubKey), 5u) << "filtered and undecodable events are passed over";
}

TEST_F(DispatcherTest, SubscriptionsOfOneTopicKeepTheirOwnCursors) {
  AppendEvents(outbox_, {"", ""});
  Subscription billing = MakeSubscription("billing-orders");
  Subscription audit = MakeSubscription("audit-orders", true, "audit");
  Install({billing, audit}, {Replica("r1"), Replica("a1", "audit")});
  sink_.Grant("r1", 10);
  sink_.Grant("a1", 10);

  auto sent = Pump();
  ASSERT_EQ(sent.size(), 4u);
  for (const auto& d : sent) {
    EXPECT_EQ(d.frame.subscription, d.sidecar_id == "a1" ? "default/audit-orders" : kSubKey);
    if (d.sidecar_id == "r1") dispatcher_->OnAck(d.frame.delivery_id);
  }
  Pump();
  EXPECT_EQ(outbox_.Cursor(kTopicKey, kSubKey), 2u);
  EXPECT_EQ(outbox_.Cursor(kTopicKey, "default/audit-orders"), 0u);
}

}  // namespace
}  // namespace zroute
