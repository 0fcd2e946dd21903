#include "common/cloudevents/json_event_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "common/cloudevents/attribute_rules.h"
#include "common/cloudevents/json_format.h"

namespace zroute::json_event_reader {
namespace {

using Kind = Member::Kind;

class Reader {
 public:
  explicit Reader(std::string_view text) : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()) {}

  StatusOr<Document> Read() {
    if (end_ - p_ >= 3 && std::string_view(p_, 3) == "\xEF\xBB\xBF") p_ += 3;  // a byte order mark
    Document doc;
    SkipSpace();
    if (p_ < end_ && *p_ == '[') {
      doc.top = Document::Top::kArray;
      ++p_;
      SkipSpace();
      if (p_ < end_ && *p_ == ']') {
        ++p_;
      } else {
        for (;;) {
          SkipSpace();
          if (p_ < end_ && *p_ == '{') {
            Members members;
            ZR_RETURN_IF_ERROR(ReadObject(2, &members));
            doc.objects.push_back(std::move(members));
          } else {
            Kind kind;
            ZR_RETURN_IF_ERROR(SkipValue(2, &kind));
            doc.objects.push_back(std::nullopt);
          }
          SkipSpace();
          if (p_ < end_ && *p_ == ',') {
            ++p_;
            continue;
          }
          if (p_ < end_ && *p_ == ']') {
            ++p_;
            break;
          }
          return Fail("expected ',' or ']'");
        }
      }
    } else if (p_ < end_ && *p_ == '{') {
      doc.top = Document::Top::kObject;
      Members members;
      ZR_RETURN_IF_ERROR(ReadObject(1, &members));
      doc.objects.push_back(std::move(members));
    } else {
      Kind kind;
      ZR_RETURN_IF_ERROR(SkipValue(1, &kind));
    }
    SkipSpace();
    // nlohmann-json takes a NUL byte where a token would start for the end of the text.
    if (p_ != end_ && *p_ != '\0') return Fail("unexpected bytes after the value");
    return doc;
  }

 private:
  Status Fail(const std::string& what) const {
    return Status::InvalidArgument("malformed JSON: " + what + " at byte " + std::to_string(p_ - begin_));
  }
  static Status TooDeep() {
    return Status::InvalidArgument("JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }

  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  // An object at nesting `level` (1 = the top), into members sorted by name, the last of a name kept.
  Status ReadObject(size_t level, Members* members) {
    if (level > kMaxJsonDepth) return TooDeep();
    ++p_;  // '{'
    SkipSpace();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return Status::OK();
    }
    for (;;) {
      SkipSpace();
      Member m;
      if (p_ >= end_ || *p_ != '"') return Fail("expected a member name");
      ZR_RETURN_IF_ERROR(ReadString(&m.name));
      SkipSpace();
      if (p_ >= end_ || *p_ != ':') return Fail("expected ':'");
      ++p_;
      SkipSpace();
      if (p_ < end_ && *p_ == '"') {
        m.kind = Kind::kString;
        ZR_RETURN_IF_ERROR(ReadString(&m.text));
      } else {
        const char* start = p_;
        ZR_RETURN_IF_ERROR(SkipValue(level + 1, &m.kind));
        if (m.kind == Kind::kNumber || m.kind == Kind::kObject || m.kind == Kind::kArray) m.text.assign(start, p_);
      }
      members->push_back(std::move(m));
      SkipSpace();
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        continue;
      }
      if (p_ < end_ && *p_ == '}') {
        ++p_;
        break;
      }
      return Fail("expected ',' or '}'");
    }
    std::stable_sort(members->begin(), members->end(),
                     [](const Member& a, const Member& b) { return a.name < b.name; });
    // Of equal names (adjacent, in their order in the text) the last one stays.
    size_t kept = 0;
    for (size_t i = 0; i < members->size(); ++i) {
      if (i + 1 < members->size() && (*members)[i + 1].name == (*members)[i].name) continue;
      if (kept != i) (*members)[kept] = std::move((*members)[i]);
      ++kept;
    }
    members->resize(kept);
    return Status::OK();
  }

