#include "common/resources/yaml_to_json.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

namespace zroute {
namespace {

using nlohmann::json;

// Thrown from inside the event handler (which cannot return a Status) and caught in YamlToJson.
struct ConversionError {
  Status status;
};

[[noreturn]] void Fail(const YAML::Mark& mark, const std::string& what) {
  throw ConversionError{Status::InvalidArgument("line " + std::to_string(mark.line + 1) + ": " + what)};
}

bool AllOf(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}
bool Dec(char c) { return c >= '0' && c <= '9'; }
bool Oct(char c) { return c >= '0' && c <= '7'; }
bool Hex(char c) { return Dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::optional<json> ResolveInteger(std::string_view s) {
  int base = 10;
  std::string_view digits = s;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (!negative && s.size() > 2 && s.substr(0, 2) == "0x") {
    base = 16;
    digits = s.substr(2);
    if (!AllOf(digits, Hex)) return std::nullopt;
  } else if (!negative && s.size() > 2 && s.substr(0, 2) == "0o") {
    base = 8;
    digits = s.substr(2);
    if (!AllOf(digits, Oct)) return std::nullopt;
  } else if (!AllOf(digits, Dec)) {
    return std::nullopt;
  }
  uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    // Beyond 64 bits: still a number, but only approximately; the field reader rejects it where an
    // integer is required.
    return json(std::strtod(std::string(s).c_str(), nullptr));
  }
  if (!negative) {
    if (magnitude <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return json(static_cast<int64_t>(magnitude));
    }
    return json(magnitude);
  }
  if (magnitude <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) {
    return json(static_cast<int64_t>(0 - magnitude));
  }
  return json(-static_cast<double>(magnitude));
}

std::optional<json> ResolveFloat(std::string_view s) {
  std::string_view body = s;
  const bool negative = !body.empty() && body[0] == '-';
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.remove_prefix(1);
  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    return json(negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity());
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return json(std::numeric_limits<double>::quiet_NaN());
  // [0-9]* ( "." [0-9]* )? ( [eE] [-+]? [0-9]+ )? with at least one mantissa digit.
  size_t i = 0;
  size_t mantissa_digits = 0;
  while (i < body.size() && Dec(body[i])) ++i, ++mantissa_digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && Dec(body[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return std::nullopt;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '-' || body[i] == '+')) ++i;
    if (i >= body.size() || !AllOf(body.substr(i), Dec)) return std::nullopt;
    i = body.size();
  }
  if (i != body.size()) return std::nullopt;
  return json(std::strtod(std::string(s).c_str(), nullptr));
}

json ResolvePlain(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return json(nullptr);
  if (s == "true" || s == "True" || s == "TRUE") return json(true);
  if (s == "false" || s == "False" || s == "FALSE") return json(false);
  if (auto i = ResolveInteger(s)) return *i;
  if (auto f = ResolveFloat(s)) return *f;
  return json(s);
}

constexpr const char* kCoreTagPrefix = "tag:yaml.org,2002:";

class JsonBuilder : public YAML::EventHandler {
 public:
  explicit JsonBuilder(const YamlLimits& limits) : limits_(limits) {}

  json TakeDocument() { return std::move(root_); }

