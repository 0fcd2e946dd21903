// Link security through the real binaries (docs/security.md): CURVE on every link, a ZAP handler
// admitting only the keys the routing table lists, each key bound to its app-id, and topic publish
// permissions checked at both ends. Rogue clients are plain ZeroMQ DEALERs built here.
#include <gtest/gtest.h>
#include <zmq.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "common/cloudevents/binary_format.h"
#include "common/security/curve_keys.h"
#include "common/wire/link_messages.h"
#include "tests/integration/integration_env.h"
#include "tests/support/loopback_dial.h"

namespace zroute::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string SecurityTopics() {
  return "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata:\n  name: orders\n  namespace: default\n"
         "spec:\n  allowedPublishers: [shop]\n";
}

// A counter from a sidecar's /metrics text; 0 when absent.
double Metric(int port, const std::string& series) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) return -1;
  std::istringstream in(res->body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return 0;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Resident memory of a process, in KiB (VmRSS).
long RssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// A raw TCP connection to 127.0.0.1:port (for slow and oversize HTTP clients).
int Dial(int port) { return zroute::testing::DialLoopback(port); }

// A ZeroMQ client that speaks the link protocol to a sidecar with whatever key and identity the
// test gives it.
class RogueLink {
 public:
  RogueLink(const std::string& endpoint, const std::string& server_key, const security::CurveKeyPair& keys,
            const std::string& routing_id)
      : socket_(context_, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::routing_id, routing_id);
    socket_.set(zmq::sockopt::curve_serverkey, server_key);
    socket_.set(zmq::sockopt::curve_publickey, keys.public_key);
    socket_.set(zmq::sockopt::curve_secretkey, keys.secret_key);
    socket_.connect(endpoint);
  }

  void Send(const wire::LinkMessage& m) {
    std::string frame = wire::EncodeLinkMessage(m);
    (void)socket_.send(zmq::buffer(frame), zmq::send_flags::dontwait);
  }
  // Sends and waits while the connection's queue is full (bounded): false on timeout.
  bool SendBlocking(const wire::LinkMessage& m, milliseconds bound) {
    socket_.set(zmq::sockopt::sndtimeo, static_cast<int>(bound.count()));
    std::string frame = wire::EncodeLinkMessage(m);
    return socket_.send(zmq::buffer(frame), zmq::send_flags::none).has_value();
  }

  // Well-formed events for `subscription` on `topic`, ids prefix-0 .. prefix-(n-1).
  void SendEvents(const std::string& topic, const std::string& subscription, const std::string& prefix, int n) {
    wire::Events events;
    for (int i = 0; i < n; ++i) {
      CloudEvent e;
      e.id = prefix + "-" + std::to_string(i);
      e.source = "/rogue";
      e.type = "it.event";
      e.data = "{}";
      wire::EventFrame f;
      f.delivery_id = ++next_id_;
      f.topic = topic;
      f.subscription = subscription;
      f.payload = EncodeEventBinary(e);
      events.events.push_back(std::move(f));
    }
    Send(events);
  }

  // Any answer within `bound`.
  bool Answered(milliseconds bound) {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    return zmq::poll(&item, 1, bound) > 0;
  }

 private:
  zmq::context_t context_;
  zmq::socket_t socket_;
  uint64_t next_id_ = 0;
};

