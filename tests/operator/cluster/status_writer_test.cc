// StatusWriter against the fake API server with hand-made inputs: Events through a recording
// EventRecorder on transitions only, retries of failed writes (5xx) with the error counted, a 404
// forgotten without retry. Every wait is on a condition with a bound.
#include "operator/cluster/status_writer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "common/resources/resource_parser.h"
#include "operator/kube/http_kube_client.h"
#include "tests/support/fake_kube/fake_kube_server.h"
#include "tests/support/wait_for.h"

namespace zroute::cluster {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

using namespace zroute::testing::gvr;  // NOLINT(build/namespaces) kTopics, kSubscriptions

using zroute::testing::WaitFor;

struct RecordedEvent {
  InvolvedObject object;
  EventType type;
  std::string reason;
};

class RecordingEventRecorder final : public EventRecorder {
 public:
  void Record(const InvolvedObject& object, EventType type, const std::string& reason, const std::string&) override {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back({object, type, reason});
  }
  std::vector<RecordedEvent> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  int Count(const std::string& name, const std::string& reason) const {
    int n = 0;
    for (const auto& e : events()) n += e.object.name == name && e.reason == reason;
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<RecordedEvent> events_;
};

json Subscription(const std::string& name, const std::string& topic) {
  return {{"apiVersion", "zroute.io/v1alpha1"},
          {"kind", "Subscription"},
          {"metadata", {{"name", name}, {"namespace", "shop"}}},
          {"spec", {{"topic", topic}, {"appId", name}}}};
}

class StatusWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    kube::KubeConfig kc;
    kc.server = server_.url();
    auto client = kube::HttpKubeClient::Create(kc, RealClock());
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(client).value();
    ASSERT_LT(server_.store().Create(kTopics, "shop", {{"apiVersion", "zroute.io/v1alpha1"}, {"kind", "Topic"},
                                                       {"metadata", {{"name", "orders"}, {"namespace", "shop"}}}}).code, 300);
    for (const char* name : {"routed", "lost"}) {
      ASSERT_LT(server_.store().Create(kSubscriptions, "shop", Subscription(name, name == std::string("lost") ? "nowhere" : "orders")).code, 300);
    }
    RebuildTable();
  }
  void TearDown() override {
    if (writer_) writer_->Stop();
    client_.reset();
    server_.Stop();
  }
  std::optional<json> Object(const zroute::testing::FakeGvr& gvr, const std::string& key) {
    if (gone_.count(key)) return stale_[key];
    auto reply = server_.store().Get(gvr, "shop", key.substr(key.find('/') + 1), "");
    if (reply.code != 200) return std::nullopt;
    return reply.body;
  }
  void RebuildTable() {
    std::vector<Topic> topics;
    std::vector<zroute::Subscription> subs;
    auto topic = TopicFromJson(server_.store().Get(kTopics, "shop", "orders", "").body);
    if (topic.ok()) topics.push_back(*topic);
    for (const char* name : {"routed", "lost"}) {
      auto s = SubscriptionFromJson(server_.store().Get(kSubscriptions, "shop", name, "").body);
      if (s.ok()) subs.push_back(*s);
    }
    std::map<std::string, std::vector<Endpoint>> endpoints;
    endpoints["shop/routed"].push_back(Endpoint{"sc-1", "routed", "shop", "routed-0", "tcp://127.0.0.1:1", "", false});
    std::lock_guard<std::mutex> lock(mu_);
    table_ = std::make_shared<RoutingTable>(RoutingTable::Build(1, topics, subs, endpoints));
  }
  void StartWriter() {
    StatusWriterInputs inputs{
        .keys =
            [](ResourceKind kind) {
              if (kind == ResourceKind::kTopic) return std::vector<std::string>{"shop/orders"};
              if (kind == ResourceKind::kSubscription) return std::vector<std::string>{"shop/lost", "shop/routed"};
              return std::vector<std::string>{};
            },
        .object = [this](ResourceKind kind, const std::string& key) {
          return Object(kind == ResourceKind::kTopic ? kTopics : kSubscriptions, key);
        },
        .table = [this] {
          std::lock_guard<std::mutex> lock(mu_);
          return RoutingTablePtr(table_);
        },
        .members = [] { return std::vector<Member>{}; },
        .scaling = [] { return json::array(); },
    };
    writer_ = std::make_unique<StatusWriter>(*client_, RealClock(), metrics_, events_, std::move(inputs));
    writer_->Start();
  }
  std::string Condition(const std::string& name, const std::string& type) {
    auto reply = server_.store().Get(kSubscriptions, "shop", name, "");
    for (const json& c : reply.body.value("status", json::object()).value("conditions", json::array())) {
      if (c.value("type", "") == type) return c.value("status", "");
    }
    return "";
  }
  double Counter(CounterVec& vec, const std::vector<std::string>& labels) { return vec.With(labels).Value(); }

  zroute::testing::FakeKubeServer server_;
  std::unique_ptr<kube::HttpKubeClient> client_;
  OperatorMetrics metrics_;
  RecordingEventRecorder events_;
  std::unique_ptr<StatusWriter> writer_;
  std::mutex mu_;  // guards table_
  std::shared_ptr<const RoutingTable> table_;
  std::set<std::string> gone_;
  std::map<std::string, json> stale_;
};

