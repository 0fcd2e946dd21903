#include "operator/scaling/load_report_json.h"

#include <gtest/gtest.h>

#include <limits>

namespace zroute::scaling {
namespace {

using nlohmann::json;

const ReporterIdentity kWho{"orders-7f9c-1", "default", "orders"};

json ValidLoad() {
  return json::parse(R"({
    "subscriptions": [
      {"subscription": "default/billing-orders", "appId": "billing", "lag": 120,
       "topic": "default/orders", "inFlight": 8},
      {"subscription": "default/audit-orders", "appId": "audit", "lag": 0}
    ],
    "consumer": {"inFlight": 3, "arrivalRate": 41.5, "completionRate": 40,
                 "latencyP50Seconds": 0.012, "latencyP99Seconds": 0.25}
  })");
}

TEST(LoadReportJsonTest, DecodesBothPartsAndTakesIdentityFromTheReceiver) {
  auto report = DecodeLoadReport(ValidLoad(), kWho);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->sidecar_id, "orders-7f9c-1");
  EXPECT_EQ(report->namespace_, "default");
  EXPECT_EQ(report->app_id, "orders");
  ASSERT_EQ(report->backlog.size(), 2u);
  EXPECT_EQ(report->backlog[0], (SubscriptionBacklog{"default/billing-orders", "billing", 120}));
  EXPECT_EQ(report->backlog[1], (SubscriptionBacklog{"default/audit-orders", "audit", 0}));
  ASSERT_TRUE(report->consumer.has_value());
  EXPECT_EQ(*report->consumer, (ConsumerLoad{3, 41.5, 40, 0.012, 0.25}));
  EXPECT_EQ(report->received_at, MonoTime{});
}

TEST(LoadReportJsonTest, IdentityFieldsInTheObjectAreIgnored) {
  json load = ValidLoad();
  load["sidecarId"] = "someone-else";
  load["appId"] = "payments";
  auto report = DecodeLoadReport(load, kWho);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->sidecar_id, kWho.sidecar_id);
  EXPECT_EQ(report->app_id, kWho.app_id);
}

TEST(LoadReportJsonTest, MissingPartsMeanPublisherOnlyOrConsumerOnly) {
  auto empty = DecodeLoadReport(json::object(), kWho);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->backlog.empty());
  EXPECT_FALSE(empty->consumer.has_value());

  auto nulls = DecodeLoadReport(json{{"subscriptions", nullptr}, {"consumer", nullptr}}, kWho);
  ASSERT_TRUE(nulls.ok());
  EXPECT_FALSE(nulls->consumer.has_value());

  // An idle consumer sends an empty object: it still counts as a running replica.
  auto idle = DecodeLoadReport(json{{"consumer", json::object()}}, kWho);
  ASSERT_TRUE(idle.ok());
  ASSERT_TRUE(idle->consumer.has_value());
  EXPECT_EQ(*idle->consumer, ConsumerLoad{});
}

TEST(LoadReportJsonTest, EncodeThenDecodeGivesTheSameReport) {
  LoadReport r;
  r.sidecar_id = kWho.sidecar_id;
  r.namespace_ = kWho.namespace_;
  r.app_id = kWho.app_id;
  r.backlog = {{"team-a/s1", "worker", 7}, {"team-a/s2", "other", kMaxReportedCount}};
  r.consumer = ConsumerLoad{5, 1.25, 0.5, 0.001, 2.5};
  // Through text, as on the wire.
  auto back = DecodeLoadReport(json::parse(EncodeLoadReport(r).dump()), kWho);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->backlog, r.backlog);
  EXPECT_EQ(back->consumer, r.consumer);
}

TEST(LoadReportJsonTest, NonObjectsAreRejected) {
  for (const char* text : {"null", "[]", "42", "\"load\"", "true"}) {
    EXPECT_EQ(DecodeLoadReport(json::parse(text), kWho).status().code(),
              StatusCode::kInvalidArgument)
        << text;
  }
  EXPECT_FALSE(DecodeLoadReport(json{{"subscriptions", json::object()}}, kWho).ok());
  EXPECT_FALSE(DecodeLoadReport(json{{"subscriptions", "default/x"}}, kWho).ok());
  EXPECT_FALSE(DecodeLoadReport(json{{"subscriptions", json::array({1, 2})}}, kWho).ok());
  EXPECT_FALSE(DecodeLoadReport(json{{"consumer", json::array()}}, kWho).ok());
  EXPECT_FALSE(DecodeLoadReport(json{{"consumer", 3}}, kWho).ok());
}

