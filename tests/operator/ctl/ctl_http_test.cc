#include "operator/ctl/ctl_http.h"

#include <gtest/gtest.h>

namespace zroute::ctl {
namespace {

TEST(CtlHttp, ParsesServerUrls) {
  auto u = ParseHttpUrl("http://127.0.0.1:8080", "--operator");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  u = ParseHttpUrl("http://zroute-operator.zroute-system/", "--operator");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "zroute-operator.zroute-system");
  EXPECT_EQ(u->port, 80);
}

TEST(CtlHttp, RefusesWhatIsNotAPlainServerUrl) {
  for (const char* bad : {"", "127.0.0.1:8080", "https://x:1", "http://", "http://:80", "http://x:", "http://x:0",
                          "http://x:65536", "http://x:8o", "http://x:1/v1/topics", "http://u@x:1", "http://x:1?q",
                          "http://x y:1", "http://x:123456789012"}) {
    auto u = ParseHttpUrl(bad, "--sidecar");
    ASSERT_FALSE(u.ok()) << bad;
    EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(u.status().message().find("--sidecar"), std::string::npos);
  }
}

TEST(CtlHttp, UrlEncodeKeepsUnreservedCharactersOnly) {
  EXPECT_EQ(UrlEncode("2026-11-27T18:00:00Z"), "2026-11-27T18%3A00%3A00Z");
  EXPECT_EQ(UrlEncode("a b/c?d&e"), "a%20b%2Fc%3Fd%26e");
  EXPECT_EQ(UrlEncode("ok-_.~"), "ok-_.~");
}

TEST(CtlHttp, AnUnreachableServerIsUnavailableAndNamed) {
  auto client = Connect("operator", "http://127.0.0.1:1", 2);
  ASSERT_TRUE(client.ok());
  auto r = (*client)->Get("/v1/routing-table");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("cannot reach the operator at http://127.0.0.1:1"), std::string::npos);
}

}  // namespace
}  // namespace zroute::ctl
