// ReadTopicEvents: the bounded read behind GET /v1/admin/topics/{ns}/{name}/events.
#include "sidecar/api/topic_events.h"

#include <gtest/gtest.h>

#include "common/cloudevents/binary_format.h"
#include "sidecar/outbox/memory_outbox.h"

namespace zroute {
namespace {

constexpr char kTopic[] = "default/orders.dlq";

class TopicEventsTest : public ::testing::Test {
 protected:
  void AppendEvents(int n) {
    std::vector<OutboxRecord> records;
    for (int i = 0; i < n; ++i) {
      CloudEvent e;
      e.id = "e" + std::to_string(appended_++);
      e.source = "/test";
      e.type = "test.event";
      e.datacontenttype = "application/json";
      e.data = "{\"n\":" + std::to_string(i) + "}";
      records.push_back({std::chrono::system_clock::time_point{}, "k" + std::to_string(i % 3), EncodeEventBinary(e)});
    }
    ASSERT_TRUE(outbox_.Append(kTopic, std::move(records)).ok());
  }

  MemoryOutbox outbox_;
  int appended_ = 0;
};

TEST_F(TopicEventsTest, DefaultsToTheLastTwentyEventsAndSaysWhereToContinue) {
  AppendEvents(50);
  auto out = ReadTopicEvents(outbox_, kTopic, {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)["begin"], 0);
  EXPECT_EQ((*out)["end"], 50);
  EXPECT_EQ((*out)["next"], 50);
  ASSERT_EQ((*out)["events"].size(), 20u);
  EXPECT_EQ((*out)["events"][0]["offset"], 30);
  EXPECT_EQ((*out)["events"][0]["event"]["id"], "e30");
  EXPECT_EQ((*out)["events"][0]["event"]["data"]["n"], 30);
  EXPECT_EQ((*out)["events"][19]["key"], "k1");  // offset 49: 49 % 3
}

TEST_F(TopicEventsTest, FromAndLimitPageThroughTheLog) {
  AppendEvents(10);
  auto page = ReadTopicEvents(outbox_, kTopic, {{"from", "2"}, {"limit", "3"}});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ((*page)["events"].size(), 3u);
  EXPECT_EQ((*page)["events"][0]["event"]["id"], "e2");
  EXPECT_EQ((*page)["next"], 5);
  // Following: nothing new yet, then what was appended since.
  auto idle = ReadTopicEvents(outbox_, kTopic, {{"from", "10"}});
  ASSERT_TRUE(idle.ok());
  EXPECT_TRUE((*idle)["events"].empty());
  EXPECT_EQ((*idle)["next"], 10);
  AppendEvents(2);
  auto more = ReadTopicEvents(outbox_, kTopic, {{"from", "10"}});
  ASSERT_TRUE(more.ok());
  ASSERT_EQ((*more)["events"].size(), 2u);
  EXPECT_EQ((*more)["events"][1]["event"]["id"], "e11");
  EXPECT_EQ((*more)["next"], 12);
}

TEST_F(TopicEventsTest, ATopicWithoutALogIsEmpty) {
  auto out = ReadTopicEvents(outbox_, "default/never", {});
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE((*out)["events"].empty());
  EXPECT_EQ((*out)["next"], 0);
}

TEST_F(TopicEventsTest, MalformedOversizeAndUnknownParametersAreRefused) {
  AppendEvents(3);
  for (const auto& params : std::vector<std::map<std::string, std::string>>{
           {{"limit", "0"}},
           {{"limit", "1001"}},
           {{"limit", "-1"}},
           {{"limit", "ten"}},
           {{"limit", ""}},
           {{"limit", "99999999999999999999999"}},
           {{"from", "-5"}},
           {{"from", "1e3"}},
           {{"from", "12345678901234567890"}},
           {{"offset", "1"}}}) {
    auto out = ReadTopicEvents(outbox_, kTopic, params);
    ASSERT_FALSE(out.ok()) << params.begin()->first << "=" << params.begin()->second;
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST_F(TopicEventsTest, AnUndecodableRecordIsReportedNotFatal) {
  ASSERT_TRUE(outbox_.Append(kTopic, {{std::chrono::system_clock::time_point{}, "", "\xff garbage"}}).ok());
  AppendEvents(1);
  auto out = ReadTopicEvents(outbox_, kTopic, {});
  ASSERT_TRUE(out.ok());
  ASSERT_EQ((*out)["events"].size(), 2u);
  EXPECT_TRUE((*out)["events"][0].contains("error"));
  EXPECT_FALSE((*out)["events"][0].contains("event"));
  EXPECT_EQ((*out)["events"][1]["event"]["id"], "e0");
}

}  // namespace
}  // namespace zroute
