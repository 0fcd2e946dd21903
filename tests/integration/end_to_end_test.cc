// Events flow end to end through real processes: the operator (standalone), one publishing
// sidecar, and subscriber apps with their sidecars, all on loopback.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "tests/integration/integration_env.h"

namespace zroute::testing {
namespace {

constexpr int kKeys = 16;

class EndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    manifests_ = work_.path() + "/manifests";
    WriteFile(manifests_ + "/topics.yaml", TopicYaml("orders") + "---\n" + TopicYaml("payments"));
    // billing: orders only (ordered); audit: both topics; ledger: payments only.
    WriteFile(manifests_ + "/subscriptions.yaml",
              SubscriptionYaml("billing-orders", "orders", "billing", true) + "---\n" +
                  SubscriptionYaml("audit-orders", "orders", "audit", false) + "---\n" +
                  SubscriptionYaml("audit-payments", "payments", "audit", true) + "---\n" +
                  SubscriptionYaml("ledger-payments", "payments", "ledger", true));
    system_ = std::make_unique<LocalSystem>(IntegrationOptions(work_.path(), manifests_));
    ASSERT_TRUE(system_->StartOperator().ok());
  }
  void TearDown() override { system_.reset(); }  // stops every process, also after a failure

  // ledger's sidecar delivers with --delivery=threads, the others with the default (link), so
  // both modes carry events here.
  LocalReplica* Start(const std::string& app_id, const std::string& name) {
    std::vector<std::string> sidecar_args;
    if (app_id == "ledger") sidecar_args = {"--delivery=threads"};
    auto r = system_->StartSubscriber(app_id, name, {}, sidecar_args);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : nullptr;
  }

  // Events [from, to) alternate between the two topics; keys cycle; seq counts per topic and key.
  std::vector<TestEvent> MakeEvents(int from, int to) {
    std::vector<TestEvent> out;
    for (int i = from; i < to; ++i) {
      TestEvent e;
      e.id = "e2e-" + std::to_string(i);
      e.topic = i % 2 == 0 ? "orders" : "payments";
      e.key = "k" + std::to_string((i / 2) % kKeys);
      e.seq = next_seq_[e.topic + "/" + e.key]++;
      out.push_back(e);
    }
    return out;
  }

  TempWorkDir work_;
  std::string manifests_;
  std::unique_ptr<LocalSystem> system_;
  std::map<std::string, uint64_t> next_seq_;
};

std::set<std::string> IdsOf(const std::vector<TestEvent>& events, const std::string& topic) {
  std::set<std::string> out;
  for (const auto& e : events) {
    if (e.topic == topic) out.insert(e.id);
  }
  return out;
}

TEST_F(EndToEndTest, EachEventReachesEverySubscribedServiceExactlyOnceAndNewReplicaTakesAShare) {
  LocalReplica* publisher = nullptr;
  {
    auto p = system_->StartPublisherSidecar("shop", "shop-1");
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    publisher = *p;
  }
  LocalReplica* billing1 = Start("billing", "billing-1");
  LocalReplica* audit = Start("audit", "audit-1");
  LocalReplica* ledger = Start("ledger", "ledger-1");
  ASSERT_TRUE(billing1 && audit && ledger);
  ASSERT_TRUE(system_->WaitForConvergence(std::chrono::seconds(20)).ok());

  TestPublisher pub(publisher->sidecar_port);
  // First half: binary mode, one event per request.
  std::vector<TestEvent> first = MakeEvents(0, 5000);
  for (const auto& e : first) ASSERT_TRUE(pub.PublishBinary(e));
  // The first half reaches billing-1 before billing-2 joins: an event still in the publisher's
  // backlog when the table changes may rightly go to the new replica, which the share check below
  // would count as delivered before it joined.
  auto received = [](const LocalReplica* r) { return Stats(*r).value("received", uint64_t{0}); };
  const size_t first_orders = IdsOf(first, "orders").size();
  ASSERT_TRUE(WaitUntil(std::chrono::seconds(60), [&] { return received(billing1) >= first_orders; }))
      << "billing-1 got " << received(billing1) << " of " << first_orders;

  // A second billing replica joins mid-stream.
  LocalReplica* billing2 = Start("billing", "billing-2");
  ASSERT_TRUE(billing2);
  ASSERT_TRUE(system_->WaitForConvergence(std::chrono::seconds(20)).ok());

  // Second half: batched mode, 50 events of one topic per request.
  std::vector<TestEvent> second = MakeEvents(5000, 10000);
  for (const std::string topic : {"orders", "payments"}) {
    std::vector<TestEvent> batch;
    for (const auto& e : second) {
      if (e.topic != topic) continue;
      batch.push_back(e);
      if (batch.size() == 50) {
        ASSERT_TRUE(pub.PublishBatch(topic, batch));
        batch.clear();
      }
    }
    if (!batch.empty()) {
      ASSERT_TRUE(pub.PublishBatch(topic, batch));
    }
  }

  std::vector<TestEvent> all = first;
  all.insert(all.end(), second.begin(), second.end());
  const std::set<std::string> orders = IdsOf(all, "orders");
  const std::set<std::string> payments = IdsOf(all, "payments");
  ASSERT_EQ(orders.size(), 5000u);
  ASSERT_EQ(payments.size(), 5000u);

  bool all_arrived = WaitUntil(std::chrono::seconds(120), [&] {
    return received(billing1) + received(billing2) >= 5000 && received(audit) >= 10000 && received(ledger) >= 5000;
  });
  EXPECT_TRUE(all_arrived) << "billing " << received(billing1) << "+" << received(billing2) << ", audit "
                           << received(audit) << ", ledger " << received(ledger);

  // billing: every order exactly once across its two replicas, and no payment.
  std::vector<std::string> b1 = ReceivedIds(*billing1, "default/orders");
  std::vector<std::string> b2 = ReceivedIds(*billing2, "default/orders");
  std::multiset<std::string> billing_all(b1.begin(), b1.end());
  billing_all.insert(b2.begin(), b2.end());
  EXPECT_EQ(billing_all.size(), 5000u) << "deliveries to billing (duplicates across replicas count twice)";
  EXPECT_EQ(std::set<std::string>(billing_all.begin(), billing_all.end()), orders);
  EXPECT_TRUE(ReceivedIds(*billing1, "default/payments").empty());
  EXPECT_TRUE(ReceivedIds(*billing2, "default/payments").empty());

  // The joining replica takes a real share of what was published after it joined: it owns about
  // half the keys, less what went to billing-1 before the publisher's table listed billing-2
  // (slow under sanitizers), so at least a tenth.
  std::set<std::string> second_orders = IdsOf(second, "orders");
  size_t b2_share = std::count_if(b2.begin(), b2.end(), [&](const std::string& id) { return second_orders.count(id) > 0; });
  EXPECT_GE(b2_share, second_orders.size() / 10) << "billing-2 got " << b2_share << " of " << second_orders.size();
  EXPECT_EQ(b2.size(), b2_share) << "billing-2 must not get events delivered before it joined";

  // audit: both topics, each event once.
  std::vector<std::string> ao = ReceivedIds(*audit, "default/orders");
  std::vector<std::string> ap = ReceivedIds(*audit, "default/payments");
  EXPECT_EQ(ao.size(), 5000u);
  EXPECT_EQ(std::set<std::string>(ao.begin(), ao.end()), orders);
  EXPECT_EQ(ap.size(), 5000u);
  EXPECT_EQ(std::set<std::string>(ap.begin(), ap.end()), payments);

  // ledger: payments only.
  std::vector<std::string> lp = ReceivedIds(*ledger, "default/payments");
  EXPECT_EQ(lp.size(), 5000u);
  EXPECT_EQ(std::set<std::string>(lp.begin(), lp.end()), payments);
  EXPECT_TRUE(ReceivedIds(*ledger, "default/orders").empty());

  // No duplicates anywhere, and ordered subscriptions kept per-key order.
  for (const LocalReplica* r : {billing1, billing2, audit, ledger}) {
    nlohmann::json s = Stats(*r);
    EXPECT_EQ(s.value("duplicates", -1), 0) << r->name;
  }
  EXPECT_EQ(Stats(*billing1).value("outOfOrder", -1), 0);
  EXPECT_EQ(Stats(*billing2).value("outOfOrder", -1), 0);
  EXPECT_EQ(Stats(*ledger).value("outOfOrder", -1), 0);
  EXPECT_EQ(Stats(*audit)["topics"]["default/payments"].value("outOfOrder", -1), 0);
}

