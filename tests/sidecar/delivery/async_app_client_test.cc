// AsyncAppClient against real sockets on 127.0.0.1: TestApp (an httplib server) for the response
// contract, and ScriptedApp, a raw server whose answers the test writes byte for byte, for the
// connection handling and hostile answers. Every wait is bounded.
#include "sidecar/delivery/async_app_client.h"

#include <gtest/gtest.h>

#include "tests/sidecar/delivery/scripted_app.h"
#include "tests/sidecar/delivery/test_app.h"

namespace zroute {
namespace {

using std::chrono::milliseconds;
using zroute::testing::ScriptedApp;
using zroute::testing::TestApp;

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

DeliveryRequest Request(const std::string& id = "evt-1") {
  CloudEvent e;
  e.id = id;
  e.source = "zroute://shop";
  e.type = "order.created";
  e.data = "hello";
  return BuildDeliveryRequest(e, DeliveryMetadata{"default/orders", "default/billing-orders", 1});
}

class AsyncAppClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<AsyncAppClient> Client(int port) {
    return std::make_unique<AsyncAppClient>("127.0.0.1", port, "", RealClock(), &wakeup_);
  }
  // Runs exchanges until every tag in [0, n) finished (bounded); results by tag.
  static std::vector<DeliveryResult> WaitAll(AsyncAppClient& client, size_t n) {
    std::vector<DeliveryResult> results(n);
    size_t done = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (done < n && std::chrono::steady_clock::now() < deadline) {
      for (auto& f : client.Wait(milliseconds(100))) {
        results[reinterpret_cast<uintptr_t>(f.tag)] = f.result;
        ++done;
      }
    }
    EXPECT_EQ(done, n) << "exchanges still running: " << client.running();
    return results;
  }
  static DeliveryResult Deliver(AsyncAppClient& client, const DeliveryRequest& request = Request(),
                                milliseconds timeout = milliseconds(5000), const std::string& route = "/orders") {
    client.Begin(route, request, timeout, nullptr);
    return WaitAll(client, 1)[0];
  }

  Wakeup wakeup_;
};

TEST_F(AsyncAppClientTest, AnswersAreClassifiedByTheResponseContract) {
  TestApp app;
  auto client = Client(app.port());
  EXPECT_EQ(Deliver(*client).outcome, DeliveryOutcome::kDelivered);

  app.AnswerWith(503, "7");
  DeliveryResult r = Deliver(*client);
  EXPECT_EQ(r.outcome, DeliveryOutcome::kRetry);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.retry_after, milliseconds(7000));

  app.AnswerWith(400, "", std::string(1000, 'x'));
  r = Deliver(*client);
  EXPECT_EQ(r.outcome, DeliveryOutcome::kFinal);
  EXPECT_EQ(r.error, std::string(256, 'x')) << "the answer's body is kept truncated";
}

TEST_F(AsyncAppClientTest, TheAppGetsTheSameRequestAsFromTheBlockingClient) {
  TestApp app;
  Wakeup wakeup;
  AsyncAppClient client("127.0.0.1", app.port(), "s3cret", RealClock(), &wakeup);
  ASSERT_EQ(Deliver(client).outcome, DeliveryOutcome::kDelivered);
  ASSERT_EQ(app.received().size(), 1u);
  const TestApp::Received got = app.received()[0];
  EXPECT_EQ(got.path, "/orders");
  EXPECT_EQ(got.Header("Authorization"), "Bearer s3cret");
  EXPECT_EQ(got.Header("ce-id"), "evt-1");
  EXPECT_EQ(got.Header("zroute-subscription"), "default/billing-orders");
  EXPECT_EQ(got.Header("zroute-delivery-attempt"), "1");
  EXPECT_EQ(got.body, "hello");
}

