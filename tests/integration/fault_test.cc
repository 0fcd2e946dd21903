// Delivery guarantees under faults, with the real binaries on loopback: 100,000 keyed events to a
// topic with two subscribing services while consumer sidecars and apps crash, an app fails 10% of
// its deliveries, the publishing sidecar is killed, and the operator is away for ten seconds.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "tests/integration/integration_env.h"

namespace zroute::testing {
namespace {

constexpr int kEvents = 100000;
constexpr int kBatch = 100;
constexpr int kKeys = 64;
constexpr int kPoisonEvery = 1000;  // these events billing answers 400: they must be dead-lettered

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    manifests_ = work_.path() + "/manifests";
    WriteFile(manifests_ + "/topics.yaml", TopicYaml("orders") + "---\n" + TopicYaml("dead-letters"));
    WriteFile(manifests_ + "/subscriptions.yaml",
              SubscriptionYaml("billing-orders", "orders", "billing", true,
                               "    maxAttempts: 5\n  deadLetterTopic: dead-letters\n") +
                  "---\n" +
                  // audit has no dead-letter topic and only 3 attempts, far fewer than its app is
                  // down: its events run out of attempts and must still arrive (delivered again
                  // every maxDelay, nothing dropped).
                  SubscriptionYaml("audit-orders", "orders", "audit", true, "    maxAttempts: 3\n") + "---\n" +
                  SubscriptionYaml("dlq-dead-letters", "dead-letters", "dlq", false));
    system_ = std::make_unique<LocalSystem>(IntegrationOptions(work_.path(), manifests_));
    ASSERT_TRUE(system_->StartOperator().ok());
  }
  void TearDown() override { system_.reset(); }

  TempWorkDir work_;
  std::string manifests_;
  std::unique_ptr<LocalSystem> system_;
};

