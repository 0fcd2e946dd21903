// The sidecar's publish API as an app sees it, through the real binary: every CloudEvents mode,
// and a clear error for each kind of bad request, with nothing published by a refused one.
#include <gtest/gtest.h>

#include "tests/integration/integration_env.h"

namespace zroute::testing {
namespace {

class PublishApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    manifests_ = work_.path() + "/manifests";
    WriteFile(manifests_ + "/topics.yaml", TopicYaml("orders"));
    WriteFile(manifests_ + "/subscriptions.yaml", SubscriptionYaml("audit-orders", "orders", "audit", false));
    system_ = std::make_unique<LocalSystem>(IntegrationOptions(work_.path(), manifests_));
    ASSERT_TRUE(system_->StartOperator().ok());
    auto shop = system_->StartPublisherSidecar(
        "shop", "shop-1", {"--max-body-bytes", "65536", "--metrics-host", "127.0.0.1", "--metrics-port", "0"});
    ASSERT_TRUE(shop.ok()) << shop.status().ToString();
    shop_ = *shop;
    auto audit = system_->StartSubscriber("audit", "audit-1");
    ASSERT_TRUE(audit.ok()) << audit.status().ToString();
    audit_ = *audit;
    client_ = std::make_unique<httplib::Client>("127.0.0.1", (*shop)->sidecar_port);
    port_ = (*shop)->sidecar_port;
    ASSERT_TRUE(system_->WaitForConvergence(std::chrono::seconds(20)).ok());
  }
  void TearDown() override { system_.reset(); }

  httplib::Result Post(const std::string& path, const httplib::Headers& headers, const std::string& body,
                       const std::string& content_type) {
    return client_->Post(path, headers, body, content_type.c_str());
  }

  TempWorkDir work_;
  std::string manifests_;
  std::unique_ptr<LocalSystem> system_;
  std::unique_ptr<httplib::Client> client_;
  LocalReplica* shop_ = nullptr;
  LocalReplica* audit_ = nullptr;
  int port_ = 0;
};

// The metrics listener is what the kubelet and Prometheus reach on the pod IP (the API stays on
// loopback): it serves the probes and /metrics and nothing that reads a body or changes state.
TEST_F(PublishApiTest, MetricsListenerServesOnlyMetricsAndProbes) {
  ASSERT_GT(shop_->metrics_port, 0) << "the port file names the metrics port";
  ASSERT_NE(shop_->metrics_port, port_);
  httplib::Client metrics("127.0.0.1", shop_->metrics_port);
  auto page = metrics.Get("/metrics");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("# TYPE zroute_routing_table_version gauge"), std::string::npos) << page->body;
  for (const char* probe : {"/healthz", "/readyz"}) {
    auto r = metrics.Get(probe);
    ASSERT_TRUE(r) << probe;
    EXPECT_EQ(r->status, 200) << probe << " " << r->body;
  }

  const httplib::Headers binary{{"ce-specversion", "1.0"}, {"ce-id", "via-metrics"}, {"ce-source", "/shop"},
                                {"ce-type", "t"}};
  auto publish = metrics.Post("/v1/publish/orders", binary, "{}", "application/json");
  ASSERT_TRUE(publish);
  EXPECT_EQ(publish->status, 413) << "a body is never read on the metrics listener";
  auto empty_publish = metrics.Post("/v1/publish/orders", binary, "", "application/json");
  ASSERT_TRUE(empty_publish);
  EXPECT_EQ(empty_publish->status, 404);
  for (const char* path : {"/v1/admin/subscriptions", "/v1/admin/topics/default/orders/events"}) {
    auto r = metrics.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
  }
  auto rewind = metrics.Post("/v1/admin/subscriptions/default/audit-orders/rewind?offset=0", "", "text/plain");
  ASSERT_TRUE(rewind);
  EXPECT_EQ(rewind->status, 404);

  // Nothing was published through it.
  auto after = client_->Get("/v1/admin/topics/default/orders/events");
  ASSERT_TRUE(after && after->status == 200) << (after ? after->body : "no answer");
  EXPECT_EQ(nlohmann::json::parse(after->body)["end"], 0);
}

