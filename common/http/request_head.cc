#include "common/http/request_head.h"

#include "common/http/http_text.h"

namespace zroute {
namespace {

using http_text::IsTokenChar;

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// A field value: visible characters, spaces, tabs and obs-text; no other control byte.
bool IsFieldValue(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) return false;
  }
  return true;
}

// A request target: no spaces or control bytes.
bool IsTarget(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return false;
  }
  return true;
}

// The next CRLF-terminated line from *rest, without the CRLF; nullopt when there is none.
std::optional<std::string_view> NextLine(std::string_view* rest) {
  const size_t end = rest->find("\r\n");
  if (end == std::string_view::npos) return std::nullopt;
  std::string_view line = rest->substr(0, end);
  rest->remove_prefix(end + 2);
  return line;
}

}  // namespace

std::optional<std::string_view> RequestHead::Find(std::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (http_text::EqualsIgnoreCase(field, name)) return value;
  }
  return std::nullopt;
}

bool ParseRequestHead(std::string_view request, RequestHead* out) {
  std::string_view rest = request;
  const std::optional<std::string_view> request_line = NextLine(&rest);
  if (!request_line) return false;
  // method SP target SP version, one space each.
  const size_t sp1 = request_line->find(' ');
  if (sp1 == std::string_view::npos) return false;
  const size_t sp2 = request_line->find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return false;
  out->method = request_line->substr(0, sp1);
  out->target = request_line->substr(sp1 + 1, sp2 - sp1 - 1);
  out->version = request_line->substr(sp2 + 1);
  if (!IsToken(out->method) || !IsTarget(out->target)) return false;
  if (out->version != "HTTP/1.1" && out->version != "HTTP/1.0") return false;

  out->headers.clear();
  std::optional<uint64_t> content_length;
  for (;;) {
    const std::optional<std::string_view> line = NextLine(&rest);
    if (!line) return false;
    if (line->empty()) break;
    const size_t colon = line->find(':');
    if (colon == std::string_view::npos) return false;
    const std::string_view name = line->substr(0, colon);
    const std::string_view value = http_text::TrimSpace(line->substr(colon + 1));
    // A name that is not a token also covers obs-fold (a line starting with a space or tab).
    if (!IsToken(name) || !IsFieldValue(value)) return false;
    if (http_text::EqualsIgnoreCase(name, "Transfer-Encoding")) return false;
    if (http_text::EqualsIgnoreCase(name, "Content-Length")) {
      const std::optional<uint64_t> length = http_text::ParseLength(value);
      if (!length || (content_length && *content_length != *length)) return false;
      content_length = length;
    }
    out->headers.emplace_back(name, value);
  }
  if (rest.size() != content_length.value_or(0)) return false;
  out->body = rest;
  return true;
}

}  // namespace zroute
