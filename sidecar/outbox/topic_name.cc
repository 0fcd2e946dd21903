#include "sidecar/outbox/topic_name.h"

namespace zroute {
namespace {

bool IsPlain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string EscapeTopicName(const std::string& topic) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(topic.size());
  for (char c : topic) {
    if (IsPlain(c)) {
      out.push_back(c);
    } else {
      auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xF]);
    }
  }
  return out;
}

std::optional<std::string> UnescapeTopicName(const std::string& dir_name) {
  if (dir_name.empty()) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < dir_name.size(); ++i) {
    char c = dir_name[i];
    if (IsPlain(c)) {
      out.push_back(c);
      continue;
    }
    if (c != '%' || i + 2 >= dir_name.size()) return std::nullopt;
    int hi = HexValue(dir_name[i + 1]);
    int lo = HexValue(dir_name[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    char decoded = static_cast<char>(hi * 16 + lo);
    if (IsPlain(decoded)) return std::nullopt;  // not canonical: would not round-trip
    out.push_back(decoded);
    i += 2;
  }
  return out;
}

}  // namespace zroute
