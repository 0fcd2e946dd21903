// RequestFramer: finds where one HTTP/1.1 request ends in a connection's unread bytes, so an
// event loop can hand a whole request to httplib's parser without a thread blocking on the socket.
//
// It reads only what framing needs: the header block's end (counting its bytes and lines against
// limits), Content-Length, Transfer-Encoding: chunked (walking the chunks and trailers) and
// "Expect: 100-continue". Everything else (request line, routing, header values, the body itself)
// is httplib's. Ambiguous framing that could smuggle a second request is refused (400): both
// Content-Length and Transfer-Encoding, differing Content-Lengths, a transfer coding other than a
// final "chunked". A body over the limit is not read: the request is framed as its header block
// alone (httplib answers 413 from Content-Length) and the connection must close after it.
//
// Incremental: Scan keeps its place, so bytes arriving one at a time cost O(n) overall.
// Thread-safety: none; one framer belongs to one connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace zroute {

struct FramerLimits {
  size_t max_header_bytes = 64 * 1024;  // request line + header lines + the blank line
  size_t max_header_lines = 200;        // request line and header lines
  size_t max_body_bytes = 4 << 20;      // decoded body (chunked: the sum of the chunks)
};

struct RequestFrame {
  enum class State {
    kNeedMore,  // not a whole request yet
    kComplete,  // the request is bytes [0, length) of the buffer
    kRefused,   // answer `status` with `reason` and close the connection
  };
  State state = State::kNeedMore;
  size_t length = 0;
  // The header block is whole and asks for "100 Continue" before the body (kNeedMore only).
  bool expects_continue = false;
  // kComplete with a body over max_body_bytes: `length` covers the header block only, httplib
  // answers 413, and the connection closes (the rest of the body is never read).
  bool body_over_limit = false;
  uint64_t declared_body_bytes = 0;  // with body_over_limit: the Content-Length
  int status = 0;
  std::string reason;
};

class RequestFramer {
 public:
  explicit RequestFramer(const FramerLimits& limits) : limits_(limits) {}

  // `buffer` starts at the request's first byte. Between calls it may only grow at the end,
  // until Reset. After kComplete or kRefused, further calls return the same frame.
  RequestFrame Scan(std::string_view buffer);

  // Starts over for the next request (its first byte at the start of the next buffer).
  void Reset() { *this = RequestFramer(limits_); }

  // True while the header block is not whole yet.
  bool InHeader() const { return phase_ == Phase::kHeader; }

 private:
  enum class Phase { kHeader, kLengthBody, kChunkSize, kChunkData, kChunkDataEnd, kTrailer, kDone };

  RequestFrame ScanHeader(std::string_view buffer);
  RequestFrame ParseHeaderFields(std::string_view block);
  RequestFrame ScanChunks(std::string_view buffer);
  RequestFrame Refuse(int status, std::string reason);
  RequestFrame Complete(size_t length, bool over_limit = false);

  FramerLimits limits_;
  Phase phase_ = Phase::kHeader;
  RequestFrame done_;  // the final frame, once phase_ is kDone

  size_t pos_ = 0;              // next unscanned byte
  size_t lines_ = 0;            // header (or trailer) lines so far
  int blank_line_match_ = 0;    // how much of "\r\n\r\n" the last header bytes matched
  size_t header_end_ = 0;       // one past the header block's blank line
  bool expects_continue_ = false;
  uint64_t content_length_ = 0;
  uint64_t chunk_left_ = 0;     // data bytes left in the current chunk
  uint64_t body_bytes_ = 0;     // chunk data seen so far
  size_t line_start_ = 0;       // start of the chunk-size or trailer line being read
  size_t trailer_start_ = 0;    // first byte after the last (zero-size) chunk's line
};

}  // namespace zroute
