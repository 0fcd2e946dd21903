// RequestFramer: where a request ends (Content-Length, chunked, none), fed whole or a byte at a
// time; header limits; framing that could smuggle a request is refused.
#include "common/http/request_framer.h"

#include <string>

#include <gtest/gtest.h>

namespace zroute {
namespace {

using State = RequestFrame::State;

FramerLimits Limits(size_t header_bytes = 4096, size_t header_lines = 20, size_t body = 1 << 20) {
  return FramerLimits{.max_header_bytes = header_bytes, .max_header_lines = header_lines, .max_body_bytes = body};
}

// Scans `bytes` one byte more at a time, as a connection trickling them would; returns the frame
// after the last byte and checks that no earlier prefix was already complete or refused.
RequestFrame FeedByteByByte(const std::string& bytes, const FramerLimits& limits, size_t* decided_at = nullptr) {
  RequestFramer framer(limits);
  for (size_t n = 1; n <= bytes.size(); ++n) {
    RequestFrame f = framer.Scan(std::string_view(bytes).substr(0, n));
    if (f.state != State::kNeedMore) {
      if (decided_at) *decided_at = n;
      return f;
    }
  }
  if (decided_at) *decided_at = bytes.size();
  return framer.Scan(bytes);
}

TEST(RequestFramerTest, RequestWithoutBodyEndsAtTheBlankLine) {
  const std::string get = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
  RequestFramer framer(Limits());
  RequestFrame f = framer.Scan(get + "GET /next");
  EXPECT_EQ(f.state, State::kComplete);
  EXPECT_EQ(f.length, get.size());
  size_t at = 0;
  EXPECT_EQ(FeedByteByByte(get, Limits(), &at).length, get.size());
  EXPECT_EQ(at, get.size());
}

TEST(RequestFramerTest, ContentLengthBodyIsPartOfTheRequest) {
  const std::string req = "POST /p HTTP/1.1\r\nhost: a\r\ncontent-LENGTH:  11 \r\n\r\nhello world";
  RequestFramer framer(Limits());
  EXPECT_EQ(framer.Scan(req.substr(0, req.size() - 1)).state, State::kNeedMore);
  RequestFrame f = framer.Scan(req + "POST /second");
  ASSERT_EQ(f.state, State::kComplete);
  EXPECT_EQ(f.length, req.size());
  size_t at = 0;
  EXPECT_EQ(FeedByteByByte(req, Limits(), &at).state, State::kComplete);
  EXPECT_EQ(at, req.size());
}

TEST(RequestFramerTest, ChunkedBodyEndsAfterTheLastChunkAndTrailers) {
  const std::string req =
      "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n";
  for (const std::string& bytes : {req, req + "GET / HTTP/1.1\r\n"}) {
    RequestFramer framer(Limits());
    RequestFrame f = framer.Scan(bytes);
    ASSERT_EQ(f.state, State::kComplete) << f.reason;
    EXPECT_EQ(f.length, req.size());
  }
  size_t at = 0;
  RequestFrame f = FeedByteByByte(req, Limits(), &at);
  ASSERT_EQ(f.state, State::kComplete) << f.reason;
  EXPECT_EQ(at, req.size());
}

TEST(RequestFramerTest, ResetFramesTheNextRequest) {
  const std::string a = "GET /a HTTP/1.1\r\n\r\n";
  const std::string b = "POST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nok";
  const std::string both = a + b;
  RequestFramer framer(Limits());
  RequestFrame f = framer.Scan(both);
  ASSERT_EQ(f.length, a.size());
  EXPECT_EQ(framer.Scan(both).length, a.size()) << "a decided frame stays decided";
  framer.Reset();
  f = framer.Scan(std::string_view(both).substr(a.size()));
  ASSERT_EQ(f.state, State::kComplete);
  EXPECT_EQ(f.length, b.size());
}

TEST(RequestFramerTest, ExpectContinueIsReportedOnlyOnceTheHeadersAreWhole) {
  const std::string head = "POST /p HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n";
  RequestFramer framer(Limits());
  EXPECT_FALSE(framer.Scan(head).expects_continue);
  RequestFrame f = framer.Scan(head + "\r\n");
  EXPECT_EQ(f.state, State::kNeedMore);
  EXPECT_TRUE(f.expects_continue);
  EXPECT_EQ(framer.Scan(head + "\r\nabc").state, State::kComplete);
  // httplib answers 100 only to this exact value, the first Expect header.
  RequestFramer other(Limits());
  EXPECT_FALSE(other.Scan("POST /p HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-Continue\r\n\r\n").expects_continue);
}

TEST(RequestFramerTest, HeaderBlockOverTheLimitsIsRefusedWith431) {
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 30; ++i) many += "X: y\r\n";
  RequestFrame f = RequestFramer(Limits(4096, 20)).Scan(many);
  EXPECT_EQ(f.state, State::kRefused);
  EXPECT_EQ(f.status, 431);
  // Refused as soon as the limit is passed, without waiting for the rest.
  size_t at = 0;
  EXPECT_EQ(FeedByteByByte("GET / HTTP/1.1\r\nX: " + std::string(10000, 'a'), Limits(100, 20), &at).status, 431);
  EXPECT_EQ(at, 101u);
  // At the limit exactly: served.
  const std::string exact = "GET / HTTP/1.1\r\nX: " + std::string(100 - 23, 'a') + "\r\n\r\n";
  ASSERT_EQ(exact.size(), 100u);
  EXPECT_EQ(RequestFramer(Limits(100, 20)).Scan(exact).state, State::kComplete);
}

TEST(RequestFramerTest, AmbiguousFramingIsRefused) {
  struct Case {
    const char* headers;
    int status;
  } cases[] = {
      {"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", 400},
      {"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", 400},
      {"Content-Length: 3\r\nContent-Length: 4\r\n", 400},
      {"Content-Length: -3\r\n", 400},
      {"Content-Length: +3\r\n", 400},
      {"Content-Length: 3, 3\r\n", 400},
      {"Content-Length: 0x10\r\n", 400},
      {"Content-Length: 99999999999999999999999\r\n", 400},
      {"Content-Length:\r\n", 400},
      {"Transfer-Encoding: gzip, chunked\r\n", 501},
      {"Transfer-Encoding: gzip\r\n", 501},
      {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 501},
  };
  for (const Case& c : cases) {
    RequestFrame f = RequestFramer(Limits()).Scan(std::string("POST / HTTP/1.1\r\n") + c.headers + "\r\nabc");
    EXPECT_EQ(f.state, State::kRefused) << c.headers;
    EXPECT_EQ(f.status, c.status) << c.headers;
  }
  // The same length twice is one length.
  EXPECT_EQ(RequestFramer(Limits()).Scan("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc").state,
            State::kComplete);
}

TEST(RequestFramerTest, MalformedChunksAreRefused) {
  const char* bodies[] = {
      "zz\r\nhello\r\n0\r\n\r\n",       // not hex
      "\r\nhello\r\n0\r\n\r\n",         // empty size
      "5\nhello\r\n0\r\n\r\n",          // LF alone
      "5\r\nhelloXX0\r\n\r\n",          // data not followed by CRLF
      "1000000000000000\r\n",           // 16 hex digits
  };
  for (const char* body : bodies) {
    RequestFrame f =
        RequestFramer(Limits()).Scan(std::string("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") + body);
    EXPECT_EQ(f.state, State::kRefused) << body;
    EXPECT_EQ(f.status, 400) << body;
  }
  // A size line that never ends is cut off.
  RequestFrame f = RequestFramer(Limits()).Scan("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;" +
                                                std::string(2000, 'e'));
  EXPECT_EQ(f.status, 400);
}

TEST(RequestFramerTest, BodiesOverTheLimit) {
  // Content-Length over the limit: framed as the header block alone; httplib answers 413.
  const std::string head = "POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n";
  RequestFrame f = RequestFramer(Limits(4096, 20, 4096)).Scan(head + "abc");
  ASSERT_EQ(f.state, State::kComplete);
  EXPECT_TRUE(f.body_over_limit);
  EXPECT_EQ(f.length, head.size());
  EXPECT_EQ(f.declared_body_bytes, 5000u);
  // At the limit: an ordinary request.
  f = RequestFramer(Limits(4096, 20, 3)).Scan("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(f.state, State::kComplete);
  EXPECT_FALSE(f.body_over_limit);
  // Chunks adding up past the limit: 413 as soon as a chunk's size says so.
  f = RequestFramer(Limits(4096, 20, 8)).Scan("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n4\r\n");
  EXPECT_EQ(f.state, State::kRefused);
  EXPECT_EQ(f.status, 413);
}

TEST(RequestFramerTest, EndlessTrailersAreCutOff) {
  std::string req = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
  for (int i = 0; i < 100; ++i) req += "T: v\r\n";
  RequestFrame f = RequestFramer(Limits(4096, 20)).Scan(req);
  EXPECT_EQ(f.state, State::kRefused);
  EXPECT_EQ(f.status, 431);
}

// Every prefix of a valid request needs more; the whole one is complete at the same length
// however it was cut.
TEST(RequestFramerTest, AnySplitGivesTheSameFrame) {
  const std::string req =
      "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";
  for (size_t cut = 0; cut <= req.size(); ++cut) {
    RequestFramer framer(Limits());
    RequestFrame first = framer.Scan(std::string_view(req).substr(0, cut));
    if (cut < req.size()) {
      ASSERT_EQ(first.state, State::kNeedMore) << cut;
    }
    RequestFrame f = framer.Scan(req);
    ASSERT_EQ(f.state, State::kComplete) << cut;
    EXPECT_EQ(f.length, req.size()) << cut;
  }
}

}  // namespace
}  // namespace zroute
