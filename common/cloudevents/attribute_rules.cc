#include "common/cloudevents/attribute_rules.h"

#include "common/cloudevents/cloud_event.h"

namespace zroute {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Parses exactly `n` digits at s[*pos]; advances *pos.
bool Digits(std::string_view s, size_t* pos, int n, int* out) {
  if (*pos + n > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) return 29;
  return kDays[month - 1];
}

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

// RFC 3339 section 5.6 `date-time`: full-date "T" partial-time time-offset, with the ranges the
// grammar's notes give (leap second 60 allowed). Lower-case 't' and 'z' are allowed as RFC 3339
// permits.
bool IsRfc3339Timestamp(std::string_view s) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!Digits(s, &pos, 4, &year) || !Expect(s, &pos, '-') || !Digits(s, &pos, 2, &month) ||
      !Expect(s, &pos, '-') || !Digits(s, &pos, 2, &day)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return false;
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't')) return false;
  ++pos;
  if (!Digits(s, &pos, 2, &hour) || !Expect(s, &pos, ':') || !Digits(s, &pos, 2, &minute) ||
      !Expect(s, &pos, ':') || !Digits(s, &pos, 2, &second)) {
    return false;
  }
  if (hour > 23 || minute > 59 || second > 60) return false;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && IsDigit(s[pos])) ++pos;
    if (pos == start) return false;
  }
  if (pos >= s.size()) return false;
  if (s[pos] == 'Z' || s[pos] == 'z') return pos + 1 == s.size();
  if (s[pos] != '+' && s[pos] != '-') return false;
  ++pos;
  int off_hour, off_minute;
  if (!Digits(s, &pos, 2, &off_hour) || !Expect(s, &pos, ':') || !Digits(s, &pos, 2, &off_minute)) {
    return false;
  }
  return off_hour <= 23 && off_minute <= 59 && pos == s.size();
}

bool IsValidExtensionName(std::string_view name) {
  if (name.empty() || name.size() > kMaxExtensionNameLength) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || IsDigit(c))) return false;
  }
  return !IsCoreAttributeName(std::string(name));
}

size_t Utf8SequenceLength(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const unsigned char c = p[0];
  size_t n;
  unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;  // overlong
    if (c == 0xed) hi = 0x9f;  // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;  // overlong
    if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
  } else {
    return 0;
  }
  if (bytes.size() < n || p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < n; ++i) {
    if (p[i] < 0x80 || p[i] > 0xbf) return 0;
  }
  return n;
}

bool IsValidUtf8(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t n = Utf8SequenceLength(bytes.substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string MediaTypeOf(std::string_view content_type) {
  size_t semicolon = content_type.find(';');
  std::string_view type = content_type.substr(0, semicolon);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  std::string out(type);
  for (char& c : out) c = ToLowerAscii(c);
  return out;
}

bool IsJsonMediaType(std::string_view content_type) {
  std::string type = MediaTypeOf(content_type);
  if (type.empty()) return true;
  size_t slash = type.find('/');
  if (slash == std::string::npos) return false;
  std::string_view subtype = std::string_view(type).substr(slash + 1);
  return subtype == "json" || EndsWith(subtype, "+json");
}

bool IsTextMediaType(std::string_view content_type) {
  std::string type = MediaTypeOf(content_type);
  if (type.starts_with("text/")) return true;
  size_t slash = type.find('/');
  if (slash == std::string::npos) return false;
  std::string_view subtype = std::string_view(type).substr(slash + 1);
  return subtype == "xml" || EndsWith(subtype, "+xml");
}

}  // namespace zroute