TEST_F(AsyncAppClientTest, OneConnectionCarriesManyExchanges) {
  ScriptedApp app([](int, const std::string&) { return ScriptedApp::Reply{kOk}; });
  auto client = Client(app.port());
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Deliver(*client).outcome, DeliveryOutcome::kDelivered) << i;
  EXPECT_EQ(app.requests(), 10);
  EXPECT_EQ(app.connections(), 1);
}

TEST_F(AsyncAppClientTest, ConcurrentExchangesEachGetTheirOwnConnectionAndResult) {
  // Request i is answered with status 200 + i % 3 (200, 201, 202), so results cannot be swapped.
  ScriptedApp app([](int, const std::string& head) {
    const int i = std::stoi(head.substr(head.find("ce-id: evt-") + 11));
    const int status = 200 + i % 3;
    return ScriptedApp::Reply{"HTTP/1.1 " + std::to_string(status) + " OK\r\nContent-Length: 0\r\n\r\n"};
  });
  auto client = Client(app.port());
  constexpr size_t kExchanges = 40;
  for (size_t i = 0; i < kExchanges; ++i) {
    client->Begin("/orders", Request("evt-" + std::to_string(i)), milliseconds(5000), reinterpret_cast<void*>(i));
  }
  EXPECT_EQ(client->running(), kExchanges);
  auto results = WaitAll(*client, kExchanges);
  for (size_t i = 0; i < kExchanges; ++i) {
    EXPECT_EQ(results[i].outcome, DeliveryOutcome::kDelivered) << i << ": " << results[i].error;
    EXPECT_EQ(results[i].status, 200 + static_cast<int>(i % 3)) << i;
  }
  EXPECT_EQ(app.connections(), static_cast<int>(kExchanges));
  EXPECT_EQ(client->running(), 0u);
}

TEST_F(AsyncAppClientTest, AnAnswerThatClosesTheConnectionIsNotReused) {
  ScriptedApp app([](int, const std::string&) {
    return ScriptedApp::Reply{"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", true};
  });
  auto client = Client(app.port());
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Deliver(*client).outcome, DeliveryOutcome::kDelivered) << i;
  EXPECT_EQ(app.connections(), 3);
}

TEST_F(AsyncAppClientTest, AnAppClosingAnIdleConnectionCostsNoDeliveryAndNoDuplicate) {
  // Each connection is closed right after its first answer, with nothing said: the client holds
  // it as kept alive, and the next exchange meets the close.
  ScriptedApp app([](int, const std::string&) { return ScriptedApp::Reply{kOk, true}; });
  auto client = Client(app.port());
  for (int i = 0; i < 5; ++i) {
    DeliveryResult r = Deliver(*client);
    ASSERT_EQ(r.outcome, DeliveryOutcome::kDelivered) << i << ": " << r.error;
  }
  EXPECT_EQ(app.requests(), 5) << "every request reached the app once";
}

TEST_F(AsyncAppClientTest, AnswerArrivingOneByteAtATimeIsRead) {
  ScriptedApp app([](int, const std::string&) {
    return ScriptedApp::Reply{
        "HTTP/1.1 503 Busy\r\nRetry-After: 3\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbusy\r\n0\r\n\r\n", false, true};
  });
  auto client = Client(app.port());
  DeliveryResult r = Deliver(*client);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.retry_after, milliseconds(3000));
  EXPECT_EQ(r.error, "busy");
}