class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    manifests_ = work_.path() + "/manifests";
    WriteFile(manifests_ + "/topics.yaml", SecurityTopics());
    WriteFile(manifests_ + "/subscriptions.yaml", SubscriptionYaml("audit-orders", "orders", "audit", false));
    system_ = std::make_unique<LocalSystem>(IntegrationOptions(work_.path(), manifests_));
    ASSERT_TRUE(system_->StartOperator().ok());
    ASSERT_FALSE(system_->operator_public_key().empty());
    auto shop = system_->StartPublisherSidecar("shop", "shop-1", {"--metrics-host", "127.0.0.1", "--metrics-port", "0"});
    ASSERT_TRUE(shop.ok()) << shop.status().ToString();
    shop_ = *shop;
    // A registered sidecar of another app, whose keypair the test holds: a "known key".
    intruder_keys_ = *security::LoadOrCreateKeyFile(work_.path() + "/intruder.key");
    auto intruder =
        system_->StartPublisherSidecar("intruder", "intruder-1", {"--curve-key-file", work_.path() + "/intruder.key"});
    ASSERT_TRUE(intruder.ok()) << intruder.status().ToString();
    intruder_ = *intruder;
    auto audit = system_->StartSubscriber("audit", "audit-1");
    ASSERT_TRUE(audit.ok()) << audit.status().ToString();
    audit_ = *audit;
    ASSERT_TRUE(system_->WaitForConvergence(seconds(20)).ok());
    audit_key_ = EndpointKey("audit");
    ASSERT_TRUE(security::IsValidCurveKey(audit_key_)) << audit_key_;
  }
  void TearDown() override { system_.reset(); }

  std::string EndpointKey(const std::string& app_id) {
    auto table = LocalSystem::GetJson(system_->operator_port(), "/v1/routing-table");
    if (!table.ok()) return "";
    const auto& eps = (*table)["entries"]["endpoints/default/" + app_id];
    return eps.is_array() && !eps.empty() ? eps[0].value("publicKey", "") : "";
  }

  // Publishes one legitimate event through the shop's sidecar and waits until audit has it: after
  // that, anything sent before it has been dealt with by the audit sidecar.
  void PublishAndAwaitLegitimate(const std::string& id) {
    TestPublisher pub(shop_->sidecar_port);
    ASSERT_TRUE(pub.PublishBinary({id, "orders", "k", 1}));
    ASSERT_TRUE(WaitUntil(seconds(20), [&] {
      auto ids = ReceivedIds(*audit_, "default/orders");
      return std::find(ids.begin(), ids.end(), id) != ids.end();
    })) << "the legitimate stream stopped";
  }

  bool AuditReceivedAnyWithPrefix(const std::string& prefix) {
    for (const auto& id : ReceivedIds(*audit_, "default/orders")) {
      if (id.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }

  TempWorkDir work_;
  std::string manifests_;
  std::unique_ptr<LocalSystem> system_;
  LocalReplica* shop_ = nullptr;
  LocalReplica* intruder_ = nullptr;
  LocalReplica* audit_ = nullptr;
  security::CurveKeyPair intruder_keys_;
  std::string audit_key_;
};

TEST_F(SecurityTest, UnknownKeyIsRefusedAtTheHandshakeAndDeliversNothing) {
  auto rogue_keys = *security::GenerateCurveKeyPair();
  RogueLink rogue(audit_->data_endpoint, audit_key_, rogue_keys, shop_->sidecar_id);
  rogue.Send(wire::Hello{shop_->sidecar_id, "shop"});
  rogue.SendEvents("default/orders", "default/audit-orders", "rogue-unknown", 10);
  const std::string refused = "zroute_link_rejected_total{reason=\"unknown_key\"}";
  ASSERT_TRUE(WaitUntil(seconds(10), [&] { return Metric(audit_->sidecar_port, refused) >= 1; }));
  EXPECT_FALSE(rogue.Answered(milliseconds(100)));

  PublishAndAwaitLegitimate("legit-1");
  EXPECT_FALSE(AuditReceivedAnyWithPrefix("rogue-unknown"));
  EXPECT_NE(ReadAll(system_->LogPath("audit-1-sidecar")).find("client key not admitted"), std::string::npos);
}

TEST_F(SecurityTest, KnownKeyClaimingAnotherAppIsRefused) {
  // The intruder's own key, claiming to be the shop's sidecar: refused by routing id.
  {
    RogueLink rogue(audit_->data_endpoint, audit_key_, intruder_keys_, shop_->sidecar_id);
    rogue.Send(wire::Hello{shop_->sidecar_id, "shop"});
    rogue.SendEvents("default/orders", "default/audit-orders", "rogue-as-shop", 10);
    ASSERT_TRUE(WaitUntil(seconds(10), [&] {
      return Metric(audit_->sidecar_port, "zroute_link_rejected_total{reason=\"identity_mismatch\"}") >= 2;
    }));
    EXPECT_FALSE(rogue.Answered(milliseconds(100)));
  }
  // Its own sidecar id but saying it speaks for the shop: HELLO is refused, and the events are
  // refused because the key's app (intruder) may not publish to orders.
  RogueLink rogue(audit_->data_endpoint, audit_key_, intruder_keys_, intruder_->sidecar_id);
  rogue.Send(wire::Hello{intruder_->sidecar_id, "shop"});
  rogue.SendEvents("default/orders", "default/audit-orders", "rogue-forbidden", 10);
  ASSERT_TRUE(WaitUntil(seconds(10), [&] {
    return Metric(audit_->sidecar_port, "zroute_link_rejected_total{reason=\"forbidden\"}") >= 10;
  }));
  EXPECT_GE(Metric(audit_->sidecar_port, "zroute_link_rejected_total{reason=\"identity_mismatch\"}"), 3);

  PublishAndAwaitLegitimate("legit-2");
  EXPECT_FALSE(AuditReceivedAnyWithPrefix("rogue-"));
  EXPECT_NE(ReadAll(system_->LogPath("audit-1-sidecar")).find("inbound message refused"), std::string::npos);
}

TEST_F(SecurityTest, PublisherSidecarRefusesATopicItsAppMayNotPublishAndStoresNothing) {
  httplib::Client client("127.0.0.1", intruder_->sidecar_port);
  auto res = client.Post("/v1/publish/orders", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403) << res->body;
  EXPECT_EQ(Metric(intruder_->sidecar_port, "zroute_publish_rejected_total{reason=\"forbidden\"}"), 1);
  EXPECT_EQ(Metric(intruder_->sidecar_port, "zroute_events_published_total{topic=\"default/orders\"}"), 0);
  auto subs = LocalSystem::GetJson(intruder_->sidecar_port, "/v1/admin/subscriptions");
  ASSERT_TRUE(subs.ok());
  for (const auto& s : *subs) EXPECT_EQ(s.value("end", uint64_t{1}), 0u) << s.dump();
}


TEST_F(SecurityTest, FloodsLeaveMemoryBoundedAndTheLegitimateStreamFlowing) {
  const pid_t audit_pid = audit_->sidecar.pid();
  const long rss_before = RssKiB(audit_pid);
  ASSERT_GT(rss_before, 0);

  // 100,000 tiny messages from an unknown key, and 100,000 from a known key that may not publish
  // (heartbeats, and one-event EVENTS for a topic it may not publish), while the shop publishes.
  auto rogue_keys = *security::GenerateCurveKeyPair();
  RogueLink unknown(audit_->data_endpoint, audit_key_, rogue_keys, "rogue");
  for (int i = 0; i < 100000; ++i) unknown.Send(wire::Heartbeat{});
  RogueLink known(audit_->data_endpoint, audit_key_, intruder_keys_, intruder_->sidecar_id);
  TestPublisher pub(shop_->sidecar_port);
  std::vector<std::string> legit;
  int sent = 0;
  for (int i = 0; i < 100000; ++i) {
    bool ok = (i % 2 == 0) ? known.SendBlocking(wire::Heartbeat{}, seconds(10)) : [&] {
      wire::EventFrame f;
      f.delivery_id = static_cast<uint64_t>(i);
      f.topic = "default/orders";
      f.subscription = "default/audit-orders";
      CloudEvent e;
      e.id = "flood-" + std::to_string(i);
      e.source = "/rogue";
      e.type = "t";
      f.payload = EncodeEventBinary(e);
      wire::Events events;
      events.events.push_back(std::move(f));
      return known.SendBlocking(events, seconds(10));
    }();
    ASSERT_TRUE(ok) << "the sidecar stopped reading its link port at message " << i;
    ++sent;
    if (i % 1000 == 0) {
      legit.push_back("during-flood-" + std::to_string(i));
      ASSERT_TRUE(pub.PublishBinary({legit.back(), "orders", "k" + std::to_string(i % 7), 1}));
    }
  }
  ASSERT_TRUE(WaitUntil(seconds(30), [&] {
    return Metric(audit_->sidecar_port, "zroute_link_rejected_total{reason=\"forbidden\"}") >= 50000;
  })) << Metric(audit_->sidecar_port, "zroute_link_rejected_total{reason=\"forbidden\"}");
  EXPECT_GE(Metric(audit_->sidecar_port, "zroute_link_rejected_total{reason=\"unknown_key\"}"), 1);

  // Oversize bodies and slow-loris connections on the HTTP API.
  {
    httplib::Client client("127.0.0.1", shop_->sidecar_port);
    std::string huge(8 << 20, 'x');  // over the default --max-body-bytes (4 MiB)
    auto res = client.Post("/v1/publish/orders", huge, "application/json");
    EXPECT_TRUE(!res || res->status == 413) << (res ? res->status : 0);
  }
  std::vector<int> slow;
  for (int i = 0; i < 16; ++i) {
    int fd = Dial(shop_->sidecar_port);
    ASSERT_GE(fd, 0);
    const char partial[] = "POST /v1/publish/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n";
    ASSERT_GT(::send(fd, partial, sizeof(partial) - 1, MSG_NOSIGNAL), 0);
    slow.push_back(fd);
  }
  // Header floods: one request of two million short header lines (30 MB) at the HTTP API and at
  // the metrics listener. The sidecar stops reading at its header limit and closes.
  const long shop_rss_before_headers = RssKiB(shop_->sidecar.pid());
  ASSERT_GT(shop_->metrics_port, 0);
  const std::string header_lines = [] {
    std::string c;
    for (int i = 0; i < 10000; ++i) c += "X-Flood: 1234567\r\n";
    return c;
  }();
  for (int port : {shop_->sidecar_port, shop_->metrics_port}) {
    int fd = Dial(port);
    ASSERT_GE(fd, 0);
    const std::string start = "POST /v1/publish/orders HTTP/1.1\r\nHost: x\r\n";
    ASSERT_GT(::send(fd, start.data(), start.size(), MSG_NOSIGNAL), 0);
    size_t sent = 0;
    for (int i = 0; i < 200; ++i) {
      size_t off = 0;
      while (off < header_lines.size()) {
        ssize_t n = ::send(fd, header_lines.data() + off, header_lines.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
      sent += off;
      if (off < header_lines.size()) break;
    }
    close(fd);
    EXPECT_LT(sent, size_t{20} << 20) << "port " << port << " went on reading a 30 MB header block";
  }
  const long shop_rss_after_headers = RssKiB(shop_->sidecar.pid());
  std::cout << "shop sidecar RSS " << shop_rss_before_headers << " KiB before the header floods, "
            << shop_rss_after_headers << " KiB after\n";
#ifdef ZROUTE_SANITIZED
  constexpr long kHeaderFloodGrowthKiB = 256 * 1024;
#else
  constexpr long kHeaderFloodGrowthKiB = 16 * 1024;
#endif
  EXPECT_LT(shop_rss_after_headers - shop_rss_before_headers, kHeaderFloodGrowthKiB);

  legit.push_back("during-slowloris");
  ASSERT_TRUE(pub.PublishBinary({legit.back(), "orders", "k", 1}));
  for (int fd : slow) close(fd);

  ASSERT_TRUE(WaitUntil(seconds(30), [&] {
    auto ids = ReceivedIds(*audit_, "default/orders");
    std::set<std::string> got(ids.begin(), ids.end());
    return std::all_of(legit.begin(), legit.end(), [&](const std::string& id) { return got.count(id) > 0; });
  })) << "legitimate events were not all delivered during the floods";
  EXPECT_FALSE(AuditReceivedAnyWithPrefix("flood-"));

  const long rss_after = RssKiB(audit_pid);
  const long shop_rss = RssKiB(shop_->sidecar.pid());
  std::cout << "audit sidecar RSS " << rss_before << " KiB before, " << rss_after << " KiB after " << sent
            << " flood messages; shop sidecar RSS " << shop_rss << " KiB\n";
  RecordProperty("audit_rss_before_kib", std::to_string(rss_before));
  RecordProperty("audit_rss_after_kib", std::to_string(rss_after));
#ifdef ZROUTE_SANITIZED
  // Under ASan freed memory waits in a quarantine (256 MiB by default) and every allocation is
  // padded, so resident size only shows that growth stays bounded, not how small it is.
  constexpr long kGrowthLimitKiB = 512 * 1024, kShopLimitKiB = 1024 * 1024;
#else
  constexpr long kGrowthLimitKiB = 64 * 1024, kShopLimitKiB = 256 * 1024;
#endif
  EXPECT_LT(rss_after - rss_before, kGrowthLimitKiB) << "the flood grew the sidecar's memory by more than "
                                                     << kGrowthLimitKiB / 1024 << " MiB";
  EXPECT_LT(shop_rss, kShopLimitKiB);
}

// Tokens between the sidecars and their apps: the API token on publish, the delivery token on
// every delivery (the sample subscriber refuses deliveries without it).
class TokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    manifests_ = work_.path() + "/manifests";
    WriteFile(manifests_ + "/topics.yaml", SecurityTopics());
    WriteFile(manifests_ + "/subscriptions.yaml", SubscriptionYaml("audit-orders", "orders", "audit", false));
    WriteFile(work_.path() + "/api.token", "api-secret-1\n");
    WriteFile(work_.path() + "/delivery.token", "delivery-secret-1\n");
    system_ = std::make_unique<LocalSystem>(IntegrationOptions(work_.path(), manifests_));
    ASSERT_TRUE(system_->StartOperator().ok());
    auto shop = system_->StartPublisherSidecar("shop", "shop-1", {"--api-token-file", work_.path() + "/api.token"});
    ASSERT_TRUE(shop.ok()) << shop.status().ToString();
    shop_ = *shop;
    auto audit = system_->StartSubscriber("audit", "audit-1", {"--token-file", work_.path() + "/delivery.token"},
                                          {"--delivery-token-file", work_.path() + "/delivery.token"});
    ASSERT_TRUE(audit.ok()) << audit.status().ToString();
    audit_ = *audit;
    ASSERT_TRUE(system_->WaitForConvergence(seconds(20)).ok());
  }
  void TearDown() override { system_.reset(); }

  TempWorkDir work_;
  std::string manifests_;
  std::unique_ptr<LocalSystem> system_;
  LocalReplica* shop_ = nullptr;
  LocalReplica* audit_ = nullptr;
};

TEST_F(TokenTest, PublishWithoutTheApiTokenIsRefusedAndStoresNothing) {
  httplib::Client client("127.0.0.1", shop_->sidecar_port);
  const httplib::Headers event{{"ce-specversion", "1.0"}, {"ce-id", "t-1"}, {"ce-source", "/shop"}, {"ce-type", "t"}};
  auto res = client.Post("/v1/publish/orders", event, "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << res->body;
  EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer");
  httplib::Headers wrong = event;
  wrong.emplace("Authorization", "Bearer api-secret-2");
  res = client.Post("/v1/publish/orders", wrong, "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << res->body;
  EXPECT_EQ(Metric(shop_->sidecar_port, "zroute_publish_rejected_total{reason=\"unauthenticated\"}"), 2);
  EXPECT_EQ(Metric(shop_->sidecar_port, "zroute_events_published_total{topic=\"default/orders\"}"), 0);
  // The admin API is behind the token too.
  res = client.Get("/v1/admin/subscriptions");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);

  client.set_bearer_token_auth("api-secret-1");
  res = client.Post("/v1/publish/orders", event, "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 202) << res->body;
  EXPECT_EQ(Metric(shop_->sidecar_port, "zroute_events_published_total{topic=\"default/orders\"}"), 1);
}

TEST_F(TokenTest, DeliveriesCarryTheDeliveryTokenAndOtherCallersAreRefused) {
  httplib::Client client("127.0.0.1", shop_->sidecar_port);
  client.set_bearer_token_auth("api-secret-1");
  const httplib::Headers event{{"ce-specversion", "1.0"}, {"ce-id", "d-1"}, {"ce-source", "/shop"}, {"ce-type", "t"}};
  auto res = client.Post("/v1/publish/orders", event, "{}", "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 202) << res->body;
  ASSERT_TRUE(WaitUntil(seconds(20), [&] { return !ReceivedIds(*audit_, "default/orders").empty(); }));
  EXPECT_EQ(Stats(*audit_).value("unauthorized", -1), 0);

  // Anyone else calling the app directly is refused by it.
  httplib::Client direct("127.0.0.1", audit_->app_port);
  res = direct.Post("/events", event, "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(Stats(*audit_).value("unauthorized", -1), 1);
  EXPECT_EQ(ReceivedIds(*audit_, "default/orders").size(), 1u);
}

}  // namespace
}  // namespace zroute::testing
