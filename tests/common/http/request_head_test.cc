// ParseRequestHead: plain requests are parsed into views; everything else is declined (and left
// to httplib, which answers or refuses it).
#include "common/http/request_head.h"

#include <gtest/gtest.h>

#include <string>

namespace zroute {
namespace {

TEST(RequestHeadTest, ParsesAPlainRequest) {
  const std::string request =
      "POST /v1/publish/orders HTTP/1.1\r\nHost: x\r\nce-id:  e1 \r\nContent-Type:\tapplication/json\r\n"
      "Content-Length: 5\r\nX-Empty:\r\n\r\nhello";
  RequestHead head;
  ASSERT_TRUE(ParseRequestHead(request, &head));
  EXPECT_EQ(head.method, "POST");
  EXPECT_EQ(head.target, "/v1/publish/orders");
  EXPECT_EQ(head.version, "HTTP/1.1");
  ASSERT_EQ(head.headers.size(), 5u);
  EXPECT_EQ(head.headers[1].first, "ce-id");
  EXPECT_EQ(head.headers[1].second, "e1") << "surrounding spaces trimmed";
  EXPECT_EQ(head.Find("content-type"), "application/json");
  EXPECT_EQ(head.Find("CE-ID"), "e1");
  EXPECT_EQ(head.Find("x-empty"), "");
  EXPECT_FALSE(head.Find("ce-source").has_value());
  EXPECT_EQ(head.body, "hello");
}

TEST(RequestHeadTest, NoBodyAndHttp10AreParsed) {
  RequestHead head;
  ASSERT_TRUE(ParseRequestHead("GET /healthz HTTP/1.0\r\n\r\n", &head));
  EXPECT_EQ(head.version, "HTTP/1.0");
  EXPECT_TRUE(head.headers.empty());
  EXPECT_EQ(head.body, "");
}

TEST(RequestHeadTest, RepeatedFieldsKeepTheirOrderAndFindTheFirst) {
  RequestHead head;
  ASSERT_TRUE(ParseRequestHead("GET / HTTP/1.1\r\nA: 1\r\na: 2\r\n\r\n", &head));
  ASSERT_EQ(head.headers.size(), 2u);
  EXPECT_EQ(head.headers[1].second, "2");
  EXPECT_EQ(head.Find("A"), "1");
}

TEST(RequestHeadTest, DeclinesWhatIsNotPlain) {
  const char* const declined[] = {
      "",                                                           // nothing
      "GET / HTTP/1.1\r\n",                                         // no end of the header block
      "GET / HTTP/1.1\n\n",                                         // bare LF
      "GET / HTTP/1.1\r\nA: 1\n\r\n",                               // a bare LF inside
      "GET  / HTTP/1.1\r\n\r\n",                                    // two spaces
      "GET /\r\n\r\n",                                              // no version
      "GET / HTTP/2.0\r\n\r\n",                                     // another version
      "GET / http/1.1\r\n\r\n",                                     // versions are case-sensitive
      "GET / HTTP/1.1 \r\n\r\n",                                    // trailing space
      " GET / HTTP/1.1\r\n\r\n",                                    // empty method
      "G(T / HTTP/1.1\r\n\r\n",                                     // not a token
      "GET /a\x01 HTTP/1.1\r\n\r\n",                                // control byte in the target
      "GET / HTTP/1.1\r\nNo colon\r\n\r\n",                         // no colon
      "GET / HTTP/1.1\r\nName : v\r\n\r\n",                         // space before the colon
      "GET / HTTP/1.1\r\n: v\r\n\r\n",                              // empty name
      "GET / HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n",                  // obs-fold
      "GET / HTTP/1.1\r\nA: x\x7fy\r\n\r\n",                        // DEL in a value
      "GET / HTTP/1.1\r\nA: x\ry\r\n\r\n",                          // bare CR in a value
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",  // chunked
      "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nab",             // body shorter than its length
      "POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nab",             // longer
      "POST / HTTP/1.1\r\n\r\nab",                                  // a body without a length
      "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\na",  // two lengths
      "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",              // not a length
      "POST / HTTP/1.1\r\nContent-Length: 1,1\r\n\r\na",            // a list
  };
  for (const char* request : declined) {
    RequestHead head;
    EXPECT_FALSE(ParseRequestHead(request, &head)) << request;
  }
  RequestHead head;
  const std::string nul("GET / HTTP/1.1\r\nA: x\0y\r\n\r\n", 27);
  EXPECT_FALSE(ParseRequestHead(nul, &head)) << "NUL in a value";
}

TEST(RequestHeadTest, EqualRepeatedLengthsAndObsTextAreAccepted) {
  RequestHead head;
  EXPECT_TRUE(ParseRequestHead("POST / HTTP/1.1\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nab", &head));
  EXPECT_TRUE(ParseRequestHead("GET / HTTP/1.1\r\nX: caf\xc3\xa9\r\n\r\n", &head));
  EXPECT_EQ(head.Find("x"), "caf\xc3\xa9");
}

}  // namespace
}  // namespace zroute
