#include "sidecar/delivery/app_client.h"

#include <gtest/gtest.h>

#include "common/cloudevents/http_binding.h"
#include "tests/sidecar/delivery/scripted_app.h"
#include "tests/sidecar/delivery/test_app.h"

namespace zroute {
namespace {

using std::chrono::milliseconds;
using zroute::testing::ScriptedApp;
using zroute::testing::TestApp;

TEST(ClassifyStatusTest, TwoHundredsAreDelivered) {
  for (int s : {200, 201, 202, 204, 299}) EXPECT_EQ(ClassifyStatus(s), DeliveryOutcome::kDelivered) << s;
}

TEST(ClassifyStatusTest, TimeoutConflictThrottlingAndServerErrorsAreRetried) {
  for (int s : {408, 409, 429, 500, 502, 503, 504, 599}) EXPECT_EQ(ClassifyStatus(s), DeliveryOutcome::kRetry) << s;
}

TEST(ClassifyStatusTest, NoResponseIsRetried) { EXPECT_EQ(ClassifyStatus(0), DeliveryOutcome::kRetry); }

TEST(ClassifyStatusTest, OtherStatusesAreFinal) {
  for (int s : {400, 401, 403, 404, 405, 410, 413, 415, 422, 100, 301, 304}) {
    EXPECT_EQ(ClassifyStatus(s), DeliveryOutcome::kFinal) << s;
  }
}

TEST(ParseRetryAfterTest, DelaySecondsAreMilliseconds) {
  EXPECT_EQ(ParseRetryAfter("0"), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("7"), milliseconds(7000));
  EXPECT_EQ(ParseRetryAfter("120"), milliseconds(120000));
}

TEST(ParseRetryAfterTest, LongDelaysAreCappedAtAnHour) {
  EXPECT_EQ(ParseRetryAfter("3601"), milliseconds(3600 * 1000));
  EXPECT_EQ(ParseRetryAfter("9999999999"), milliseconds(3600 * 1000));
}

TEST(ParseRetryAfterTest, HttpDateIsTreatedAsAbsent) {
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
}

TEST(ParseRetryAfterTest, MalformedValuesAreAbsent) {
  for (const char* v : {"", " 5", "5 ", "-1", "+3", "1.5", "abc", "0x10", "5s"}) {
    EXPECT_EQ(ParseRetryAfter(v), std::nullopt) << "'" << v << "'";
  }
}

class AppClientTest : public ::testing::Test {
 protected:
  DeliveryResult Deliver(const CloudEvent& e, milliseconds timeout = milliseconds(5000)) {
    AppClient client("127.0.0.1", app_.port());
    return client.Deliver("/orders", e, timeout);
  }
  static CloudEvent Event() {
    CloudEvent e;
    e.id = "evt-1";
    e.source = "zroute://shop";
    e.type = "order.created";
    e.data = "hello";
    return e;
  }

