#include "operator/kube/watch_decoder.h"

#include <gtest/gtest.h>

namespace zroute::kube {
namespace {

class WatchDecoderTest : public ::testing::Test {
 protected:
  WatchDecoder::Result Feed(WatchDecoder& d, std::string_view data) {
    return d.Feed(data, [this](const WatchEvent& e) {
      events_.push_back(e);
      return keep_going_;
    });
  }
  std::vector<WatchEvent> events_;
  bool keep_going_ = true;
};

TEST_F(WatchDecoderTest, ByteAtATimeYieldsWholeEvents) {
  WatchDecoder d;
  std::string body = R"({"type":"ADDED","object":{"metadata":{"name":"a"}}})" "\n"
                     R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}})" "\n";
  for (char c : body) ASSERT_EQ(Feed(d, std::string_view(&c, 1)), WatchDecoder::Result::kContinue);
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0].type, WatchEventType::kAdded);
  EXPECT_EQ(events_[1].object["metadata"]["resourceVersion"], "9");
  EXPECT_TRUE(d.Finish().ok());
}

TEST_F(WatchDecoderTest, ExpiredErrorEventIsRecognised) {
  WatchDecoder d;
  EXPECT_EQ(Feed(d, R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}})" "\n"),
            WatchDecoder::Result::kExpired);
}

TEST_F(WatchDecoderTest, OtherErrorEventCarriesTheStatus) {
  WatchDecoder d;
  EXPECT_EQ(Feed(d, R"({"type":"ERROR","object":{"code":403,"reason":"Forbidden","message":"no"}})" "\n"),
            WatchDecoder::Result::kError);
  EXPECT_EQ(d.error().code(), StatusCode::kPermissionDenied);
}

TEST_F(WatchDecoderTest, HandlerCanStopTheStream) {
  WatchDecoder d;
  keep_going_ = false;
  EXPECT_EQ(Feed(d, R"({"type":"ADDED","object":{}})" "\n" R"({"type":"ADDED","object":{}})" "\n"),
            WatchDecoder::Result::kCancelled);
  EXPECT_EQ(events_.size(), 1u);
}

TEST_F(WatchDecoderTest, HostileLinesAreErrors) {
  for (const char* line : {"{", "null", "[]", R"({"type":1,"object":{}})", R"({"type":"ADDED","object":7})",
                           R"({"type":"ADDED"})", R"({"type":"NOPE","object":{}})",
                           R"({"type":"ERROR","object":"x"})"}) {
    WatchDecoder d;
    EXPECT_EQ(Feed(d, std::string(line) + "\n"), WatchDecoder::Result::kError) << line;
    EXPECT_FALSE(d.error().ok()) << line;
  }
}

TEST_F(WatchDecoderTest, OversizeLineIsRefusedWithoutNewline) {
  WatchDecoder d(100);
  EXPECT_EQ(Feed(d, std::string(60, ' ') + "{"), WatchDecoder::Result::kContinue);
  EXPECT_EQ(Feed(d, std::string(60, 'x')), WatchDecoder::Result::kError);
  EXPECT_EQ(d.error().code(), StatusCode::kTooLarge);
}

TEST_F(WatchDecoderTest, UnfinishedEventAtEndIsReported) {
  WatchDecoder d;
  EXPECT_EQ(Feed(d, "\r\n\n  \n{\"type\":"), WatchDecoder::Result::kContinue);
  EXPECT_EQ(d.Finish().code(), StatusCode::kUnavailable);
  WatchDecoder blank;
  EXPECT_EQ(Feed(blank, "\n\n \r\n"), WatchDecoder::Result::kContinue);
  EXPECT_TRUE(blank.Finish().ok());
}

}  // namespace
}  // namespace zroute::kube
