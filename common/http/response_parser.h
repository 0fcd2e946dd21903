// ResponseParser: reads one HTTP/1.1 response from the bytes a non-blocking keep-alive connection
// receives, for an event-loop client (the sidecar POSTs events to its app; this parses the app's
// answer). Bytes go in as they arrive, split anywhere; the parser keeps its place, so the work is
// O(n) in the bytes fed however they were cut.
//
// Accepted: a status line "HTTP/1.x SSS reason" (status 100-599), header lines "name: value"
// ended by CRLF, then the body framed by Transfer-Encoding: chunked, else Content-Length, else the
// connection's close. 1xx interim responses (100 Continue) are skipped, headers and all; 204 and
// 304 have no body. Anything that could misframe the connection is an error and the connection
// must close: bare LF or CR, obs-fold, a line without a colon, a transfer coding other than one
// "chunked", Content-Length with Transfer-Encoding, differing Content-Lengths, 101 (no upgrade is
// ever asked for), a body over max_body_bytes, a header block over the limits (counted over the
// interim responses too, so an endless stream of 100s ends).
//
// Only the first kept_body_bytes of the decoded body are kept (an app's answer is logged, not
// used); the rest is read and dropped, so the connection stays reusable.
// Thread-safety: none; one parser belongs to one connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zroute {

struct ResponseLimits {
  size_t max_header_bytes = 64 * 1024;  // status line + header lines + blank line
  size_t max_header_lines = 200;        // status line and header lines
  size_t max_body_bytes = 1 << 20;      // a longer body is an error (connection must close)
  size_t kept_body_bytes = 256;         // body bytes kept for body(); the rest is read and dropped
};

class ResponseParser {
 public:
  enum class State { kNeedMore, kComplete, kError };

  explicit ResponseParser(const ResponseLimits& limits = {}) : limits_(limits) {}

  // Consumes bytes of `data` (the next bytes the connection received) and returns the state.
  // *consumed (may be null) = how many bytes were used; after kComplete the bytes after the
  // response are NOT consumed (they belong to a next response, or are garbage the caller treats as
  // an error). With kError, the bytes up to the offending one are consumed.
  // After kComplete or kError further calls return the same state and consume nothing.
  State Feed(std::string_view data, size_t* consumed);

  // The peer closed the connection: completes a response whose body is delimited by the close
  // (no Content-Length, no chunked); anything else unfinished is kError ("connection closed ...").
  State FinishAtEof();

  State state() const { return state_; }
  int status() const { return status_; }             // valid after kComplete
  const std::string& body() const { return body_; }  // decoded body, at most kept_body_bytes
  uint64_t body_bytes() const { return body_bytes_; }  // decoded body bytes read (kept or not)
  // Value of a header of the final response (case-insensitive name; first occurrence), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
  // False for "Connection: close", HTTP/1.0 without "Connection: keep-alive", a close-delimited
  // body, and whenever the state is not kComplete.
  bool keep_alive() const { return state_ == State::kComplete && keep_alive_; }
  bool started() const { return started_; }  // at least one byte of a response was consumed
  const std::string& error() const { return error_; }  // with kError: a short reason

  // Ready for the next response on the same connection.
  void Reset() { *this = ResponseParser(limits_); }

 private:
  enum class Phase {
    kStatusLine,
    kHeaderLine,
    kLengthBody,
    kChunkSize,
    kChunkData,
    kChunkDataCr,
    kChunkDataLf,
    kTrailer,
    kCloseBody,
    kDone,
  };
  enum class Line { kMore, kWhole, kBad };

  size_t Consume(std::string_view data);
  Line AddLineByte(char c);
  void TakeBody(std::string_view bytes);
  void StatusLine();
  void HeaderLine();
  void EndOfHeaders();
  void ChunkSizeLine();
  void TrailerLine();
  void Fail(std::string reason);
  void Complete();

  ResponseLimits limits_;
  Phase phase_ = Phase::kStatusLine;
  State state_ = State::kNeedMore;
  std::string error_;
  bool started_ = false;

  std::string line_;            // the line being read, without its CRLF
  bool line_cr_ = false;        // the last byte was the CR of a line's end
  size_t header_bytes_ = 0;     // header block bytes so far (interim responses included)
  size_t header_lines_ = 0;     // status and header lines so far (interim responses included)
  size_t trailer_bytes_ = 0;
  size_t trailer_lines_ = 0;

  int status_ = 0;
  bool http10_ = false;
  bool keep_alive_ = false;
  std::vector<std::pair<std::string, std::string>> headers_;  // the final response's

  uint64_t body_left_ = 0;   // Content-Length body or current chunk: bytes still to read
  uint64_t body_bytes_ = 0;  // decoded body bytes read
  uint64_t chunked_total_ = 0;  // the chunk sizes so far, against max_body_bytes
  std::string body_;
};

}  // namespace zroute