  TestApp app_;
};

TEST_F(AppClientTest, TwoHundredIsDelivered) {
  app_.AnswerWith(204);
  DeliveryResult r = Deliver(Event());
  EXPECT_EQ(r.outcome, DeliveryOutcome::kDelivered);
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(r.retry_after, std::nullopt);
  ASSERT_EQ(app_.received().size(), 1u);
  EXPECT_EQ(app_.received()[0].path, "/orders");
}

CloudEvent EventWithEveryAttribute() {
  CloudEvent e;
  e.id = "id with space";
  e.source = "zroute://shop/100%25";
  e.type = "order.created";
  e.subject = "caf\xC3\xA9 \"quoted\"";
  e.dataschema = "https://schemas.example/order";
  e.time = "2026-01-02T03:04:05Z";
  e.datacontenttype = "application/json";
  e.extensions["partitionkey"] = "customer 7";
  e.extensions["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  e.extensions["tenant"] = "\xE2\x82\xAC";
  e.data = std::string("{\"a\":1}\0\xFF", 9);
  return e;
}

// httplib's server percent-decodes header values as it parses them, so an app built on it sees
// the attribute values themselves; a literal "%25" in a value survives only if it was encoded.
TEST_F(AppClientTest, BinaryModeHeadersCarryEveryAttributeToTheApp) {
  CloudEvent e = EventWithEveryAttribute();
  app_.AnswerWith(200);
  ASSERT_EQ(Deliver(e).outcome, DeliveryOutcome::kDelivered);

  auto all = app_.received();
  ASSERT_EQ(all.size(), 1u);
  const TestApp::Received& got = all[0];
  EXPECT_EQ(got.Header("ce-specversion"), "1.0");
  EXPECT_EQ(got.Header("ce-id"), e.id);
  EXPECT_EQ(got.Header("ce-source"), e.source) << "a '%' in a value must be sent as %25";
  EXPECT_EQ(got.Header("ce-type"), e.type);
  EXPECT_EQ(got.Header("ce-subject"), e.subject);
  EXPECT_EQ(got.Header("ce-dataschema"), e.dataschema);
  EXPECT_EQ(got.Header("ce-time"), e.time);
  EXPECT_EQ(got.Header("ce-partitionkey"), "customer 7");
  // The delivery is a new span of the same trace (common/cloudevents/trace_context.h).
  EXPECT_EQ(got.Header("ce-traceparent").substr(0, 36), e.extensions["traceparent"].substr(0, 36));
  EXPECT_NE(got.Header("ce-traceparent"), e.extensions["traceparent"]);
  EXPECT_EQ(got.Header("traceparent"), got.Header("ce-traceparent"));
  EXPECT_EQ(got.Header("ce-tenant"), e.extensions["tenant"]);
  EXPECT_EQ(got.Header("content-type"), "application/json");
  EXPECT_FALSE(got.headers.count("ce-datacontenttype")) << "datacontenttype travels as Content-Type";
  EXPECT_EQ(got.body, e.data);
}

// The value of header `name` (case-insensitive) in a raw request head.
std::string RawHeader(const std::string& head, const std::string& name) {
  std::string lower_head = head;
  for (char& c : lower_head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t at = lower_head.find("\r\n" + name + ":");
  if (at == std::string::npos) return "<absent>";
  size_t start = head.find_first_not_of(' ', at + 2 + name.size() + 1);
  return head.substr(start, head.find("\r\n", start) - start);
}

TEST(AppClientWireTest, BinaryModeCarriesEveryAttributeAsPercentEncodedHeaders) {
  CloudEvent e = EventWithEveryAttribute();
  // The raw request as it was put on the wire.
  ScriptedApp capture([](int, const std::string&) {
    return ScriptedApp::Reply{"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", true};
  });
  std::string head;
  {
    AppClient client("127.0.0.1", capture.port());
    ASSERT_EQ(client.Deliver("/orders", e, milliseconds(5000)).outcome, DeliveryOutcome::kDelivered);
  }
  head = capture.last_head();
  EXPECT_EQ(head.substr(0, head.find("\r\n")), "POST /orders HTTP/1.1");
  EXPECT_EQ(RawHeader(head, "ce-specversion"), "1.0");
  EXPECT_EQ(RawHeader(head, "ce-id"), "id%20with%20space");
  EXPECT_EQ(RawHeader(head, "ce-source"), "zroute://shop/100%2525");
  EXPECT_EQ(RawHeader(head, "ce-type"), "order.created");
  EXPECT_EQ(RawHeader(head, "ce-subject"), "caf%C3%A9%20%22quoted%22");
  EXPECT_EQ(RawHeader(head, "ce-dataschema"), "https://schemas.example/order");
  EXPECT_EQ(RawHeader(head, "ce-time"), "2026-01-02T03:04:05Z");
  EXPECT_EQ(RawHeader(head, "ce-partitionkey"), "customer%207");
  EXPECT_EQ(RawHeader(head, "ce-traceparent").substr(0, 36), e.extensions["traceparent"].substr(0, 36));
  EXPECT_EQ(RawHeader(head, "ce-tenant"), "%E2%82%AC");
  EXPECT_EQ(RawHeader(head, "content-type"), "application/json");
  EXPECT_EQ(RawHeader(head, "ce-datacontenttype"), "<absent>");

  // What went on the wire decodes back to the event that was sent.
  HttpHeaders headers;
  for (const char* name : {"ce-specversion", "ce-id", "ce-source", "ce-type", "ce-subject", "ce-dataschema",
                           "ce-time", "ce-partitionkey", "ce-traceparent", "ce-tenant", "content-type"}) {
    headers[name] = RawHeader(head, name);
  }
  auto decoded = DecodeHttpRequest(headers, e.data, DecodeLimits{}, WrapDefaults{});
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->size(), 1u);
  CloudEvent expected = e;
  expected.extensions["traceparent"] = RawHeader(head, "ce-traceparent");  // the delivery's own span
  EXPECT_EQ((*decoded)[0], expected);
}

TEST_F(AppClientTest, ServiceUnavailableWithRetryAfterSecondsIsRetriedAfterThem) {
  app_.AnswerWith(503, "7", "busy");
  DeliveryResult r = Deliver(Event());
  EXPECT_EQ(r.outcome, DeliveryOutcome::kRetry);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.retry_after, milliseconds(7000));
  EXPECT_EQ(r.error, "busy");
}

TEST_F(AppClientTest, ServiceUnavailableWithRetryAfterDateFallsBackToBackoff) {
  app_.AnswerWith(503, "Wed, 21 Oct 2015 07:28:00 GMT");
  DeliveryResult r = Deliver(Event());
  EXPECT_EQ(r.outcome, DeliveryOutcome::kRetry);
  EXPECT_EQ(r.retry_after, std::nullopt);
}

TEST_F(AppClientTest, TooManyRequestsHonoursRetryAfter) {
  app_.AnswerWith(429, "2");
  DeliveryResult r = Deliver(Event());
  EXPECT_EQ(r.outcome, DeliveryOutcome::kRetry);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.retry_after, milliseconds(2000));
}

TEST_F(AppClientTest, OtherServerErrorsIgnoreRetryAfter) {
  app_.AnswerWith(500, "9", "boom");
  DeliveryResult r = Deliver(Event());
  EXPECT_EQ(r.outcome, DeliveryOutcome::kRetry);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.retry_after, std::nullopt);
  EXPECT_EQ(r.error, "boom");
}

