// ResponseParser: an app's answers to the sidecar's POSTs, framed by Content-Length, chunked or
// the close, fed whole, cut anywhere or a byte at a time; keep-alive; interim 1xx; limits; and
// malformed or hostile responses refused.
#include "common/http/response_parser.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace zroute {
namespace {

using State = ResponseParser::State;

ResponseLimits Limits(size_t header_bytes = 4096, size_t header_lines = 20, size_t body = 1 << 20,
                      size_t kept = 256) {
  return ResponseLimits{
      .max_header_bytes = header_bytes, .max_header_lines = header_lines, .max_body_bytes = body, .kept_body_bytes = kept};
}

// What a parse ended with, for comparing parses of the same bytes.
struct Outcome {
  State state = State::kNeedMore;
  size_t consumed = 0;
  int status = 0;
  std::string body;
  uint64_t body_bytes = 0;
  bool keep_alive = false;
  std::string error;

  bool operator==(const Outcome&) const = default;
};

Outcome OutcomeOf(const ResponseParser& p, size_t consumed) {
  return Outcome{p.state(), consumed, p.status(), p.body(), p.body_bytes(), p.keep_alive(), p.error()};
}

// Feeds `bytes` in pieces starting at `cuts` (sorted), then EOF if `eof`.
Outcome FeedCut(std::string_view bytes, const std::vector<size_t>& cuts, bool eof = false,
                const ResponseLimits& limits = Limits()) {
  ResponseParser p(limits);
  size_t total = 0;
  size_t from = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(bytes.size());
  for (size_t end : ends) {
    size_t used = 0;
    p.Feed(bytes.substr(from, end - from), &used);
    total += used;
    from = end;
  }
  if (eof) p.FinishAtEof();
  return OutcomeOf(p, total);
}

Outcome FeedWhole(std::string_view bytes, bool eof = false, const ResponseLimits& limits = Limits()) {
  return FeedCut(bytes, {}, eof, limits);
}

Outcome FeedBytewise(std::string_view bytes, bool eof = false, const ResponseLimits& limits = Limits()) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < bytes.size(); ++i) cuts.push_back(i);
  return FeedCut(bytes, cuts, eof, limits);
}

TEST(ResponseParserTest, ContentLengthBody) {
  const std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world";
  ResponseParser p(Limits());
  size_t used = 0;
  EXPECT_EQ(p.Feed(std::string_view(resp).substr(0, resp.size() - 1), &used), State::kNeedMore);
  EXPECT_EQ(used, resp.size() - 1);
  EXPECT_TRUE(p.started());
  EXPECT_EQ(p.Feed("d", &used), State::kComplete);
  EXPECT_EQ(used, 1u);
  EXPECT_EQ(p.status(), 200);
  EXPECT_EQ(p.body(), "hello world");
  EXPECT_EQ(p.body_bytes(), 11u);
  EXPECT_TRUE(p.keep_alive());
  EXPECT_EQ(p.header("content-type"), "text/plain");
  // Decided: further bytes are not consumed, the state stays.
  EXPECT_EQ(p.Feed("HTTP/1.1 200 OK\r\n", &used), State::kComplete);
  EXPECT_EQ(used, 0u);
  EXPECT_EQ(p.FinishAtEof(), State::kComplete);
}

TEST(ResponseParserTest, ContentLengthZeroCompletesAtTheBlankLine) {
  const std::string resp = "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n";
  Outcome o = FeedWhole(resp + "junk");
  EXPECT_EQ(o.state, State::kComplete);
  EXPECT_EQ(o.consumed, resp.size());
  EXPECT_EQ(o.status, 202);
  EXPECT_EQ(o.body, "");
  EXPECT_TRUE(o.keep_alive);
}

