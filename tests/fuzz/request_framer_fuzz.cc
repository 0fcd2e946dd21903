// Fuzzes RequestFramer (common/http/request_framer.h), which decides where one HTTP/1.1 request
// ends on the sidecar's event-loop API. On every input: the frame does not depend on how the bytes
// arrived (whole, or cut at input-chosen points), a complete request's frame does not depend on
// the bytes after it, no proper prefix of it is already complete, and a frame never claims more
// bytes than it was given.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/http/request_framer.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

bool Same(const zroute::RequestFrame& a, const zroute::RequestFrame& b) {
  return a.state == b.state && a.length == b.length && a.status == b.status &&
         a.body_over_limit == b.body_over_limit && a.expects_continue == b.expects_continue;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // Small limits, so inputs reach them.
  const zroute::FramerLimits limits{.max_header_bytes = 512, .max_header_lines = 16, .max_body_bytes = 256};
  const size_t step = 1 + data[0] % 7;  // the first byte picks how the rest is cut
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  zroute::RequestFramer whole(limits);
  const zroute::RequestFrame f = whole.Scan(in);
  Check(f.length <= in.size());

  zroute::RequestFramer pieces(limits);
  zroute::RequestFrame g;
  for (size_t n = 0;; n = std::min(in.size(), n + step)) {
    g = pieces.Scan(in.substr(0, n));
    if (g.state != zroute::RequestFrame::State::kNeedMore || n == in.size()) break;
  }
  Check(Same(f, g) || (f.state == zroute::RequestFrame::State::kNeedMore && g.state == f.state));

  if (f.state == zroute::RequestFrame::State::kComplete) {
    Check(f.length > 0);
    zroute::RequestFramer alone(limits);
    const zroute::RequestFrame h = alone.Scan(in.substr(0, f.length));
    Check(h.state == f.state && h.length == f.length && h.body_over_limit == f.body_over_limit);
    zroute::RequestFramer shorter(limits);
    Check(shorter.Scan(in.substr(0, f.length - 1)).state == zroute::RequestFrame::State::kNeedMore);
  }
  return 0;
}