TEST_F(StatusWriterTest, EventsOnTransitionsOnly) {
  StartWriter();
  writer_->EnqueueAll();
  ASSERT_TRUE(WaitFor([&] { return Condition("lost", "TopicFound") == "False" && Condition("routed", "Ready") == "True"; }));
  // Events follow the server's answer: wait for them too.
  ASSERT_TRUE(WaitFor([&] { return events_.Count("lost", "TopicNotFound") == 1 && events_.Count("routed", "Ready") == 1; }));
  for (const auto& e : events_.events()) {
    EXPECT_EQ(e.object.api_version, "zroute.io/v1alpha1");
    EXPECT_FALSE(e.object.uid.empty()) << e.reason;  // the fake assigns uids
  }
  // Passes over an unchanged world: no new events, no new writes.
  const size_t events = events_.events().size();
  const int writes = server_.RequestCount("patch");
  for (int i = 0; i < 3; ++i) {
    double before = Counter(metrics_.reconcile_total, {"subscription", "success"});
    writer_->EnqueueAll();
    ASSERT_TRUE(WaitFor([&] { return Counter(metrics_.reconcile_total, {"subscription", "success"}) >= before + 2; }));
  }
  EXPECT_EQ(events_.events().size(), events);
  EXPECT_EQ(server_.RequestCount("patch"), writes);

  // The topic appears: "lost" becomes Ready (a Normal event), no second TopicNotFound.
  ASSERT_LT(server_.store().Create(kTopics, "shop", {{"apiVersion", "zroute.io/v1alpha1"}, {"kind", "Topic"},
                                                     {"metadata", {{"name", "nowhere"}, {"namespace", "shop"}}}}).code, 300);
  {
    std::vector<Topic> topics = {*TopicFromJson(server_.store().Get(kTopics, "shop", "orders", "").body),
                                 *TopicFromJson(server_.store().Get(kTopics, "shop", "nowhere", "").body)};
    std::vector<zroute::Subscription> subs;
    for (const char* name : {"routed", "lost"}) subs.push_back(*SubscriptionFromJson(server_.store().Get(kSubscriptions, "shop", name, "").body));
    std::map<std::string, std::vector<Endpoint>> endpoints;
    for (const char* app : {"routed", "lost"}) {
      endpoints["shop/" + std::string(app)].push_back(Endpoint{std::string("sc-") + app, app, "shop", "p", "tcp://127.0.0.1:1", "", false});
    }
    std::lock_guard<std::mutex> lock(mu_);
    table_ = std::make_shared<RoutingTable>(RoutingTable::Build(2, topics, subs, endpoints));
  }
  writer_->EnqueueAll();
  ASSERT_TRUE(WaitFor([&] { return Condition("lost", "Ready") == "True" && events_.Count("lost", "Ready") == 1; }));
  EXPECT_EQ(events_.Count("lost", "TopicNotFound"), 1);
}

TEST_F(StatusWriterTest, FailedWritesAreRetriedAndCounted) {
  server_.InjectFaults("/apis/zroute.io/v1alpha1/namespaces/shop/subscriptions/routed/status", 503, 2, "patch");
  StartWriter();
  writer_->EnqueueAll();
  // routed and lost written once each (the counter moves after the server answered).
  ASSERT_TRUE(WaitFor([&] { return Counter(metrics_.status_writes, {"subscription"}) == 2; }));
  EXPECT_EQ(Condition("routed", "Ready"), "True");
  EXPECT_EQ(Counter(metrics_.reconcile_total, {"subscription", "error"}), 2);
  EXPECT_GE(Counter(metrics_.workqueue_retries, {"status"}), 2);
  EXPECT_EQ(server_.RequestCount("patch", "/apis/zroute.io/v1alpha1/namespaces/shop/subscriptions/routed/status"), 3);
}

TEST_F(StatusWriterTest, DeletedObjectIsForgottenNotRetried) {
  // The cache still has "lost" but the server no longer does: the write gets 404.
  stale_["shop/lost"] = server_.store().Get(kSubscriptions, "shop", "lost", "").body;
  gone_.insert("shop/lost");
  ASSERT_EQ(server_.store().Delete(kSubscriptions, "shop", "lost").code, 200);
  StartWriter();
  writer_->EnqueueAll();
  ASSERT_TRUE(WaitFor([&] { return Condition("routed", "Ready") == "True"; }));
  ASSERT_TRUE(WaitFor([&] { return Counter(metrics_.reconcile_total, {"subscription", "success"}) >= 2; }));
  EXPECT_EQ(Counter(metrics_.reconcile_total, {"subscription", "error"}), 0);
  EXPECT_EQ(Counter(metrics_.workqueue_retries, {"status"}), 0);
  EXPECT_EQ(server_.RequestCount("patch", "/apis/zroute.io/v1alpha1/namespaces/shop/subscriptions/lost/status"), 1);
}

}  // namespace
}  // namespace zroute::cluster
