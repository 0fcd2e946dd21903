#include "common/cloudevents/attribute_rules.h"

#include <gtest/gtest.h>

namespace zroute {
namespace {

TEST(Rfc3339Test, AcceptsValidTimestamps) {
  for (const char* ts : {"2026-11-27T18:41:43Z", "2026-11-27t18:41:43z", "2026-11-27T18:41:43.1Z",
                         "2026-11-27T18:41:43.123456789Z", "2026-11-27T18:41:43+05:30", "2026-11-27T18:41:43-00:00",
                         "2024-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "2016-12-31T23:59:60Z"}) {
    EXPECT_TRUE(IsRfc3339Timestamp(ts)) << ts;
  }
}

TEST(Rfc3339Test, RejectsMalformedTimestamps) {
  for (const char* ts : {"", "2026-11-27", "2026-11-27T18:41:43", "2026-11-27 18:41:43Z", "2026-13-01T00:00:00Z",
                         "2026-00-01T00:00:00Z", "2026-04-31T00:00:00Z", "2023-02-29T00:00:00Z",
                         "1900-02-29T00:00:00Z", "2026-11-27T24:00:00Z", "2026-11-27T18:60:00Z",
                         "2026-11-27T18:41:61Z", "2026-11-27T18:41:43.Z", "2026-11-27T18:41:43+0530",
                         "2026-11-27T18:41:43+24:00", "2026-11-27T18:41:43Zjunk", "26-11-27T18:41:43Z",
                         "2026-1-27T18:41:43Z", "２026-11-27T18:41:43Z"}) {
    EXPECT_FALSE(IsRfc3339Timestamp(ts)) << ts;
  }
}

TEST(Utf8Test, AcceptsWellFormedAndRejectsMalformed) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("ascii"));
  EXPECT_TRUE(IsValidUtf8("Euro \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xC0\xA0"));          // overlong space
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(MediaTypeTest, IgnoresParametersAndCase) {
  EXPECT_EQ(MediaTypeOf("Application/JSON; charset=utf-8"), "application/json");
  EXPECT_EQ(MediaTypeOf("  text/plain ;x=y"), "text/plain");
  EXPECT_TRUE(IsJsonMediaType("application/json"));
  EXPECT_TRUE(IsJsonMediaType("APPLICATION/JSON; charset=UTF-8"));
  EXPECT_TRUE(IsJsonMediaType("application/vnd.orders+json"));
  EXPECT_TRUE(IsJsonMediaType("text/json"));
  EXPECT_TRUE(IsJsonMediaType(""));
  EXPECT_FALSE(IsJsonMediaType("application/jsonx"));
  EXPECT_FALSE(IsJsonMediaType("text/plain"));
  EXPECT_TRUE(IsTextMediaType("text/plain; charset=utf-8"));
  EXPECT_TRUE(IsTextMediaType("application/xml"));
  EXPECT_TRUE(IsTextMediaType("application/atom+xml"));
  EXPECT_FALSE(IsTextMediaType("application/octet-stream"));
  EXPECT_FALSE(IsTextMediaType(""));
}

}  // namespace
}  // namespace zroute
