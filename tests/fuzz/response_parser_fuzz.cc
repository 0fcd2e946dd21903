// Fuzzes ResponseParser (common/http/response_parser.h), which reads the app's answers to the
// sidecar's deliveries. On every input: the result does not depend on how the bytes arrived
// (whole, or cut at input-chosen points), nor on a close after them; the parser never consumes
// more than it was given; a decided response is decided by exactly the bytes it consumed (the
// prefix one byte shorter still needs more); a reset parser reads the rest like a new one.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/http/response_parser.h"

namespace {

using State = zroute::ResponseParser::State;

void Check(bool condition) {
  if (!condition) std::abort();
}

bool Same(const zroute::ResponseParser& a, const zroute::ResponseParser& b) {
  if (a.state() != b.state() || a.started() != b.started()) return false;
  switch (a.state()) {
    case State::kComplete:
      return a.status() == b.status() && a.body() == b.body() && a.body_bytes() == b.body_bytes() &&
             a.keep_alive() == b.keep_alive() && a.header("content-length") == b.header("content-length");
    case State::kError:
      return a.error() == b.error();
    case State::kNeedMore:
      return true;
  }
  return false;
}

// Small limits, so inputs reach them.
constexpr zroute::ResponseLimits kLimits{
    .max_header_bytes = 512, .max_header_lines = 16, .max_body_bytes = 256, .kept_body_bytes = 32};

void CheckDecided(const zroute::ResponseParser& p) {
  Check(p.body().size() <= kLimits.kept_body_bytes);
  Check(p.body_bytes() <= kLimits.max_body_bytes);
  if (p.state() == State::kComplete) {
    Check(p.status() >= 100 && p.status() <= 599 && p.status() != 101);
    Check(p.error().empty());
  }
  if (p.state() == State::kError) Check(!p.error().empty() && !p.keep_alive());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte picks how the rest is cut, and whether the connection closes after it.
  const size_t step = 1 + data[0] % 16;
  const bool eof = (data[0] & 0x80) != 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  zroute::ResponseParser whole(kLimits);
  size_t consumed = 0;
  const State s = whole.Feed(in, &consumed);
  Check(consumed <= in.size());
  Check(s != State::kNeedMore || consumed == in.size());
  Check(whole.started() == (consumed > 0));

  zroute::ResponseParser pieces(kLimits);
  size_t total = 0;
  for (size_t at = 0; at < in.size(); at += step) {
    const bool decided = pieces.state() != State::kNeedMore;
    size_t used = 0;
    pieces.Feed(in.substr(at, step), &used);
    Check(used <= std::min(step, in.size() - at));
    Check(!decided || used == 0);
    total += used;
  }
  Check(total == consumed);
  Check(Same(whole, pieces));

  if (s != State::kNeedMore) {
    CheckDecided(whole);
    // Exactly the consumed bytes decide; one byte fewer does not.
    zroute::ResponseParser exact(kLimits);
    size_t used = 0;
    Check(exact.Feed(in.substr(0, consumed), &used) == s && used == consumed);
    Check(Same(whole, exact));
    Check(consumed > 0);
    zroute::ResponseParser shorter(kLimits);
    Check(shorter.Feed(in.substr(0, consumed - 1), &used) == State::kNeedMore && used == consumed - 1);
    // A decided parser stays decided.
    Check(whole.Feed(in.substr(consumed), &used) == s && used == 0);
    Check(whole.FinishAtEof() == s && Same(whole, exact));
  }

  if (eof) {
    const State w = whole.FinishAtEof();
    Check(pieces.FinishAtEof() == w);
    Check(w != State::kNeedMore);
    Check(Same(whole, pieces));
    CheckDecided(whole);
  }

  // After a complete response, a reset parser reads what follows like a new one.
  if (s == State::kComplete && consumed < in.size()) {
    const std::string_view rest = in.substr(consumed);
    whole.Reset();
    Check(!whole.started());
    zroute::ResponseParser fresh(kLimits);
    size_t a = 0, b = 0;
    Check(whole.Feed(rest, &a) == fresh.Feed(rest, &b) && a == b);
    Check(Same(whole, fresh));
  }
  return 0;
}
