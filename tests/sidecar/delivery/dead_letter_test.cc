#include "sidecar/delivery/dead_letter.h"

#include <gtest/gtest.h>

#include "common/cloudevents/attribute_rules.h"

namespace zroute {
namespace {

CloudEvent Original() {
  CloudEvent e;
  e.id = "evt-9";
  e.source = "zroute://shop";
  e.type = "order.created";
  e.subject = "order-9";
  e.time = "2026-01-02T03:04:05Z";
  e.datacontenttype = "application/json";
  e.extensions["partitionkey"] = "customer-7";
  e.data = "{\"total\":12}";
  return e;
}

TEST(MakeDeadLetterTest, AddsWhyItFailedAndKeepsTheEvent) {
  CloudEvent original = Original();
  CloudEvent dead = MakeDeadLetter(original, 404, "no such route", 1, "default/orders", "default/billing-orders");

  EXPECT_EQ(dead.extensions.at("deadletterstatus"), "404");
  EXPECT_EQ(dead.extensions.at("deadlettererror"), "no such route");
  EXPECT_EQ(dead.extensions.at("deadletterattempts"), "1");
  EXPECT_EQ(dead.extensions.at("deadlettertopic"), "default/orders");
  EXPECT_EQ(dead.extensions.at("deadlettersub"), "default/billing-orders");

  CloudEvent without = dead;
  for (const char* name : {"deadletterstatus", "deadlettererror", "deadletterattempts", "deadlettertopic",
                           "deadlettersub"}) {
    without.extensions.erase(name);
  }
  EXPECT_EQ(without, original) << "everything else is the event as it was";
}

TEST(MakeDeadLetterTest, NoResponseIsStatusZero) {
  CloudEvent dead = MakeDeadLetter(Original(), 0, "Connection", 5, "default/orders", "default/billing-orders");
  EXPECT_EQ(dead.extensions.at("deadletterstatus"), "0");
  EXPECT_EQ(dead.extensions.at("deadletterattempts"), "5");
}

TEST(MakeDeadLetterTest, IsAValidCloudEvent) {
  CloudEvent dead = MakeDeadLetter(Original(), 500, "boom", 3, "default/orders", "default/billing-orders");
  EXPECT_TRUE(ValidateCloudEvent(dead).ok()) << ValidateCloudEvent(dead);
  for (const auto& [name, value] : dead.extensions) {
    EXPECT_TRUE(IsValidExtensionName(name)) << name;
    EXPECT_LE(name.size(), kMaxExtensionNameLength) << name;
  }
}

TEST(MakeDeadLetterTest, ReplacesEarlierDeadLetterExtensions) {
  CloudEvent once = MakeDeadLetter(Original(), 500, "first", 3, "default/orders", "default/billing-orders");
  CloudEvent twice = MakeDeadLetter(once, 404, "second", 1, "default/orders-dlq", "default/dlq-reader");
  EXPECT_EQ(twice.extensions.at("deadletterstatus"), "404");
  EXPECT_EQ(twice.extensions.at("deadlettererror"), "second");
  EXPECT_EQ(twice.extensions.at("deadlettertopic"), "default/orders-dlq");
}

TEST(MakeDeadLetterTest, LongErrorIsTruncated) {
  CloudEvent dead = MakeDeadLetter(Original(), 500, std::string(5000, 'e'), 3, "default/orders", "default/b");
  EXPECT_EQ(dead.extensions.at("deadlettererror"), std::string(512, 'e'));
}

TEST(MakeDeadLetterTest, TruncatedErrorIsStillValidUtf8) {
  // 511 ASCII bytes then a 2-byte character: a cut at 512 bytes would split it.
  std::string error = std::string(511, 'e') + "\xC3\xA9" + "tail";
  CloudEvent dead = MakeDeadLetter(Original(), 500, error, 3, "default/orders", "default/b");
  const std::string& kept = dead.extensions.at("deadlettererror");
  EXPECT_LE(kept.size(), 512u);
  EXPECT_TRUE(IsValidUtf8(kept));
  EXPECT_EQ(kept.substr(0, 511), std::string(511, 'e'));
}

TEST(MakeDeadLetterTest, ErrorBytesThatAreNotUtf8AreReplaced) {
  // The error is the app's response body: anything at all.
  CloudEvent dead = MakeDeadLetter(Original(), 500, "bad \xFF\xFE body", 3, "default/orders", "default/b");
  const std::string& kept = dead.extensions.at("deadlettererror");
  EXPECT_TRUE(IsValidUtf8(kept)) << kept;
  EXPECT_EQ(kept.substr(0, 4), "bad ");
  EXPECT_EQ(kept.substr(kept.size() - 5), " body");
}

Subscription Sub(const std::string& dead_letter_topic) {
  Subscription s;
  s.meta.name = "billing-orders";
  s.meta.namespace_ = "shop";
  s.spec.topic = "orders";
  s.spec.app_id = "billing";
  s.spec.dead_letter_topic = dead_letter_topic;
  return s;
}

RoutingTable TableWithTopicDeadLetter(const std::string& topic_dead_letter) {
  Topic t;
  t.meta.name = "orders";
  t.meta.namespace_ = "shop";
  t.spec.dead_letter_topic = topic_dead_letter;
  return RoutingTable::Build(1, {t}, {}, {});
}

TEST(DeadLetterTopicForTest, SubscriptionsOwnTopicWins) {
  RoutingTable table = TableWithTopicDeadLetter("orders-dlq");
  EXPECT_EQ(DeadLetterTopicFor(table, Sub("billing-dlq")), "shop/billing-dlq");
}

TEST(DeadLetterTopicForTest, FallsBackToTheTopicsDefault) {
  RoutingTable table = TableWithTopicDeadLetter("orders-dlq");
  EXPECT_EQ(DeadLetterTopicFor(table, Sub("")), "shop/orders-dlq");
}

TEST(DeadLetterTopicForTest, EmptyWhenNeitherNamesOne) {
  EXPECT_EQ(DeadLetterTopicFor(TableWithTopicDeadLetter(""), Sub("")), "");
  EXPECT_EQ(DeadLetterTopicFor(RoutingTable{}, Sub("")), "") << "topic not in the table";
}

}  // namespace
}  // namespace zroute