TEST_F(AsyncAppClientTest, ALargeSuccessfulAnswerIsDelivered) {
  const std::string body(5 << 20, 'z');
  ScriptedApp app([&](int, const std::string&) {
    return ScriptedApp::Reply{"HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body};
  });
  auto client = Client(app.port());
  EXPECT_EQ(Deliver(*client).outcome, DeliveryOutcome::kDelivered);
  EXPECT_EQ(Deliver(*client).outcome, DeliveryOutcome::kDelivered);
  EXPECT_EQ(app.connections(), 1) << "the body was read to its end, so the connection stayed usable";
}

TEST_F(AsyncAppClientTest, TwoAnswersToOneRequestCloseTheConnection) {
  ScriptedApp app([](int, const std::string&) { return ScriptedApp::Reply{kOk + kOk}; });
  auto client = Client(app.port());
  EXPECT_EQ(Deliver(*client).outcome, DeliveryOutcome::kDelivered);
  EXPECT_EQ(Deliver(*client).outcome, DeliveryOutcome::kDelivered);
  EXPECT_EQ(app.connections(), 2) << "the second answer is not taken for the next request's";
}

TEST_F(AsyncAppClientTest, AMalformedAnswerIsRetriedNotTrusted) {
  for (const std::string& answer :
       {std::string("HELLO\r\n\r\n"), std::string("HTTP/1.1 200 OK\nContent-Length: 0\n\n"),
        std::string("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n")}) {
    ScriptedApp app([&](int, const std::string&) { return ScriptedApp::Reply{answer, true}; });
    auto client = Client(app.port());
    DeliveryResult r = Deliver(*client);
    EXPECT_EQ(r.outcome, DeliveryOutcome::kRetry) << answer;
    EXPECT_EQ(r.status, 0) << answer;
    EXPECT_NE(r.error.find("bad answer"), std::string::npos) << r.error;
  }
}

TEST_F(AsyncAppClientTest, AnAppSlowerThanTheTimeoutFailsTheExchangeAndTheNextOneWorks) {
  TestApp app;
  app.CloseGate();
  auto client = Client(app.port());
  DeliveryResult r = Deliver(*client, Request(), milliseconds(100));
  EXPECT_EQ(r.outcome, DeliveryOutcome::kRetry);
  EXPECT_NE(r.error.find("timeout"), std::string::npos) << r.error;
  app.OpenGate();
  EXPECT_EQ(Deliver(*client).outcome, DeliveryOutcome::kDelivered);
}

TEST_F(AsyncAppClientTest, NoAppListeningIsRetriedWithoutStatus) {
  int port;
  {
    ScriptedApp gone([](int, const std::string&) { return ScriptedApp::Reply{kOk}; });
    port = gone.port();
  }
  auto client = Client(port);
  DeliveryResult r = Deliver(*client);
  EXPECT_EQ(r.outcome, DeliveryOutcome::kRetry);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("connect"), std::string::npos) << r.error;
}

TEST_F(AsyncAppClientTest, ARequestThatCouldSplitIsNeverSent) {
  ScriptedApp app([](int, const std::string&) { return ScriptedApp::Reply{kOk}; });
  auto client = Client(app.port());
  DeliveryRequest injected = Request();
  injected.headers.emplace_back("x-note", "a\r\nX-Injected: 1");
  DeliveryResult r = Deliver(*client, injected);
  EXPECT_EQ(r.outcome, DeliveryOutcome::kFinal) << "the same request would fail every time";
  DeliveryRequest bad_name = Request();
  bad_name.headers.emplace_back("x note", "v");
  EXPECT_EQ(Deliver(*client, bad_name).outcome, DeliveryOutcome::kFinal);
  EXPECT_EQ(Deliver(*client, Request(), milliseconds(5000), "/orders HTTP/1.1\r\nX: y").outcome,
            DeliveryOutcome::kFinal);
  EXPECT_EQ(Deliver(*client, Request(), milliseconds(5000), "orders").outcome, DeliveryOutcome::kFinal);
  EXPECT_EQ(app.connections(), 0);
  EXPECT_EQ(client->running(), 0u);
}

TEST_F(AsyncAppClientTest, AWakeUpEndsTheWaitAndIsDrained) {
  TestApp app;
  auto client = Client(app.port());
  wakeup_.Notify();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client->Wait(milliseconds(-1)).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // Drained: a wait now lasts its timeout.
  const auto again = std::chrono::steady_clock::now();
  EXPECT_TRUE(client->Wait(milliseconds(50)).empty());
  EXPECT_GE(std::chrono::steady_clock::now() - again, milliseconds(45));
}

}  // namespace
}  // namespace zroute
