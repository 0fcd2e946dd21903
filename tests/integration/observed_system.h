// A small standalone system for the observability tests (metrics lint, Prometheus scrape,
// dashboards and alerts, zroutectl): the operator with a ScalingPolicy, a publish-only sidecar
// `shop`, and one `billing` replica whose app answers 503 to every 4th delivery (retried) and 400
// to events of type it.reject (dead-lettered into orders-dlq, in billing's own outbox).
#pragma once

#include <httplib.h>

#include <memory>
#include <set>
#include <string>

#include "tests/integration/integration_env.h"

namespace zroute::testing {

inline constexpr char kRejectType[] = "it.reject";

class ObservedSystem {
 public:
  // Starts everything and waits for convergence; check ok() (and error()) after.
  explicit ObservedSystem(const std::string& work) {
    const std::string manifests = work + "/manifests";
    WriteFile(manifests + "/topics.yaml", TopicYaml("orders") + "---\n" + TopicYaml("orders-dlq"));
    WriteFile(manifests + "/subscriptions.yaml", R"(apiVersion: zroute.io/v1alpha1
kind: Subscription
metadata:
  name: billing-orders
  namespace: default
spec:
  topic: orders
  appId: billing
  route: /events
  deadLetterTopic: orders-dlq
  delivery:
    maxAttempts: 10
    initialDelay: 10ms
    maxDelay: 50ms
)");
    WriteFile(manifests + "/scaling.yaml", R"(apiVersion: zroute.io/v1alpha1
kind: ScalingPolicy
metadata:
  name: billing
  namespace: default
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: billing}
  appId: billing
  targetLagPerReplica: 100
  minReplicas: 1
  maxReplicas: 5
  mode: hint
)");
    LocalSystemOptions options = IntegrationOptions(work, manifests);
    options.operator_args = {"--scaling-interval", "200ms"};
    system_ = std::make_unique<LocalSystem>(options);
    Status s = system_->StartOperator();
    if (!s.ok()) {
      Fail(s);
      return;
    }
    auto shop = system_->StartPublisherSidecar("shop", "shop-1");
    if (!shop.ok()) {
      Fail(shop.status());
      return;
    }
    shop_ = *shop;
    auto billing = system_->StartSubscriber("billing", "billing-1",
                                            {"--fail-every", "4", "--fail-status", "503", "--reject-type", kRejectType});
    if (!billing.ok()) {
      Fail(billing.status());
      return;
    }
    billing_ = *billing;
    s = system_->WaitForConvergence(std::chrono::seconds(20));
    if (!s.ok()) {
      Fail(s);
      return;
    }
  }

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  LocalSystem& system() { return *system_; }
  LocalReplica& shop() { return *shop_; }
  LocalReplica& billing() { return *billing_; }
  int operator_port() const { return system_->operator_port(); }

  // Publishes `good` events of type it.event and `rejected` of type it.reject to orders through
  // shop, as one batch, and waits until billing received every good one and dead-lettered every
  // rejected one. Returns whether that happened within the timeout.
  bool PublishAndSettle(int good, int rejected, const std::string& id_prefix) {
    std::vector<TestEvent> events;
    std::vector<std::string> types;
    for (int i = 0; i < good + rejected; ++i) {
      events.push_back({id_prefix + std::to_string(i), "orders", "k" + std::to_string(i % 4), uint64_t(i)});
      types.push_back(i < good ? "it.event" : kRejectType);
    }
    TestPublisher publisher(shop_->sidecar_port);
    if (!publisher.PublishBatch("orders", events, types)) return false;
    published_good_ += good;
    published_rejected_ += rejected;
    return WaitUntil(std::chrono::seconds(30), [&] {
      auto ids = LocalSystem::GetJson(billing_->app_port, "/ids?topic=default/orders");
      if (!ids.ok()) return false;
      std::set<std::string> unique(ids->begin(), ids->end());
      return static_cast<int>(unique.size()) >= published_good_ && DeadLettered() >= published_rejected_;
    });
  }

  // Events in billing's dead-letter topic log.
  int DeadLettered() {
    auto page = LocalSystem::GetJson(billing_->sidecar_port, "/v1/admin/topics/default/orders-dlq/events?from=0&limit=1000");
    return page.ok() ? static_cast<int>((*page)["events"].size()) : -1;
  }

  // GET /metrics of a port, or "" on failure.
  static std::string Metrics(int port) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(std::chrono::seconds(10));
    auto res = client.Get("/metrics");
    return res && res->status == 200 ? res->body : "";
  }

 private:
  void Fail(const Status& s) { error_ = s.ToString(); }

  std::unique_ptr<LocalSystem> system_;
  LocalReplica* shop_ = nullptr;
  LocalReplica* billing_ = nullptr;
  int published_good_ = 0;
  int published_rejected_ = 0;
  std::string error_;
};

}  // namespace zroute::testing