TEST_F(EndToEndTest, RewindReplaysRetainedEventsToThatSubscriptionOnly) {
  auto shop = system_->StartPublisherSidecar("shop", "shop-1");
  ASSERT_TRUE(shop.ok()) << shop.status().ToString();
  LocalReplica* billing = Start("billing", "billing-1");
  LocalReplica* audit = Start("audit", "audit-1");
  LocalReplica* ledger = Start("ledger", "ledger-1");
  ASSERT_TRUE(billing && audit && ledger);
  ASSERT_TRUE(system_->WaitForConvergence(std::chrono::seconds(20)).ok());

  TestPublisher pub((*shop)->sidecar_port);
  for (const auto& e : MakeEvents(0, 200)) ASSERT_TRUE(pub.PublishBinary(e));
  ASSERT_TRUE(WaitUntil(std::chrono::seconds(60), [&] { return Stats(*ledger).value("received", 0) == 100 && AllDrained(*system_); }));

  // Replay ledger's payments from offset 40: the 60 retained events from there come again (as
  // duplicates to the app, which has seen them), in order; nobody else gets anything.
  httplib::Client admin("127.0.0.1", (*shop)->sidecar_port);
  auto res = admin.Post("/v1/admin/subscriptions/default/ledger-payments/rewind?offset=40", "", "text/plain");
  ASSERT_TRUE(res && res->status == 200) << (res ? res->body : "no answer");
  ASSERT_TRUE(WaitUntil(std::chrono::seconds(60), [&] {
    return Stats(*ledger)["topics"]["default/payments"].value("duplicates", 0) >= 60 && AllDrained(*system_);
  }));
  EXPECT_EQ(Stats(*ledger)["topics"]["default/payments"].value("duplicates", 0), 60);
  EXPECT_EQ(Stats(*ledger).value("outOfOrder", -1), 0);
  EXPECT_EQ(Stats(*audit).value("duplicates", -1), 0);
  EXPECT_EQ(Stats(*billing).value("duplicates", -1), 0);

  // Hostile or malformed rewinds are refused with a clear error and change nothing.
  for (const char* bad : {"/v1/admin/subscriptions/default/ledger-payments/rewind",
                          "/v1/admin/subscriptions/default/ledger-payments/rewind?offset=-1",
                          "/v1/admin/subscriptions/default/ledger-payments/rewind?offset=99999999999999999999999",
                          "/v1/admin/subscriptions/default/ledger-payments/rewind?time=yesterday"}) {
    auto r = admin.Post(bad, "", "text/plain");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad;
  }
  auto unknown = admin.Post("/v1/admin/subscriptions/default/nope/rewind?offset=0", "", "text/plain");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
}

}  // namespace
}  // namespace zroute::testing