  // Checks any value at nesting `level` and moves past it.
  Status SkipValue(size_t level, Kind* kind) {
    if (p_ >= end_) return Fail("expected a value");
    switch (*p_) {
      case '"':
        *kind = Kind::kString;
        return ReadString(nullptr);
      case '{':
      case '[': {
        if (level > kMaxJsonDepth) return TooDeep();
        const char close = *p_ == '{' ? '}' : ']';
        *kind = *p_ == '{' ? Kind::kObject : Kind::kArray;
        ++p_;
        SkipSpace();
        if (p_ < end_ && *p_ == close) {
          ++p_;
          return Status::OK();
        }
        for (;;) {
          SkipSpace();
          if (close == '}') {
            if (p_ >= end_ || *p_ != '"') return Fail("expected a member name");
            ZR_RETURN_IF_ERROR(ReadString(nullptr));
            SkipSpace();
            if (p_ >= end_ || *p_ != ':') return Fail("expected ':'");
            ++p_;
            SkipSpace();
          }
          Kind inner;
          ZR_RETURN_IF_ERROR(SkipValue(level + 1, &inner));
          SkipSpace();
          if (p_ < end_ && *p_ == ',') {
            ++p_;
            continue;
          }
          if (p_ < end_ && *p_ == close) {
            ++p_;
            return Status::OK();
          }
          return Fail(close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
        }
      }
      case 't': *kind = Kind::kTrue; return Literal("true");
      case 'f': *kind = Kind::kFalse; return Literal("false");
      case 'n': *kind = Kind::kNull; return Literal("null");
      default:
        *kind = Kind::kNumber;
        return Number();
    }
  }

  Status Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return Fail("invalid literal");
    }
    p_ += word.size();
    return Status::OK();
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, and finite as a double (nlohmann-json refuses
  // a number that overflows one; one that underflows reads as 0).
  Status Number() {
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ < end_ && *p_ == '0') {
      ++p_;
    } else if (p_ < end_ && *p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    } else {
      return Fail("invalid value");
    }
    bool fraction_or_exponent = false;
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (p_ >= end_ || !IsDigit(*p_)) return Fail("invalid number");
      while (p_ < end_ && IsDigit(*p_)) ++p_;
      fraction_or_exponent = true;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ >= end_ || !IsDigit(*p_)) return Fail("invalid number");
      while (p_ < end_ && IsDigit(*p_)) ++p_;
      fraction_or_exponent = true;
    }
    // Up to 18 digits an integer fits an int64; anything else may be read as a double.
    if (fraction_or_exponent || p_ - start > 18) {
      const std::string token(start, p_);
      if (!std::isfinite(std::strtod(token.c_str(), nullptr))) return Fail("number overflows a double");
    }
    return Status::OK();
  }

  static int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Reads 4 hex digits after "\u".
  Status Hex4(uint32_t* value) {
    if (end_ - p_ < 4) return Fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = HexValue(p_[i]);
      if (h < 0) return Fail("invalid \\u escape");
      v = v << 4 | static_cast<uint32_t>(h);
    }
    p_ += 4;
    *value = v;
    return Status::OK();
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | cp >> 6));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | cp >> 12));
      out->push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | cp >> 18));
      out->push_back(static_cast<char>(0x80 | (cp >> 12 & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // A string at p_ ('"'); its decoded contents into `out` (nullptr: check only).
  Status ReadString(std::string* out) {
    ++p_;  // '"'
    for (;;) {
      const char* run = p_;
      while (p_ < end_) {
        const auto c = static_cast<unsigned char>(*p_);
        if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
        ++p_;
      }
      if (out != nullptr) out->append(run, p_);
      if (p_ >= end_) return Fail("unterminated string");
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return Status::OK();
      }
      if (c < 0x20) return Fail("control character in a string");
      if (c >= 0x80) {
        const size_t n = Utf8SequenceLength(std::string_view(p_, static_cast<size_t>(end_ - p_)));
        if (n == 0) return Fail("invalid UTF-8 in a string");
        if (out != nullptr) out->append(p_, n);
        p_ += n;
        continue;
      }
      // A backslash escape.
      ++p_;
      if (p_ >= end_) return Fail("unterminated string");
      char decoded;
      switch (*p_++) {
        case '"': decoded = '"'; break;
        case '\\': decoded = '\\'; break;
        case '/': decoded = '/'; break;
        case 'b': decoded = '\b'; break;
        case 'f': decoded = '\f'; break;
        case 'n': decoded = '\n'; break;
        case 'r': decoded = '\r'; break;
        case 't': decoded = '\t'; break;
        case 'u': {
          uint32_t cp = 0;
          ZR_RETURN_IF_ERROR(Hex4(&cp));
          if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail("lone low surrogate");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return Fail("high surrogate without a low one");
            p_ += 2;
            uint32_t low = 0;
            ZR_RETURN_IF_ERROR(Hex4(&low));
            if (low < 0xDC00 || low > 0xDFFF) return Fail("high surrogate without a low one");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          if (out != nullptr) AppendUtf8(cp, out);
          continue;
        }
        default:
          --p_;
          return Fail("invalid escape");
      }
      if (out != nullptr) out->push_back(decoded);
    }
  }

  const char* const begin_;
  const char* p_;
  const char* const end_;
};

}  // namespace

StatusOr<Document> ReadDocument(std::string_view text) { return Reader(text).Read(); }

}  // namespace zroute::json_event_reader