TEST_F(PublishApiTest, EveryModeIsAcceptedAndEveryBadRequestIsRefusedClearly) {
  const httplib::Headers binary{{"ce-specversion", "1.0"}, {"ce-id", "b-1"}, {"ce-source", "/shop"}, {"ce-type", "t"}};
  // Binary, structured, batched and plain bodies: 202 with the ids.
  auto r = Post("/v1/publish/orders", binary, "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  EXPECT_NE(r->body.find("b-1"), std::string::npos) << r->body;
  r = Post("/v1/publish/orders", {}, R"({"specversion":"1.0","id":"s-1","source":"/shop","type":"t","data":{"a":1}})",
           "application/cloudevents+json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  r = Post("/v1/publish/orders", {},
           R"([{"specversion":"1.0","id":"m-1","source":"/shop","type":"t"},{"specversion":"1.0","id":"m-2","source":"/shop","type":"t","data_base64":"AAE="}])",
           "application/cloudevents-batch+json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  r = Post("/v1/publish/orders", {}, "plain text body", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  auto plain = nlohmann::json::parse(r->body, nullptr, false);
  ASSERT_FALSE(plain.is_discarded()) << r->body;

  // Refused: the answer says what is wrong.
  struct Bad {
    const char* what;
    std::string path;
    httplib::Headers headers;
    std::string body;
    std::string content_type;
    int status;
    std::string mentions;
  };
  std::vector<Bad> bad = {
      {"missing ce-id", "/v1/publish/orders", {{"ce-specversion", "1.0"}, {"ce-source", "/s"}, {"ce-type", "t"}}, "{}",
       "application/json", 400, "id"},
      {"bad specversion", "/v1/publish/orders", {{"ce-specversion", "0.1"}, {"ce-id", "x"}, {"ce-source", "/s"}, {"ce-type", "t"}},
       "{}", "application/json", 400, "specversion"},
      {"structured without type", "/v1/publish/orders", {}, R"({"specversion":"1.0","id":"x","source":"/s"})",
       "application/cloudevents+json", 400, "type"},
      {"malformed JSON", "/v1/publish/orders", {}, R"({"specversion":"1.0",)", "application/cloudevents+json", 400, ""},
      {"batch not an array", "/v1/publish/orders", {}, R"({"a":1})", "application/cloudevents-batch+json", 400, ""},
      {"unknown topic", "/v1/publish/nope", binary, "{}", "application/json", 404, "nope"},
      {"body over the limit", "/v1/publish/orders", binary, std::string(70000, 'x'), "application/json", 413, ""},
  };
  for (const auto& b : bad) {
    auto res = Post(b.path, b.headers, b.body, b.content_type);
    ASSERT_TRUE(res) << b.what;
    EXPECT_EQ(res->status, b.status) << b.what << ": " << res->body;
    if (!b.mentions.empty()) {
      EXPECT_NE(res->body.find(b.mentions), std::string::npos) << b.what << ": " << res->body;
    }
  }

  // Exactly the five accepted events reach the subscriber, and the metrics count them.
  ASSERT_TRUE(WaitUntil(std::chrono::seconds(30), [&] { return Stats(*audit_).value("received", 0) >= 5; }));
  ASSERT_TRUE(WaitUntil(std::chrono::seconds(10), [&] { return AllDrained(*system_); }));
  EXPECT_EQ(Stats(*audit_).value("received", 0), 5);
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics && metrics->status == 200);
  EXPECT_NE(metrics->body.find("zroute_events_published_total{topic=\"default/orders\"} 5"), std::string::npos)
      << metrics->body.substr(0, 2000);
  auto healthz = client_->Get("/healthz");
  ASSERT_TRUE(healthz);
  EXPECT_EQ(healthz->status, 200);
  auto readyz = client_->Get("/readyz");
  ASSERT_TRUE(readyz);
  EXPECT_EQ(readyz->status, 200);
}

TEST_F(PublishApiTest, TraceContextContinuesFromPublisherToSubscriberWithANewSpanPerHop) {
  system_->StopReplica(*audit_);  // restart the subscriber keeping every ce-* attribute it receives
  audit_->app_args = {"--keep-attributes"};
  ASSERT_TRUE(system_->RestartApp(*audit_).ok());
  ASSERT_TRUE(system_->RestartSidecar(*audit_).ok());
  ASSERT_TRUE(system_->WaitForConvergence(std::chrono::seconds(20)).ok());

  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736", parent = "00f067aa0ba902b7";
  auto r = Post("/v1/publish/orders",
                {{"ce-specversion", "1.0"}, {"ce-id", "traced-1"}, {"ce-source", "/shop"}, {"ce-type", "t"},
                 {"traceparent", "00-" + trace + "-" + parent + "-01"}, {"tracestate", "vendor=x"}},
                "{}", "application/json");
  ASSERT_TRUE(r && r->status == 202) << (r ? r->body : "no answer");
  r = Post("/v1/publish/orders",
           {{"ce-specversion", "1.0"}, {"ce-id", "untraced-1"}, {"ce-source", "/shop"}, {"ce-type", "t"},
            {"traceparent", "garbage"}},
           "{}", "application/json");
  ASSERT_TRUE(r && r->status == 202) << (r ? r->body : "no answer");

  ASSERT_TRUE(WaitUntil(std::chrono::seconds(30), [&] { return Records(*audit_, "default/orders").size() >= 2; }));
  for (const Record& rec : Records(*audit_, "default/orders")) {
    if (rec.id == "traced-1") {
      auto tp = rec.attributes.value("traceparent", "");
      ASSERT_EQ(tp.size(), 55u) << tp;
      EXPECT_EQ(tp.substr(3, 32), trace) << "the trace continues";
      EXPECT_NE(tp.substr(36, 16), parent) << "each hop is a new span";
      EXPECT_EQ(tp.substr(53, 2), "01");
      EXPECT_EQ(rec.attributes.value("tracestate", ""), "vendor=x");
    } else {
      EXPECT_EQ(rec.id, "untraced-1");
      EXPECT_FALSE(rec.attributes.contains("traceparent")) << "a malformed traceparent is dropped, not repaired";
    }
  }
}

// A kept-alive connection's plain publishes are answered by the event loop's fast path
// (HttpApi::PublishFast), a closing connection's by httplib's route: both give the same answer to
// the same request, good or bad, and what the fast path leaves to the route (a percent-encoded
// topic, a query) is still served.
TEST_F(PublishApiTest, KeptAliveAndClosingConnectionsGetTheSameAnswers) {
  httplib::Client kept("127.0.0.1", port_), closing("127.0.0.1", port_);
  kept.set_keep_alive(true);
  struct Case {
    std::string path;
    httplib::Headers headers;
    std::string body;
    std::string content_type;
  };
  auto binary = [](const std::string& id) {
    return httplib::Headers{{"ce-specversion", "1.0"}, {"ce-id", id}, {"ce-source", "/shop"}, {"ce-type", "t"}};
  };
  int accepted = 0;
  for (int round = 0; round < 2; ++round) {
    const std::string n = std::to_string(round);
    const std::vector<Case> cases = {
        {"/v1/publish/orders", binary("k-" + n), "{}", "application/json"},
        {"/v1/publish/orders", {}, R"({"specversion":"1.0","id":"s-)" + n + R"(","source":"/s","type":"t"})",
         "application/cloudevents+json"},
        {"/v1/publish/%6Frders", binary("pct-" + n), "{}", "application/json"},
        {"/v1/publish/orders?x=1", binary("q-" + n), "{}", "application/json"},
        {"/v1/publish/orders", {{"ce-specversion", "1.0"}, {"ce-source", "/s"}, {"ce-type", "t"}}, "{}",
         "application/json"},
        {"/v1/publish/nope", binary("n-" + n), "{}", "application/json"},
        {"/v1/publish/orders", {}, R"({"specversion":"1.0",)", "application/cloudevents+json"},
        {"/v1/publish/orders", binary("big-" + n), std::string(70000, 'x'), "application/json"},
    };
    for (const Case& c : cases) {
      auto via_fast = kept.Post(c.path, c.headers, c.body, c.content_type.c_str());
      auto via_route = closing.Post(c.path, c.headers, c.body, c.content_type.c_str());
      ASSERT_TRUE(via_fast && via_route) << c.path;
      EXPECT_EQ(via_fast->status, via_route->status) << c.path << " " << via_fast->body << " / " << via_route->body;
      EXPECT_EQ(via_fast->get_header_value("Content-Type"), via_route->get_header_value("Content-Type")) << c.path;
      if (via_fast->status == 202) {
        accepted += 2;
        // The same ids, but each answer's own: the events were published once each.
        EXPECT_EQ(nlohmann::json::parse(via_fast->body)["ids"].size(), 1u) << via_fast->body;
      } else {
        EXPECT_EQ(via_fast->body, via_route->body) << c.path;
      }
    }
  }
  EXPECT_EQ(accepted, 16);
  ASSERT_TRUE(WaitUntil(std::chrono::seconds(30), [&] { return Stats(*audit_).value("received", 0) >= accepted / 2; }));
}

TEST_F(PublishApiTest, TopicEventsEndpointReadsTheLogAndRefusesBadQueries) {
  const httplib::Headers binary{{"ce-specversion", "1.0"}, {"ce-source", "/shop"}, {"ce-type", "t"}};
  for (int i = 0; i < 3; ++i) {
    httplib::Headers h = binary;
    h.emplace("ce-id", "te-" + std::to_string(i));
    auto r = Post("/v1/publish/orders", h, "{}", "application/json");
    ASSERT_TRUE(r && r->status == 202);
  }
  auto page = client_->Get("/v1/admin/topics/default/orders/events?limit=2");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200) << page->body;
  auto json = nlohmann::json::parse(page->body);
  EXPECT_EQ(json["end"], 3);
  EXPECT_EQ(json["next"], 3);
  ASSERT_EQ(json["events"].size(), 2u);
  EXPECT_EQ(json["events"][1]["event"]["id"], "te-2");

  const std::vector<std::pair<std::string, int>> bad = {
      {"/v1/admin/topics/default/orders/events?limit=0", 400},
      {"/v1/admin/topics/default/orders/events?limit=100000", 400},
      {"/v1/admin/topics/default/orders/events?limit=1&limit=2", 400},
      {"/v1/admin/topics/default/orders/events?from=-1", 400},
      {"/v1/admin/topics/default/orders/events?from=" + std::string(5000, '9'), 400},
      {"/v1/admin/topics/default/orders/events?bogus=1", 400},
      {"/v1/admin/topics/default/nosuch/events", 404},
      {"/v1/admin/topics/other/orders/events", 404},
      {"/v1/admin/topics/default/..%2F..%2Fetc/events", 404},
      {"/v1/admin/topics/" + std::string(3000, 'a') + "/x/events", 404},
  };
  for (const auto& [path, status] : bad) {
    auto r = client_->Get(path);
    ASSERT_TRUE(r) << path.substr(0, 100);
    EXPECT_EQ(r->status, status) << path.substr(0, 100) << " " << r->body;
    if (path.find("..") == std::string::npos && path.size() < 1000) {
      EXPECT_NE(r->body.find("\"error\""), std::string::npos) << r->body;  // the reason, as JSON
    }
  }
  // Reading changed nothing: the subscriber still gets all three.
  EXPECT_TRUE(WaitUntil(std::chrono::seconds(20), [&] { return ReceivedIds(*audit_, "default/orders").size() >= 3; }));
}

