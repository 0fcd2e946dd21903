// The errors a parse collected, one per line: what a failed expectation in the resource tests
// prints.
#pragma once

#include <string>

#include "common/resources/resource_parser.h"

namespace zroute::testing {

inline std::string Errors(const ResourceSet& set) {
  std::string out;
  for (const Status& s : set.errors) out += s.ToString() + "\n";
  return out;
}

}  // namespace zroute::testing
