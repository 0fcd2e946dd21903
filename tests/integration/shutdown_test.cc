// Graceful shutdown with the real binaries: a consumer sidecar stopped with SIGTERM while its app
// is busy finishes what it can, hands the rest back, exits 0, and nothing is dead-lettered.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <set>

#include "tests/integration/integration_env.h"

namespace zroute::testing {
namespace {

TEST(ShutdownTest, SigtermDrainsHandsBackAndNeverDeadLetters) {
  TempWorkDir work;
  std::string manifests = work.path() + "/manifests";
  WriteFile(manifests + "/topics.yaml", TopicYaml("orders") + "---\n" + TopicYaml("dead-letters"));
  // maxAttempts 1: any delivery counted as failed would go straight to the dead-letter topic.
  WriteFile(manifests + "/subscriptions.yaml",
            SubscriptionYaml("billing-orders", "orders", "billing", true,
                             "    maxAttempts: 1\n  deadLetterTopic: dead-letters\n") +
                "---\n" + SubscriptionYaml("dlq-dead-letters", "dead-letters", "dlq", false));
  LocalSystem system(IntegrationOptions(work.path(), manifests));
  ASSERT_TRUE(system.StartOperator().ok());
  auto shop = system.StartPublisherSidecar("shop", "shop-1");
  auto slow = system.StartSubscriber("billing", "billing-1", {"--work-ms", "50"});
  auto fast = system.StartSubscriber("billing", "billing-2");
  auto dlq = system.StartSubscriber("dlq", "dlq-1");
  ASSERT_TRUE(shop.ok() && slow.ok() && fast.ok() && dlq.ok());
  ASSERT_TRUE(system.WaitForConvergence(std::chrono::seconds(20)).ok());

  TestPublisher publisher((*shop)->sidecar_port);
  std::set<std::string> accepted;
  std::map<std::string, uint64_t> seq;
  for (int b = 0; b < 30; ++b) {
    std::vector<TestEvent> batch;
    for (int i = b * 100; i < (b + 1) * 100; ++i) {
      TestEvent e{"s-" + std::to_string(i), "orders", "k" + std::to_string(i % 64), 0};
      e.seq = seq[e.key]++;
      batch.push_back(e);
    }
    ASSERT_TRUE(publisher.PublishBatch("orders", batch));
    for (const auto& e : batch) accepted.insert(e.id);
  }

  // Stop the slow replica while it has work in hand.
  ASSERT_TRUE(WaitUntil(std::chrono::seconds(30), [&] { return Stats(**slow).value("received", 0) >= 50; }));
  int status = (*slow)->sidecar.Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;

  ASSERT_TRUE(WaitUntil(std::chrono::seconds(120), [&] {
    return Stats(**slow).value("received", 0) + Stats(**fast).value("received", 0) >= 3000 && AllDrained(system);
  }));
  std::vector<Record> billing = Records(**slow, "default/orders");
  std::vector<Record> rest = Records(**fast, "default/orders");
  billing.insert(billing.end(), rest.begin(), rest.end());
  std::set<std::string> ids;
  for (const auto& r : billing) ids.insert(r.id);
  EXPECT_EQ(ids, accepted);
  std::string example;
  EXPECT_EQ(OrderViolations(billing, &example), 0) << example;
  EXPECT_EQ(Stats(**dlq).value("received", -1), 0) << "a shutdown must never dead-letter";
}

}  // namespace
}  // namespace zroute::testing