// A publisher whose subscriber keeps up never runs into its quota: events every subscription
// acknowledged make room (retention of 24 h would keep them), so a sidecar that has carried
// three times its quota still takes publishes, and its outbox stays under the quota.
TEST_F(PublishApiTest, AcknowledgedEventsMakeRoomSoPublishingGoesOnPastTheQuota) {
  constexpr uint64_t kQuota = 4 << 20;
  auto small = system_->StartPublisherSidecar(
      "shop", "shop-small",
      {"--outbox-quota-bytes", std::to_string(kQuota), "--metrics-host", "127.0.0.1", "--metrics-port", "0"});
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  ASSERT_TRUE(system_->WaitForConvergence(std::chrono::seconds(20)).ok());
  httplib::Client client("127.0.0.1", (*small)->sidecar_port);
  client.set_read_timeout(std::chrono::seconds(30));

  // 120 batches of 100 events of 1 KiB: about three times the quota.
  const std::string padding(1024, 'p');
  std::set<std::string> sent;
  int refusals = 0;
  for (int b = 0; b < 120; ++b) {
    nlohmann::json batch = nlohmann::json::array();
    for (int i = 0; i < 100; ++i) {
      const std::string id = "quota-" + std::to_string(b) + "-" + std::to_string(i);
      batch.push_back({{"specversion", "1.0"}, {"id", id}, {"source", "/it/quota"}, {"type", "it.event"},
                       {"data", {{"pad", padding}}}});
      sent.insert(id);
    }
    const std::string body = batch.dump();
    bool taken = false;
    // An app backs off on 429 and sends again; the keeper's pass frees space within a second.
    for (int attempt = 0; attempt < 100 && !taken; ++attempt) {
      auto res = client.Post("/v1/publish/orders", body, "application/cloudevents-batch+json");
      ASSERT_TRUE(res) << "no answer";
      taken = res->status == 202;
      if (!taken) {
        ASSERT_EQ(res->status, 429) << res->body;
        ++refusals;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // back off, as an app would
      }
    }
    ASSERT_TRUE(taken) << "batch " << b << " was refused for 10 s: the outbox never made room";
  }
  EXPECT_TRUE(WaitUntil(std::chrono::seconds(60), [&] {
    std::vector<std::string> ids = ReceivedIds(*audit_, "default/orders");
    std::set<std::string> got(ids.begin(), ids.end());
    return std::all_of(sent.begin(), sent.end(), [&](const std::string& id) { return got.count(id) > 0; });
  })) << "every accepted event is delivered";

  uint64_t on_disk = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(work_.path() + "/shop-small/outbox")) {
    if (f.is_regular_file()) on_disk += f.file_size();
  }
  EXPECT_LE(on_disk, kQuota + (64 << 10)) << "segments and cursor files";
  httplib::Client metrics("127.0.0.1", (*small)->metrics_port);
  auto page = metrics.Get("/metrics");
  ASSERT_TRUE(page && page->status == 200);
  EXPECT_NE(page->body.find("zroute_outbox_removed_bytes_total{reason=\"quota\"}"), std::string::npos);
  EXPECT_EQ(page->body.find("zroute_outbox_removed_bytes_total{reason=\"quota\"} 0\n"), std::string::npos)
      << "space was made by removing acknowledged events";
  std::cerr << "refused and sent again: " << refusals << " of 120 batches\n";
}

}  // namespace
}  // namespace zroute::testing
