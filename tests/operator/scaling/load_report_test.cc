#include "operator/scaling/load_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace zroute::scaling {
namespace {

LoadReport ValidReport() {
  LoadReport r;
  r.sidecar_id = "pod-uid-1";
  r.namespace_ = "default";
  r.app_id = "orders";
  r.backlog = {{"default/billing-orders", "billing", 12}, {"default/audit-orders", "audit", 0}};
  r.consumer = ConsumerLoad{3, 10.5, 9.5, 0.02, 0.4};
  return r;
}

TEST(LoadReportTest, WellFormedReportIsValid) {
  EXPECT_TRUE(ValidateLoadReport(ValidReport()).ok());
  LoadReport publisher_only = ValidReport();
  publisher_only.consumer.reset();
  EXPECT_TRUE(ValidateLoadReport(publisher_only).ok());
  LoadReport consumer_only = ValidReport();
  consumer_only.backlog.clear();
  EXPECT_TRUE(ValidateLoadReport(consumer_only).ok());
}

TEST(LoadReportTest, EmptyOrOversizeOrUnprintableIdsAreRejected) {
  LoadReport r = ValidReport();
  r.sidecar_id.clear();
  EXPECT_EQ(ValidateLoadReport(r).code(), StatusCode::kInvalidArgument);

  r = ValidReport();
  r.app_id = std::string(kMaxReportIdBytes + 1, 'a');
  EXPECT_EQ(ValidateLoadReport(r).code(), StatusCode::kInvalidArgument);
  r.app_id = std::string(kMaxReportIdBytes, 'a');
  EXPECT_TRUE(ValidateLoadReport(r).ok());

  r = ValidReport();
  r.namespace_ = "de\nfault";
  EXPECT_EQ(ValidateLoadReport(r).code(), StatusCode::kInvalidArgument);

  r = ValidReport();
  r.app_id = std::string("bill\0ing", 8);
  EXPECT_EQ(ValidateLoadReport(r).code(), StatusCode::kInvalidArgument);

  r = ValidReport();
  r.backlog[0].consumer_app_id = "";
  EXPECT_EQ(ValidateLoadReport(r).code(), StatusCode::kInvalidArgument);
}

TEST(LoadReportTest, SubscriptionKeyMustBeNamespaceSlashName) {
  for (const char* bad : {"nonamespace", "/name", "ns/", "a/b/c", "", "ns /name"}) {
    LoadReport r = ValidReport();
    r.backlog[0].subscription = bad;
    EXPECT_EQ(ValidateLoadReport(r).code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(LoadReportTest, NegativeOrHugeCountsAreRejected) {
  LoadReport r = ValidReport();
  r.backlog[0].lag = -1;
  EXPECT_EQ(ValidateLoadReport(r).code(), StatusCode::kInvalidArgument);
  r.backlog[0].lag = kMaxReportedCount + 1;
  EXPECT_EQ(ValidateLoadReport(r).code(), StatusCode::kInvalidArgument);
  r.backlog[0].lag = kMaxReportedCount;
  EXPECT_TRUE(ValidateLoadReport(r).ok());

  r = ValidReport();
  r.consumer->in_flight = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(ValidateLoadReport(r).code(), StatusCode::kInvalidArgument);
}

TEST(LoadReportTest, NonFiniteOrNegativeRatesAndLatenciesAreRejected) {
  const double bad_values[] = {std::nan(""), std::numeric_limits<double>::infinity(), -0.5,
                               kMaxReportedRate * 10};
  for (double bad : bad_values) {
    LoadReport r = ValidReport();
    r.consumer->arrival_rate = bad;
    EXPECT_FALSE(ValidateLoadReport(r).ok()) << bad;
    r = ValidReport();
    r.consumer->completion_rate = bad;
    EXPECT_FALSE(ValidateLoadReport(r).ok()) << bad;
    r = ValidReport();
    r.consumer->latency_p99_seconds = bad;
    EXPECT_FALSE(ValidateLoadReport(r).ok()) << bad;
    r = ValidReport();
    r.consumer->latency_p50_seconds = bad;
    EXPECT_FALSE(ValidateLoadReport(r).ok()) << bad;
  }
}

TEST(LoadReportTest, TooManyBacklogEntriesIsTooLarge) {
  LoadReport r = ValidReport();
  r.backlog.clear();
  for (size_t i = 0; i <= kMaxBacklogEntriesPerReport; ++i) {
    r.backlog.push_back({"default/s" + std::to_string(i), "billing", 1});
  }
  EXPECT_EQ(ValidateLoadReport(r).code(), StatusCode::kTooLarge);
  r.backlog.pop_back();
  EXPECT_TRUE(ValidateLoadReport(r).ok());
}

TEST(LoadReportTest, SubscriptionListedTwiceIsRejected) {
  LoadReport r = ValidReport();
  r.backlog.push_back(r.backlog[0]);
  Status s = ValidateLoadReport(r);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("twice"), std::string::npos);
}

}  // namespace
}  // namespace zroute::scaling
