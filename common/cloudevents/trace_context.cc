#include "common/cloudevents/trace_context.h"

#include "common/util/ids.h"

namespace zroute {
namespace {

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

}  // namespace

std::optional<TraceParent> ParseTraceParent(std::string_view text) {
  // 2 + 1 + 32 + 1 + 16 + 1 + 2
  if (text.size() != 55 || text[2] != '-' || text[35] != '-' || text[52] != '-') return std::nullopt;
  std::string_view version = text.substr(0, 2), trace = text.substr(3, 32), parent = text.substr(36, 16),
                   flags = text.substr(53, 2);
  if (version != "00" || !IsLowerHex(trace) || !IsLowerHex(parent) || !IsLowerHex(flags)) return std::nullopt;
  if (AllZero(trace) || AllZero(parent)) return std::nullopt;
  return TraceParent{std::string(trace), std::string(parent), std::string(flags)};
}

TraceParent ChildOf(const TraceParent& parent) {
  TraceParent child = parent;
  do {
    child.parent_id = RandomHex(8);
  } while (AllZero(child.parent_id));
  return child;
}

}  // namespace zroute