TEST(LoadReportJsonTest, WrongTypesNameTheField) {
  json load = ValidLoad();
  load["subscriptions"][1]["lag"] = "12";
  auto s = DecodeLoadReport(load, kWho).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("subscriptions[1]"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("lag"), std::string::npos) << s.message();

  load = ValidLoad();
  load["subscriptions"][0]["appId"] = 5;
  EXPECT_EQ(DecodeLoadReport(load, kWho).status().code(), StatusCode::kInvalidArgument);
  load = ValidLoad();
  load["subscriptions"][0].erase("subscription");
  EXPECT_EQ(DecodeLoadReport(load, kWho).status().code(), StatusCode::kInvalidArgument);
  load = ValidLoad();
  load["consumer"]["arrivalRate"] = json::object();
  s = DecodeLoadReport(load, kWho).status();
  EXPECT_NE(s.message().find("arrivalRate"), std::string::npos) << s.message();
  load = ValidLoad();
  load["consumer"]["inFlight"] = true;
  EXPECT_EQ(DecodeLoadReport(load, kWho).status().code(), StatusCode::kInvalidArgument);
}

TEST(LoadReportJsonTest, CountsMustBeWholeNonNegativeAndBounded) {
  for (json bad : {json(-1), json(1.5), json(static_cast<uint64_t>(kMaxReportedCount) + 1),
                   json(std::numeric_limits<uint64_t>::max()), json(1e300),
                   json(std::numeric_limits<int64_t>::min())}) {
    json load = ValidLoad();
    load["subscriptions"][0]["lag"] = bad;
    EXPECT_EQ(DecodeLoadReport(load, kWho).status().code(), StatusCode::kInvalidArgument)
        << bad.dump();
    load = ValidLoad();
    load["consumer"]["inFlight"] = bad;
    EXPECT_EQ(DecodeLoadReport(load, kWho).status().code(), StatusCode::kInvalidArgument)
        << bad.dump();
  }
  json load = ValidLoad();
  load["subscriptions"][0]["lag"] = 12.0;
  auto ok = DecodeLoadReport(load, kWho);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->backlog[0].lag, 12);
}

TEST(LoadReportJsonTest, RatesMustBeFiniteAndNonNegative) {
  for (json bad : {json(-0.5), json(1e300), json(std::numeric_limits<double>::quiet_NaN()),
                   json(std::numeric_limits<double>::infinity())}) {
    for (const char* field : {"arrivalRate", "completionRate", "latencyP50Seconds",
                              "latencyP99Seconds"}) {
      json load = ValidLoad();
      load["consumer"][field] = bad;
      EXPECT_FALSE(DecodeLoadReport(load, kWho).ok()) << field << "=" << bad.dump();
    }
  }
}

TEST(LoadReportJsonTest, OversizeListsAndIdsAreRejectedBeforeCopying) {
  json load = json::object();
  load["subscriptions"] = json::array();
  for (size_t i = 0; i <= kMaxBacklogEntriesPerReport; ++i) {
    load["subscriptions"].push_back(
        {{"subscription", "ns/s" + std::to_string(i)}, {"appId", "a"}, {"lag", 1}});
  }
  EXPECT_EQ(DecodeLoadReport(load, kWho).status().code(), StatusCode::kTooLarge);

  load = ValidLoad();
  load["subscriptions"][0]["subscription"] = "ns/" + std::string(1 << 20, 'x');
  EXPECT_EQ(DecodeLoadReport(load, kWho).status().code(), StatusCode::kInvalidArgument);
  load = ValidLoad();
  load["subscriptions"][0]["appId"] = std::string(kMaxReportIdBytes + 1, 'a');
  EXPECT_EQ(DecodeLoadReport(load, kWho).status().code(), StatusCode::kInvalidArgument);
}

TEST(LoadReportJsonTest, HostileNamesAndDuplicatesAreRejected) {
  for (const char* bad : {"no-slash", "a/b/c", "/x", "x/", "ns/\nname", ""}) {
    json load = ValidLoad();
    load["subscriptions"][0]["subscription"] = bad;
    EXPECT_FALSE(DecodeLoadReport(load, kWho).ok()) << bad;
  }
  json load = ValidLoad();
  load["subscriptions"][1]["subscription"] = "default/billing-orders";
  EXPECT_FALSE(DecodeLoadReport(load, kWho).ok());
  load = ValidLoad();
  load["subscriptions"][0]["appId"] = std::string("bill\0ing", 8);
  EXPECT_FALSE(DecodeLoadReport(load, kWho).ok());
}

TEST(LoadReportJsonTest, UnknownFieldsAreIgnoredForNewerSidecars) {
  json load = ValidLoad();
  load["future"] = {{"x", 1}};
  load["subscriptions"][0]["priority"] = "high";
  load["consumer"]["queueDepth"] = 9;
  EXPECT_TRUE(DecodeLoadReport(load, kWho).ok());
}

TEST(LoadReportJsonTest, BadReporterIdentityIsRejected) {
  EXPECT_FALSE(DecodeLoadReport(ValidLoad(), ReporterIdentity{"", "default", "orders"}).ok());
  EXPECT_FALSE(DecodeLoadReport(ValidLoad(), ReporterIdentity{"id", "default", ""}).ok());
}

}  // namespace
}  // namespace zroute::scaling