TEST_F(FaultTest, NoAcceptedEventIsLostAndPerKeyOrderHoldsThroughCrashes) {
  auto must = [](auto result) {
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : nullptr;
  };
  LocalReplica* shop = must(system_->StartPublisherSidecar("shop", "shop-1"));
  LocalReplica* billing1 = must(system_->StartSubscriber("billing", "billing-1", {"--reject-type", "it.poison"}));
  LocalReplica* billing2 = must(system_->StartSubscriber("billing", "billing-2", {"--reject-type", "it.poison"}));
  LocalReplica* audit = must(system_->StartSubscriber("audit", "audit-1", {"--fail-every", "10", "--fail-status", "500"}));
  LocalReplica* dlq = must(system_->StartSubscriber("dlq", "dlq-1", {"--keep-attributes"}));
  ASSERT_TRUE(shop && billing1 && billing2 && audit && dlq);
  ASSERT_TRUE(system_->WaitForConvergence(std::chrono::seconds(20)).ok());

  std::set<std::string> accepted, poison;
  std::map<std::string, uint64_t> seq;
  auto publisher = std::make_unique<TestPublisher>(shop->sidecar_port);
  auto operator_stopped = std::chrono::steady_clock::time_point::max();
  for (int b = 0; b < kEvents / kBatch; ++b) {
    // Faults, spread over the stream.
    if (b == 100 || b == 300) {
      system_->KillSidecar(*billing1);
      ASSERT_TRUE(system_->RestartSidecar(*billing1).ok());
    }
    if (b == 400) system_->KillApp(*audit);
    if (b == 450) {
      ASSERT_TRUE(system_->RestartApp(*audit).ok());
    }
    if (b == 600) {
      system_->KillSidecar(*shop);
      ASSERT_TRUE(system_->RestartSidecar(*shop).ok());
      publisher = std::make_unique<TestPublisher>(shop->sidecar_port);
    }
    if (b == 800) {
      system_->StopOperator();
      operator_stopped = std::chrono::steady_clock::now();
    }
    if (operator_stopped != std::chrono::steady_clock::time_point::max() &&
        std::chrono::steady_clock::now() - operator_stopped >= std::chrono::seconds(10)) {
      ASSERT_TRUE(system_->RestartOperator().ok());
      operator_stopped = std::chrono::steady_clock::time_point::max();
    }

    std::vector<TestEvent> batch;
    for (int i = b * kBatch; i < (b + 1) * kBatch; ++i) {
      TestEvent e;
      e.id = "f-" + std::to_string(i);
      e.topic = "orders";
      e.key = "k" + std::to_string(i % kKeys);
      e.seq = seq[e.key]++;
      batch.push_back(e);
    }
    std::vector<std::string> types;
    for (size_t i = 0; i < batch.size(); ++i) {
      bool is_poison = (b * kBatch + static_cast<int>(i)) % kPoisonEvery == kPoisonEvery - 1;
      types.push_back(is_poison ? "it.poison" : "it.event");
    }
    ASSERT_TRUE(publisher->PublishBatch("orders", batch, types));
    for (size_t i = 0; i < batch.size(); ++i) {
      accepted.insert(batch[i].id);
      if (types[i] == "it.poison") poison.insert(batch[i].id);
    }
  }
  if (operator_stopped != std::chrono::steady_clock::time_point::max()) {
    // Publishing outran the ten seconds: the operator stays away for the rest of them.
    std::this_thread::sleep_until(operator_stopped + std::chrono::seconds(10));
    ASSERT_TRUE(system_->RestartOperator().ok());
  }
  ASSERT_EQ(accepted.size(), static_cast<size_t>(kEvents));
  ASSERT_EQ(poison.size(), static_cast<size_t>(kEvents / kPoisonEvery));

  auto unique = [](const LocalReplica* r) { return Stats(*r).value("received", uint64_t{0}); };
  const uint64_t billing_expected = kEvents - poison.size();
  bool arrived = WaitUntil(std::chrono::seconds(240), [&] {
    return unique(billing1) + unique(billing2) >= billing_expected && unique(audit) >= kEvents &&
           unique(dlq) >= poison.size() && AllDrained(*system_);
  });
  EXPECT_TRUE(arrived) << "billing " << unique(billing1) << "+" << unique(billing2) << "/" << billing_expected
                       << ", audit " << unique(audit) << "/" << kEvents << ", dlq " << unique(dlq) << "/"
                       << poison.size();

  // Every accepted event reached both services at least once (poison events: billing refused them).
  std::vector<Record> billing = Records(*billing1, "default/orders");
  std::vector<Record> b2 = Records(*billing2, "default/orders");
  billing.insert(billing.end(), b2.begin(), b2.end());
  std::set<std::string> billing_ids;
  for (const auto& r : billing) billing_ids.insert(r.id);
  std::vector<std::string> missing;
  for (const auto& id : accepted) {
    if (!poison.count(id) && !billing_ids.count(id)) missing.push_back(id);
  }
  EXPECT_TRUE(missing.empty()) << missing.size() << " events never reached billing, e.g. " << missing.front();
  for (const auto& id : poison) EXPECT_FALSE(billing_ids.count(id)) << id << " was refused by billing yet recorded";

  std::vector<Record> audited = Records(*audit, "default/orders");
  std::set<std::string> audit_ids;
  for (const auto& r : audited) audit_ids.insert(r.id);
  EXPECT_EQ(audit_ids, accepted);

  // Per-key order, across billing's replicas and within audit.
  std::string example;
  EXPECT_EQ(OrderViolations(billing, &example), 0) << example;
  EXPECT_EQ(OrderViolations(audited, &example), 0) << example;

  // The refused events are in the dead-letter topic, each with the error extensions, and only them.
  std::vector<Record> dead = Records(*dlq, "default/dead-letters");
  std::set<std::string> dead_ids;
  for (const auto& r : dead) {
    dead_ids.insert(r.id);
    EXPECT_EQ(r.attributes.value("deadletterstatus", ""), "400") << r.id;
    EXPECT_EQ(r.attributes.value("deadlettersub", ""), "default/billing-orders") << r.id;
    EXPECT_EQ(r.attributes.value("deadlettertopic", ""), "default/orders") << r.id;
    EXPECT_NE(r.attributes.value("deadlettererror", ""), "") << r.id;
    EXPECT_NE(r.attributes.value("deadletterattempts", ""), "") << r.id;
  }
  EXPECT_EQ(dead_ids, poison);

  // Duplicates are allowed (at-least-once) and reported.
  uint64_t duplicates = 0;
  for (const LocalReplica* r : {billing1, billing2, audit, dlq}) duplicates += Stats(*r).value("duplicates", uint64_t{0});
  RecordProperty("duplicates", std::to_string(duplicates));
  std::cout << "duplicate deliveries seen by the apps: " << duplicates << " of " << 2 * kEvents << " events\n";
}

}  // namespace
}  // namespace zroute::testing
