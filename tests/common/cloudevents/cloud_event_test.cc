#include "common/cloudevents/cloud_event.h"

#include <gtest/gtest.h>

namespace zroute {
namespace {

CloudEvent ValidEvent() {
  CloudEvent event;
  event.id = "1";
  event.source = "/orders";
  event.type = "order.created";
  return event;
}

TEST(CloudEventTest, AttributeReadsCoreAndExtensions) {
  CloudEvent event = ValidEvent();
  event.extensions["partitionkey"] = "k1";
  EXPECT_EQ(event.Attribute("id"), "1");
  EXPECT_EQ(event.Attribute("specversion"), "1.0");
  EXPECT_EQ(event.Attribute("partitionkey"), "k1");
  EXPECT_EQ(event.Attribute("subject"), std::nullopt);  // empty core attribute is absent
  EXPECT_EQ(event.Attribute("missing"), std::nullopt);
}

TEST(CloudEventTest, SetAttributeWritesCoreFieldsAndExtensions) {
  CloudEvent event;
  event.SetAttribute("subject", "s");
  event.SetAttribute("time", "2026-01-01T00:00:00Z");
  event.SetAttribute("traceparent", "00-abc");
  EXPECT_EQ(event.subject, "s");
  EXPECT_EQ(event.time, "2026-01-01T00:00:00Z");
  EXPECT_EQ(event.extensions.at("traceparent"), "00-abc");
  EXPECT_TRUE(event.extensions.find("subject") == event.extensions.end());
  event.SetAttribute("traceparent", "00-def");
  EXPECT_EQ(event.extensions.at("traceparent"), "00-def");
}

TEST(CloudEventTest, ByteSizeCountsAttributesExtensionsAndData) {
  CloudEvent event = ValidEvent();
  size_t base = event.ByteSize();
  EXPECT_EQ(base, 1u + 7u + 3u + 13u);
  event.data = std::string(100, 'x');
  event.extensions["abc"] = "12345";
  EXPECT_EQ(event.ByteSize(), base + 100 + 3 + 5);
}

TEST(CloudEventTest, CoreAttributeNames) {
  for (const char* name : {"id", "source", "specversion", "type", "datacontenttype", "dataschema", "subject",
                           "time", "data"}) {
    EXPECT_TRUE(IsCoreAttributeName(name)) << name;
  }
  EXPECT_FALSE(IsCoreAttributeName("partitionkey"));
  EXPECT_FALSE(IsCoreAttributeName("ID"));
}

TEST(ValidateCloudEventTest, AcceptsMinimalEvent) { EXPECT_TRUE(ValidateCloudEvent(ValidEvent()).ok()); }

TEST(ValidateCloudEventTest, EachMissingRequiredAttributeIsNamed) {
  for (std::string CloudEvent::*member : {&CloudEvent::id, &CloudEvent::source, &CloudEvent::specversion,
                                          &CloudEvent::type}) {
    CloudEvent event = ValidEvent();
    (event.*member).clear();
    Status status = ValidateCloudEvent(event);
    ASSERT_EQ(status.code(), StatusCode::kInvalidArgument);
    const std::string name = member == &CloudEvent::id            ? "'id'"
                             : member == &CloudEvent::source      ? "'source'"
                             : member == &CloudEvent::specversion ? "'specversion'"
                                                                  : "'type'";
    EXPECT_NE(status.message().find("missing required attribute " + name), std::string::npos) << status;
  }
}

TEST(ValidateCloudEventTest, RejectsOtherSpecVersions) {
  for (const char* version : {"0.3", "1.0.2", "2.0", "1"}) {
    CloudEvent event = ValidEvent();
    event.specversion = version;
    Status status = ValidateCloudEvent(event);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << version;
    EXPECT_NE(status.message().find("'specversion'"), std::string::npos) << status;
  }
}

TEST(ValidateCloudEventTest, TimeMustBeRfc3339) {
  CloudEvent event = ValidEvent();
  event.time = "2026-11-27T18:41:43.123+01:00";
  EXPECT_TRUE(ValidateCloudEvent(event).ok());
  event.time = "27/11/2026";
  Status status = ValidateCloudEvent(event);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("'time'"), std::string::npos) << status;
}

TEST(ValidateCloudEventTest, ExtensionNameRules) {
  struct Case {
    std::string name;
    bool ok;
    std::string reason;
  };
  const Case cases[] = {
      {"partitionkey", true, ""},
      {"a1", true, ""},
      {std::string(kMaxExtensionNameLength, 'a'), true, ""},
      {"PartitionKey", false, "lower-case"},
      {std::string(kMaxExtensionNameLength + 1, 'a'), false, "longer than"},
      {"part-key", false, "lower-case"},
      {"part_key", false, "lower-case"},
      {"ключ", false, "lower-case"},
      {"", false, "empty name"},
      {"id", false, "collides"},
      {"data", false, "collides"},
      {"time", false, "collides"},
  };
  for (const Case& c : cases) {
    CloudEvent event = ValidEvent();
    event.extensions[c.name] = "v";
    Status status = ValidateCloudEvent(event);
    EXPECT_EQ(status.ok(), c.ok) << c.name << ": " << status;
    if (!c.ok) {
      EXPECT_NE(status.message().find(c.reason), std::string::npos) << c.name << ": " << status;
    }
  }
}

TEST(ValidateCloudEventTest, DataContentTypeMustBePrintableAscii) {
  for (const char* bad : {"text/plain\r\nX-Injected: 1", "text/plain\x7f", "text/\xba", "text/\xC3\xA9"}) {
    CloudEvent event = ValidEvent();
    event.datacontenttype = bad;
    Status status = ValidateCloudEvent(event);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(status.message().find("'datacontenttype'"), std::string::npos);
  }
  CloudEvent event = ValidEvent();
  event.datacontenttype = "text/plain;\tcharset=utf-8";
  EXPECT_TRUE(ValidateCloudEvent(event).ok());
}

}  // namespace
}  // namespace zroute
