// Fuzzes ParseRequestHead (common/http/request_head.h), which picks the requests the sidecar's
// event loop answers without httplib. On every input: no crash; when it accepts, every view lies
// inside the input in order (method, target, version, fields, body), names are non-empty tokens,
// values hold no CR or LF, the body is exactly the Content-Length, and the same bytes with one
// more byte after them are declined (a whole request is the whole input).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/http/http_text.h"
#include "common/http/request_head.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

bool Inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  zroute::RequestHead head;
  if (!zroute::ParseRequestHead(in, &head)) return 0;
  Check(Inside(head.method, in) && Inside(head.target, in) && Inside(head.version, in) && Inside(head.body, in));
  Check(!head.method.empty() && !head.target.empty());
  Check(head.version == "HTTP/1.1" || head.version == "HTTP/1.0");
  const char* last = head.version.data();
  uint64_t length = 0;
  for (const auto& [name, value] : head.headers) {
    Check(Inside(name, in) && Inside(value, in) && name.data() > last);
    last = name.data();
    Check(!name.empty());
    for (char c : name) Check(zroute::http_text::IsTokenChar(c));
    Check(value.find('\r') == std::string_view::npos && value.find('\n') == std::string_view::npos);
    if (zroute::http_text::EqualsIgnoreCase(name, "Content-Length")) length = *zroute::http_text::ParseLength(value);
  }
  Check(head.body.size() == length);
  Check(head.body.data() + head.body.size() == in.data() + in.size());
  std::string longer(in);
  longer.push_back('x');
  zroute::RequestHead again;
  Check(!zroute::ParseRequestHead(longer, &again));
  return 0;
}
