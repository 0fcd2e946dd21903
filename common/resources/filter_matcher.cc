#include "common/resources/filter_matcher.h"

#include <optional>
#include <string>

namespace zroute {
namespace {

// Any attribute by name, core or extension; nullopt when absent (an empty optional core attribute
// is absent, as cloud_event.h defines).
std::optional<std::string> Lookup(const CloudEvent& event, const std::string& name) {
  const std::string* core = nullptr;
  if (name == "id") core = &event.id;
  else if (name == "source") core = &event.source;
  else if (name == "specversion") core = &event.specversion;
  else if (name == "type") core = &event.type;
  else if (name == "datacontenttype") core = &event.datacontenttype;
  else if (name == "dataschema") core = &event.dataschema;
  else if (name == "subject") core = &event.subject;
  else if (name == "time") core = &event.time;
  if (core != nullptr) {
    if (core->empty()) return std::nullopt;
    return *core;
  }
  auto it = event.extensions.find(name);
  if (it == event.extensions.end()) return std::nullopt;
  return it->second;
}

bool StartsWith(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }
bool EndsWith(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

bool AttributesMatch(const Filter& filter, const CloudEvent& event) {
  for (const auto& [name, expected] : filter.attributes) {
    const std::optional<std::string> actual = Lookup(event, name);
    if (!actual) return false;
    switch (filter.kind) {
      case Filter::Kind::kExact:
        if (*actual != expected) return false;
        break;
      case Filter::Kind::kPrefix:
        if (!StartsWith(*actual, expected)) return false;
        break;
      case Filter::Kind::kSuffix:
        if (!EndsWith(*actual, expected)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

}  // namespace

bool FilterMatches(const Filter& filter, const CloudEvent& event) {
  switch (filter.kind) {
    case Filter::Kind::kExact:
    case Filter::Kind::kPrefix:
    case Filter::Kind::kSuffix:
      return AttributesMatch(filter, event);
    case Filter::Kind::kAll:
      return FiltersMatch(filter.children, event);
    case Filter::Kind::kAny:
      for (const Filter& child : filter.children) {
        if (FilterMatches(child, event)) return true;
      }
      return false;
    case Filter::Kind::kNot:
      // Validation guarantees one child; a malformed `not` without one excludes everything.
      return filter.children.size() == 1 && !FilterMatches(filter.children[0], event);
  }
  return false;
}

bool FiltersMatch(const std::vector<Filter>& filters, const CloudEvent& event) {
  for (const Filter& filter : filters) {
    if (!FilterMatches(filter, event)) return false;
  }
  return true;
}

}  // namespace zroute