TEST(ResponseParserTest, ChunkedBodyWithExtensionsAndTrailers) {
  const std::string resp =
      "HTTP/1.1 500 Internal Server Error\r\ntransfer-encoding: Chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n1A ; a=\"b\"\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n";
  ResponseParser p(Limits());
  size_t used = 0;
  ASSERT_EQ(p.Feed(resp + "HTTP/1.1 200 OK\r\n", &used), State::kComplete) << p.error();
  EXPECT_EQ(used, resp.size());
  EXPECT_EQ(p.status(), 500);
  EXPECT_EQ(p.body(), "helloabcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(p.body_bytes(), 31u);
  EXPECT_TRUE(p.keep_alive());
  EXPECT_EQ(p.header("X-Trailer"), std::nullopt) << "trailers are not headers";
  EXPECT_EQ(FeedBytewise(resp), FeedWhole(resp));
}

TEST(ResponseParserTest, BodyDelimitedByTheClose) {
  const std::string resp = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3\r\n\r\nbusy, come back later";
  ResponseParser p(Limits());
  size_t used = 0;
  EXPECT_EQ(p.Feed(resp, &used), State::kNeedMore);
  EXPECT_EQ(used, resp.size());
  EXPECT_EQ(p.Feed(" please", &used), State::kNeedMore);
  EXPECT_EQ(p.FinishAtEof(), State::kComplete);
  EXPECT_EQ(p.status(), 503);
  EXPECT_EQ(p.body(), "busy, come back later please");
  EXPECT_EQ(p.header("retry-after"), "3");
  EXPECT_FALSE(p.keep_alive());
  // An empty close-delimited body.
  Outcome o = FeedWhole("HTTP/1.1 200 OK\r\n\r\n", /*eof=*/true);
  EXPECT_EQ(o.state, State::kComplete);
  EXPECT_EQ(o.body, "");
  EXPECT_FALSE(o.keep_alive);
}

TEST(ResponseParserTest, EofBeforeTheEndIsAnError) {
  struct Case {
    std::string bytes;
    const char* error;
  } cases[] = {
      {"", "connection closed before a response"},
      {"HTTP/1.1 20", "connection closed in the response's header block"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", "connection closed in the response's header block"},
      {"HTTP/1.1 100 Continue\r\n\r\n", "connection closed in the response's header block"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", "connection closed before the response's body ended"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
       "connection closed before the response's body ended"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: v\r\n",
       "connection closed before the response's body ended"},
  };
  for (const Case& c : cases) {
    ResponseParser p(Limits());
    size_t used = 0;
    EXPECT_EQ(p.Feed(c.bytes, &used), State::kNeedMore) << c.bytes;
    EXPECT_EQ(p.started(), !c.bytes.empty()) << c.bytes;
    EXPECT_EQ(p.FinishAtEof(), State::kError) << c.bytes;
    EXPECT_EQ(p.error(), c.error) << c.bytes;
    EXPECT_FALSE(p.keep_alive());
    EXPECT_EQ(p.Feed("x", &used), State::kError);
    EXPECT_EQ(used, 0u);
  }
}

TEST(ResponseParserTest, InterimResponsesAreSkipped) {
  const std::string resp =
      "HTTP/1.1 100 Continue\r\nX-Interim: a\r\n\r\n"
      "HTTP/1.1 102 Processing\r\n\r\n"
      "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  Outcome o = FeedWhole(resp + "more");
  ASSERT_EQ(o.state, State::kComplete) << o.error;
  EXPECT_EQ(o.consumed, resp.size());
  EXPECT_EQ(o.status, 201);
  EXPECT_EQ(o.body, "ok");
  EXPECT_FALSE(o.keep_alive);
  ResponseParser p(Limits());
  p.Feed(resp, nullptr);
  EXPECT_EQ(p.header("x-interim"), std::nullopt);
  EXPECT_EQ(p.header("content-length"), "2");
  EXPECT_EQ(FeedBytewise(resp), FeedWhole(resp));
  // 101 is an upgrade the sidecar never asks for: the connection is no longer HTTP.
  EXPECT_EQ(FeedWhole("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n").state, State::kError);
}

TEST(ResponseParserTest, NoBodyFor204And304WhateverTheHeadersSay) {
  for (const char* status : {"204 No Content", "304 Not Modified"}) {
    const std::string resp = std::string("HTTP/1.1 ") + status + "\r\nContent-Length: 10\r\n\r\n";
    Outcome o = FeedWhole(resp + "HTTP/1.1 200");
    EXPECT_EQ(o.state, State::kComplete) << status;
    EXPECT_EQ(o.consumed, resp.size()) << status;
    EXPECT_EQ(o.body, "") << status;
    EXPECT_TRUE(o.keep_alive) << status;
  }
  Outcome o = FeedWhole("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n");
  EXPECT_EQ(o.state, State::kComplete);
  EXPECT_EQ(o.status, 204);
}

TEST(ResponseParserTest, KeepAlive) {
  struct Case {
    const char* head;
    bool keep_alive;
  } cases[] = {
      {"HTTP/1.1 200 OK\r\n", true},
      {"HTTP/1.1 200 OK\r\nConnection: close\r\n", false},
      {"HTTP/1.1 200 OK\r\nconnection: Keep-Alive, CLOSE\r\n", false},
      {"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nConnection: close\r\n", false},
      {"HTTP/1.1 200 OK\r\nConnection: closed\r\n", true},
      {"HTTP/1.0 200 OK\r\n", false},
      {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n", true},
      {"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n", true},
      {"HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\n", false},
  };
  for (const Case& c : cases) {
    Outcome o = FeedWhole(std::string(c.head) + "Content-Length: 1\r\n\r\nx");
    ASSERT_EQ(o.state, State::kComplete) << c.head;
    EXPECT_EQ(o.keep_alive, c.keep_alive) << c.head;
  }
  // Delimited by the close: never kept alive, whatever the headers say.
  EXPECT_FALSE(FeedWhole("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\nx", /*eof=*/true).keep_alive);
  // Not complete: not kept alive.
  EXPECT_FALSE(FeedWhole("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nx").keep_alive);
}

TEST(ResponseParserTest, BodyIsKeptTruncatedButReadWhole) {
  const std::string body(1000, 'b');
  const std::string length = "HTTP/1.1 400 Bad Request\r\nContent-Length: 1000\r\n\r\n" + body;
  std::string chunked = "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 10; ++i) chunked += "64\r\n" + std::string(100, 'b') + "\r\n";
  chunked += "0\r\n\r\n";
  for (const std::string& resp : {length, chunked}) {
    Outcome o = FeedWhole(resp + "HTTP/1.1", false, Limits(4096, 20, 1 << 20, 10));
    ASSERT_EQ(o.state, State::kComplete) << o.error;
    EXPECT_EQ(o.consumed, resp.size());
    EXPECT_EQ(o.body, std::string(10, 'b'));
    EXPECT_EQ(o.body_bytes, 1000u);
    EXPECT_TRUE(o.keep_alive);
  }
  Outcome o = FeedBytewise("HTTP/1.1 200 OK\r\n\r\n" + body, true, Limits(4096, 20, 1 << 20, 7));
  EXPECT_EQ(o.state, State::kComplete);
  EXPECT_EQ(o.body, "bbbbbbb");
  EXPECT_EQ(o.body_bytes, 1000u);
  EXPECT_EQ(FeedWhole(length, false, Limits(4096, 20, 1 << 20, 0)).body, "");
}

TEST(ResponseParserTest, PipelinedResponsesParseOneAtATime) {
  const std::string a = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none";
  const std::string b = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n";
  const std::string both = a + b;
  ResponseParser p(Limits());
  size_t used = 0;
  ASSERT_EQ(p.Feed(both, &used), State::kComplete);
  EXPECT_EQ(used, a.size());
  EXPECT_EQ(p.status(), 200);
  EXPECT_EQ(p.body(), "one");
  p.Reset();
  EXPECT_FALSE(p.started());
  EXPECT_EQ(p.header("content-length"), std::nullopt);
  ASSERT_EQ(p.Feed(std::string_view(both).substr(used), &used), State::kComplete) << p.error();
  EXPECT_EQ(used, b.size());
  EXPECT_EQ(p.status(), 404);
  EXPECT_EQ(p.body(), "two");
  EXPECT_EQ(p.header("content-length"), std::nullopt);
  EXPECT_EQ(p.header("transfer-encoding"), "chunked");
}

// Every way of cutting a response in two, and a byte at a time, ends like feeding it whole.
TEST(ResponseParserTest, AnySplitGivesTheSameResult) {
  constexpr size_t kAll = std::string::npos;
  const std::string chunked_head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string both_head = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n";
  struct Case {
    std::string bytes;
    bool eof;
    State state;
    size_t consumed;  // where the parse ended (kAll: after the last byte)
  } cases[] = {
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, State::kComplete, kAll},
      {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n"
       "3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nT: v\r\n\r\n",
       false, State::kComplete, kAll},
      {"HTTP/1.0 200 OK\r\nServer: app\r\n\r\nuntil the close", true, State::kComplete, kAll},
      {both_head + "abc", false, State::kError, both_head.size()},
      {chunked_head + "3\r\nabcXY0\r\n\r\n", false, State::kError, chunked_head.size() + 7},
  };
  for (const Case& c : cases) {
    const Outcome expected = FeedWhole(c.bytes, c.eof);
    ASSERT_EQ(expected.state, c.state) << c.bytes << ": " << expected.error;
    if (!c.eof) {
      EXPECT_EQ(FeedWhole(c.bytes + "HTTP"), expected) << "the next bytes do not matter: " << c.bytes;
    }
    for (size_t cut = 0; cut <= c.bytes.size(); ++cut) {
      EXPECT_EQ(FeedCut(c.bytes, {cut}, c.eof), expected) << c.bytes << " cut at " << cut;
    }
    EXPECT_EQ(FeedBytewise(c.bytes, c.eof), expected) << c.bytes;
    EXPECT_EQ(expected.consumed, c.consumed == kAll ? c.bytes.size() : c.consumed) << c.bytes;
  }
}

TEST(ResponseParserTest, ByteAtATimeUsesEveryByteOnce) {
  const std::string resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
  ResponseParser p(Limits());
  for (size_t i = 0; i < resp.size(); ++i) {
    size_t used = 0;
    const State s = p.Feed(std::string_view(resp).substr(i, 1), &used);
    EXPECT_EQ(used, 1u) << i;
    EXPECT_EQ(s, i + 1 == resp.size() ? State::kComplete : State::kNeedMore) << i;
  }
  EXPECT_EQ(p.body(), "ok");
}

TEST(ResponseParserTest, MalformedResponsesAreErrors) {
  const char* responses[] = {
      "HTTP/1.1 200 OK\n\r\n",                                         // bare LF
      "HTTP/1.1 200 OK\r\nA: b\n\r\n",                                 // bare LF in the headers
      "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n",                            // bare CR
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n",                    // bare LF as the blank line
      "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",                            // header without a colon
      "HTTP/1.1 200 OK\r\nA: b\r\n  folded\r\n\r\n",                   // obs-fold
      "HTTP/1.1 200 OK\r\nBad Name: v\r\n\r\n",                        // space in the name
      "HTTP/1.1 200 OK\r\nContent-Length : 3\r\n\r\nabc",              // space before the colon
      "HTTP/1.1 200 OK\r\n: v\r\n\r\n",                                // empty name
      "\r\nHTTP/1.1 200 OK\r\n\r\n",                                   // a blank line first
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
      "HTTP/1.1 200 OK\r\nContent-Length: 0x3\r\n\r\nabc",
      "HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc",
      "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc",
      "HTTP/1.1 200 OK\r\nContent-Length: 3 3\r\n\r\nabc",
      "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456789\r\n\r\n",  // 19 digits
      "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",  // not hex
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n",    // empty size
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n",  // sign
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n",  // leading space
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n",  // junk after size
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",     // bare LF
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",     // no CRLF after data
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n",     // LF alone after data
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",      // 16 hex digits
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",    // overflow
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nno colon\r\n\r\n",     // bad trailer
  };
  for (const char* resp : responses) {
    const std::string bytes(resp);
    const Outcome o = FeedWhole(bytes, /*eof=*/true);
    EXPECT_EQ(o.state, State::kError) << bytes;
    EXPECT_FALSE(o.error.empty()) << bytes;
    EXPECT_FALSE(o.keep_alive) << bytes;
  }
  // Exact reasons for a few.
  EXPECT_EQ(FeedWhole("HTTP/1.1 200 OK\n").error, "line ended by a bare LF");
  EXPECT_EQ(FeedWhole("HTTP/1.1 200 OK\r\nNoColon\r\n").error, "header line without a colon");
  EXPECT_EQ(FeedWhole("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n").error,
            "both Content-Length and Transfer-Encoding");
  EXPECT_EQ(FeedWhole("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n").error,
            "differing Content-Length headers");
  EXPECT_EQ(FeedWhole("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n").error,
            "transfer coding other than a single chunked");
  EXPECT_EQ(FeedWhole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n").error,
            "chunk size over 15 hex digits");
  // NUL inside a value (the literal above stops at it).
  static constexpr char kNul[] = "HTTP/1.1 200 OK\r\nA: b\0c\r\nContent-Length: 0\r\n\r\n";
  const std::string nul(kNul, sizeof(kNul) - 1);
  ASSERT_EQ(nul[21], '\0');
  EXPECT_EQ(FeedWhole(nul).error, "control character in a header value");
  // The same length twice is one length; 15 hex digits are a size (over the body limit here).
  EXPECT_EQ(FeedWhole("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc").state, State::kComplete);
  EXPECT_EQ(FeedWhole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000f\r\n").state,
            State::kNeedMore);
  EXPECT_EQ(FeedWhole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n").error,
            "body over 1048576 bytes");
  // The error is found at the offending byte: what follows is not consumed.
  const std::string bad = "HTTP/1.1 200 OK\r\nNoColon\r\n";
  EXPECT_EQ(FeedWhole(bad + "\r\nmore").consumed, bad.size());
}

TEST(ResponseParserTest, BadStatusLines) {
  const char* lines[] = {
      "HTTP/1.1 99 Low\r\n",    "HTTP/1.1 099 Low\r\n",  "HTTP/1.1 600 High\r\n", "HTTP/1.1 2x0 OK\r\n",
      "HTTP/1.1 2000 OK\r\n",   "HTTP/1.1  200 OK\r\n",  "HTTP/2.0 200 OK\r\n",   "HTTP/1.1 20\r\n",
      "HTTP/1.1 -20 OK\r\n",    "http/1.1 200 OK\r\n",   "HTTP/1.x 200 OK\r\n",   "HTTP/1.1200 OK\r\n",
      "ICY 200 OK\r\n",         "HTTP/1.1 200 O\x01K\r\n", "HTTP/1.1 200OK\r\n",  "garbage\r\n",
  };
  for (const char* line : lines) {
    ResponseParser p(Limits());
    size_t used = 0;
    EXPECT_EQ(p.Feed(std::string(line) + "Content-Length: 0\r\n\r\n", &used), State::kError) << line;
    EXPECT_EQ(used, std::string_view(line).size()) << line;
  }
  EXPECT_EQ(FeedWhole("HTTP/1.1 600 High\r\n").error, "status 600 out of range");
  EXPECT_EQ(FeedWhole("HTTP/1.1 099 Low\r\n").error, "status 99 out of range");
  EXPECT_EQ(FeedWhole("HTTP/1.1 2x0 OK\r\n").error, "bad status line");
  // The edges and an empty reason, with or without its space.
  for (const char* line : {"HTTP/1.1 599 Edge\r\n", "HTTP/1.1 200\r\n", "HTTP/1.1 200 \r\n", "HTTP/1.0 200 \xe9t\xe9\r\n"}) {
    Outcome o = FeedWhole(std::string(line) + "Content-Length: 0\r\n\r\n");
    EXPECT_EQ(o.state, State::kComplete) << line;
  }
  EXPECT_EQ(FeedWhole("HTTP/1.1 599 Edge\r\nContent-Length: 0\r\n\r\n").status, 599);
}

TEST(ResponseParserTest, HeaderBlockLimits) {
  // Over the bytes: the error comes at the first byte past the limit, without waiting.
  const std::string long_header = "HTTP/1.1 200 OK\r\nX: " + std::string(10000, 'a');
  Outcome o = FeedBytewise(long_header, false, Limits(100, 20));
  EXPECT_EQ(o.state, State::kError);
  EXPECT_EQ(o.consumed, 101u);
  EXPECT_EQ(o.error, "header block over 100 bytes");
  // At the limit exactly: fine.
  const std::string exact = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: " + std::string(100 - 43, 'a') + "\r\n\r\n";
  ASSERT_EQ(exact.size(), 100u);
  EXPECT_EQ(FeedWhole(exact, false, Limits(100, 20)).state, State::kComplete);
  EXPECT_EQ(FeedWhole(exact + "x", false, Limits(99, 20)).state, State::kError);
  // Lines: the status line and 19 header lines pass a limit of 20, 20 header lines do not.
  std::string lines = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n";
  for (int i = 0; i < 18; ++i) lines += "X: y\r\n";
  EXPECT_EQ(FeedWhole(lines + "\r\n", false, Limits(4096, 20)).state, State::kComplete);
  o = FeedWhole(lines + "X: y\r\n\r\n", false, Limits(4096, 20));
  EXPECT_EQ(o.state, State::kError);
  EXPECT_EQ(o.error, "header block over 20 lines");
  // Interim responses count too: endless 100s end.
  std::string continues;
  for (int i = 0; i < 25; ++i) continues += "HTTP/1.1 100 Continue\r\n\r\n";
  EXPECT_EQ(FeedWhole(continues, false, Limits(4096, 20)).state, State::kError);
  // Trailers have the same limits.
  std::string trailers = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
  for (int i = 0; i < 25; ++i) trailers += "T: v\r\n";
  EXPECT_EQ(FeedWhole(trailers + "\r\n", false, Limits(4096, 20)).state, State::kError);
  // A chunk-size line that never ends is cut off.
  o = FeedWhole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;" + std::string(2000, 'e'));
  EXPECT_EQ(o.state, State::kError);
}

TEST(ResponseParserTest, BodyLimits) {
  const ResponseLimits limits = Limits(4096, 20, 8);
  // Content-Length over the limit: refused at the blank line, the body never read.
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n";
  Outcome o = FeedWhole(head + "123456789", false, limits);
  EXPECT_EQ(o.state, State::kError);
  EXPECT_EQ(o.consumed, head.size());
  EXPECT_EQ(o.error, "body over 8 bytes");
  EXPECT_EQ(FeedWhole("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n12345678", false, limits).state, State::kComplete);
  // Chunks adding up past the limit: refused at the chunk-size line saying so.
  const std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n4\r\n";
  o = FeedWhole(chunked + "abcd\r\n0\r\n\r\n", false, limits);
  EXPECT_EQ(o.state, State::kError);
  EXPECT_EQ(o.consumed, chunked.size());
  EXPECT_EQ(FeedWhole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n",
                      false, limits)
                .state,
            State::kComplete);
  // Delimited by the close: refused at the first byte past the limit.
  const std::string close_head = "HTTP/1.1 200 OK\r\n\r\n";
  EXPECT_EQ(FeedWhole(close_head + "12345678", true, limits).state, State::kComplete);
  o = FeedBytewise(close_head + "123456789abc", true, limits);
  EXPECT_EQ(o.state, State::kError);
  EXPECT_EQ(o.consumed, close_head.size() + 9);
  EXPECT_EQ(FeedWhole(close_head + "123456789abc", true, limits), o);
}

TEST(ResponseParserTest, HeaderLookupIgnoresCaseAndTakesTheFirst) {
  ResponseParser p(Limits());
  ASSERT_EQ(p.Feed("HTTP/1.1 429 Too Many Requests\r\nRETRY-after:   7 \t\r\nRetry-After: 9\r\nX-Empty:\r\n"
                   "Content-Length: 0\r\n\r\n",
                   nullptr),
            State::kComplete);
  EXPECT_EQ(p.header("retry-after"), "7");
  EXPECT_EQ(p.header("Retry-After"), "7");
  EXPECT_EQ(p.header("RETRY-AFTER"), "7");
  EXPECT_EQ(p.header("x-empty"), "");
  EXPECT_EQ(p.header("retry"), std::nullopt);
  EXPECT_EQ(p.header("retry-afterx"), std::nullopt);
}

}  // namespace
}  // namespace zroute
