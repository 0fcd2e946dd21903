#include "tests/support/fake_kube/label_selector.h"

#include <algorithm>
#include <cctype>

namespace zroute::testing {
namespace {

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool ValidToken(const std::string& s) {
  if (s.empty() || s.size() > 316) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/';
  });
}

// Splits on commas that are not inside parentheses.
StatusOr<std::vector<std::string>> SplitTopLevel(const std::string& text) {
  std::vector<std::string> parts;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (depth < 0 || depth > 1) return Status::InvalidArgument("unbalanced parentheses in selector");
    if (c == ',' && depth == 0) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (depth != 0) return Status::InvalidArgument("unbalanced parentheses in selector");
  parts.push_back(cur);
  return parts;
}

}  // namespace

StatusOr<LabelSelector> LabelSelector::Parse(const std::string& text) {
  LabelSelector sel;
  if (Trim(text).empty()) return sel;
  ZR_ASSIGN_OR_RETURN(auto parts, SplitTopLevel(text));
  for (const std::string& raw : parts) {
    std::string part = Trim(raw);
    if (part.empty()) return Status::InvalidArgument("empty requirement in selector");
    Requirement req;
    size_t pos;
    if (part[0] == '!') {
      req.key = Trim(part.substr(1));
      req.op = Op::kNotExists;
    } else if ((pos = part.find("!=")) != std::string::npos) {
      req.key = Trim(part.substr(0, pos));
      req.op = Op::kNotEquals;
      req.values = {Trim(part.substr(pos + 2))};
    } else if ((pos = part.find("==")) != std::string::npos) {
      req.key = Trim(part.substr(0, pos));
      req.op = Op::kEquals;
      req.values = {Trim(part.substr(pos + 2))};
    } else if ((pos = part.find('=')) != std::string::npos) {
      req.key = Trim(part.substr(0, pos));
      req.op = Op::kEquals;
      req.values = {Trim(part.substr(pos + 1))};
    } else if ((pos = part.find('(')) != std::string::npos) {
      if (part.back() != ')') return Status::InvalidArgument("set requirement must end with ')'");
      std::string head = Trim(part.substr(0, pos));
      size_t sp = head.find_last_of(" \t");
      if (sp == std::string::npos) return Status::InvalidArgument("set requirement needs an operator");
      std::string op = head.substr(sp + 1);
      req.key = Trim(head.substr(0, sp));
      if (op == "in") {
        req.op = Op::kIn;
      } else if (op == "notin") {
        req.op = Op::kNotIn;
      } else {
        return Status::InvalidArgument("unknown set operator '" + op + "'");
      }
      std::string inner = part.substr(pos + 1, part.size() - pos - 2);
      size_t start = 0;
      while (true) {
        size_t comma = inner.find(',', start);
        std::string v = Trim(inner.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (!v.empty()) {
          if (!ValidToken(v)) return Status::InvalidArgument("invalid value '" + v + "'");
          req.values.push_back(v);
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      if (req.values.empty()) return Status::InvalidArgument("set requirement needs values");
    } else {
      req.key = part;
      req.op = Op::kExists;
    }
    if (!ValidToken(req.key)) return Status::InvalidArgument("invalid label key '" + req.key + "'");
    if ((req.op == Op::kEquals || req.op == Op::kNotEquals) && !req.values[0].empty() &&
        !ValidToken(req.values[0])) {
      return Status::InvalidArgument("invalid label value '" + req.values[0] + "'");
    }
    sel.requirements_.push_back(std::move(req));
  }
  return sel;
}

bool LabelSelector::Matches(const nlohmann::json& labels) const {
  for (const Requirement& r : requirements_) {
    bool has = labels.is_object() && labels.contains(r.key) && labels[r.key].is_string();
    std::string value = has ? labels[r.key].get<std::string>() : "";
    auto in_values = [&] { return std::find(r.values.begin(), r.values.end(), value) != r.values.end(); };
    switch (r.op) {
      case Op::kExists: if (!has) return false; break;
      case Op::kNotExists: if (has) return false; break;
      case Op::kEquals: if (!has || value != r.values[0]) return false; break;
      case Op::kNotEquals: if (has && value == r.values[0]) return false; break;
      case Op::kIn: if (!has || !in_values()) return false; break;
      case Op::kNotIn: if (has && in_values()) return false; break;
    }
  }
  return true;
}

}  // namespace zroute::testing