  void OnDocumentStart(const YAML::Mark&) override {
    root_ = json();
    stack_.clear();
    anchors_.clear();
    values_ = 0;
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (ExpectingKey()) Fail(mark, "null mapping keys are not supported");
    Add(mark, json(nullptr), 1, anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) Fail(mark, "alias to an unknown anchor");
    if (ExpectingKey()) Fail(mark, "aliases as mapping keys are not supported");
    // Count before copying so that a bomb fails before it allocates.
    Count(mark, it->second.values);
    Insert(mark, json(it->second.value));
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (ExpectingKey()) {
      if (value == "<<" && tag == "?") Fail(mark, "merge keys (<<) are not supported");
      Count(mark, 1);
      if (stack_.back().value.contains(value)) Fail(mark, "duplicate key \"" + value + "\"");
      stack_.back().key = value;
      return;
    }
    Add(mark, Resolve(mark, tag, value), 1, anchor);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    CheckCollectionTag(mark, tag, "seq");
    Open(mark, json::array(), anchor);
  }
  void OnSequenceEnd() override { Close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    CheckCollectionTag(mark, tag, "map");
    Open(mark, json::object(), anchor);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Frame {
    json value;
    std::optional<std::string> key;  // for maps: the key whose value comes next
    YAML::anchor_t anchor;
    YAML::Mark mark;
    size_t values_at_open;
  };
  struct Anchored {
    json value;
    size_t values;
  };

  bool ExpectingKey() const { return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().key; }

  void Count(const YAML::Mark& mark, size_t n) {
    values_ += n;
    if (values_ > limits_.max_values) {
      throw ConversionError{Status::TooLarge("line " + std::to_string(mark.line + 1) + ": document has more than " +
                                             std::to_string(limits_.max_values) +
                                             " values (aliases count once per use)")};
    }
  }

  void Open(const YAML::Mark& mark, json empty, YAML::anchor_t anchor) {
    if (ExpectingKey()) Fail(mark, "mapping keys must be scalars");
    if (stack_.size() >= limits_.max_depth) {
      throw ConversionError{Status::TooLarge("line " + std::to_string(mark.line + 1) + ": nesting deeper than " +
                                             std::to_string(limits_.max_depth) + " levels")};
    }
    Count(mark, 1);
    stack_.push_back(Frame{std::move(empty), std::nullopt, anchor, mark, values_});
  }

  void Close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    const size_t values = values_ - frame.values_at_open + 1;
    if (frame.anchor != YAML::NullAnchor) anchors_[frame.anchor] = Anchored{frame.value, values};
    Insert(frame.mark, std::move(frame.value));
  }

  void Add(const YAML::Mark& mark, json value, size_t values, YAML::anchor_t anchor) {
    Count(mark, values);
    if (anchor != YAML::NullAnchor) anchors_[anchor] = Anchored{value, values};
    Insert(mark, std::move(value));
  }

  void Insert(const YAML::Mark&, json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return;
    }
    Frame& top = stack_.back();
    if (top.value.is_array()) {
      top.value.push_back(std::move(value));
    } else {
      top.value[*top.key] = std::move(value);
      top.key.reset();
    }
  }

  void CheckCollectionTag(const YAML::Mark& mark, const std::string& tag, const std::string& kind) {
    if (tag.empty() || tag == "?" || tag == "!" || tag == kCoreTagPrefix + kind) return;
    Fail(mark, "unsupported tag \"" + tag + "\"");
  }

  json Resolve(const YAML::Mark& mark, const std::string& tag, const std::string& value) {
    if (tag == "!") return json(value);  // quoted or block scalar
    if (tag == "?" || tag.empty()) return ResolvePlain(value);
    if (tag.rfind(kCoreTagPrefix, 0) != 0) Fail(mark, "unsupported tag \"" + tag + "\"");
    const std::string core = tag.substr(std::string(kCoreTagPrefix).size());
    if (core == "str") return json(value);
    json resolved = ResolvePlain(value);
    const bool fits = (core == "null" && resolved.is_null()) || (core == "bool" && resolved.is_boolean()) ||
                      (core == "int" && resolved.is_number_integer()) ||
                      (core == "float" && resolved.is_number());
    if (!fits) Fail(mark, "\"" + value + "\" is not a valid !!" + core);
    if (core == "float") return json(resolved.get<double>());
    return resolved;
  }

  const YamlLimits& limits_;
  json root_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Anchored> anchors_;
  size_t values_ = 0;
};

}  // namespace

YamlDocuments YamlToJson(const std::string& text, const YamlLimits& limits) {
  YamlDocuments out;
  if (text.size() > limits.max_bytes) {
    out.error = Status::TooLarge("YAML stream of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                                 std::to_string(limits.max_bytes));
    return out;
  }
  std::istringstream in(text);
  JsonBuilder builder(limits);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
      if (out.documents.size() == limits.max_documents) {
        out.error = Status::TooLarge("YAML stream has more than " + std::to_string(limits.max_documents) + " documents");
        break;
      }
      out.documents.push_back(builder.TakeDocument());
    }
  } catch (const ConversionError& e) {
    out.error = e.status;
  } catch (const YAML::Exception& e) {
    out.error = e.mark.is_null() ? Status::InvalidArgument("malformed YAML: " + e.msg)
                                 : Status::InvalidArgument("line " + std::to_string(e.mark.line + 1) + ", column " +
                                                           std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    out.error = Status::InvalidArgument(std::string("malformed YAML: ") + e.what());
  }
  return out;
}

}  // namespace zroute