TEST_F(AppClientTest, RequestTimeoutAndConflictAreRetried) {
  for (int status : {408, 409}) {
    app_.AnswerWith(status);
    DeliveryResult r = Deliver(Event());
    EXPECT_EQ(r.outcome, DeliveryOutcome::kRetry) << status;
    EXPECT_EQ(r.status, status);
  }
}

TEST_F(AppClientTest, OtherClientErrorsAreFinalWithTheBodyTruncated) {
  app_.AnswerWith(404, "", std::string(1000, 'x'));
  DeliveryResult r = Deliver(Event());
  EXPECT_EQ(r.outcome, DeliveryOutcome::kFinal);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error, std::string(256, 'x'));
  app_.AnswerWith(400);
  EXPECT_EQ(Deliver(Event()).outcome, DeliveryOutcome::kFinal);
}

TEST_F(AppClientTest, ConnectionRefusedIsRetriedWithoutStatus) {
  int port;
  {
    TestApp gone;  // a port that was just free and is closed again
    port = gone.port();
  }
  AppClient client("127.0.0.1", port);
  DeliveryResult r = client.Deliver("/orders", Event(), milliseconds(2000));
  EXPECT_EQ(r.outcome, DeliveryOutcome::kRetry);
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
}

TEST_F(AppClientTest, AppSlowerThanTheAttemptTimeoutIsRetried) {
  app_.CloseGate();
  DeliveryResult r = Deliver(Event(), milliseconds(200));
  app_.OpenGate();
  EXPECT_EQ(r.outcome, DeliveryOutcome::kRetry);
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
}

TEST_F(AppClientTest, OneClientDeliversManyEvents) {
  app_.AnswerWith(200);
  AppClient client("127.0.0.1", app_.port());
  for (int i = 0; i < 5; ++i) {
    CloudEvent e = Event();
    e.id = "evt-" + std::to_string(i);
    EXPECT_EQ(client.Deliver("/orders", e, milliseconds(5000)).outcome, DeliveryOutcome::kDelivered);
  }
  auto got = app_.received();
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[4].Header("ce-id"), "evt-4");
}

TEST(AppClientReconnectTest, AppThatClosesEveryConnectionIsStillReached) {
  TestApp app(/*keep_alive_max_count=*/1);
  app.AnswerWith(200);
  AppClient client("127.0.0.1", app.port());
  for (int i = 0; i < 4; ++i) {
    CloudEvent e;
    e.id = "evt-" + std::to_string(i);
    e.source = "zroute://shop";
    e.type = "order.created";
    DeliveryResult r = client.Deliver("/orders", e, milliseconds(5000));
    EXPECT_EQ(r.outcome, DeliveryOutcome::kDelivered) << "delivery " << i << ": " << r.error;
  }
  EXPECT_EQ(app.received().size(), 4u);
}

}  // namespace
}  // namespace zroute
