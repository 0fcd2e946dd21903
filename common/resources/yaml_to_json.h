// Converts a YAML stream into one JSON value per document, so that one JSON-based parser serves
// both the YAML manifests of standalone mode and the JSON objects of the Kubernetes API.
//
// Scalars are typed by the YAML 1.2 core schema (the subset Kubernetes manifests use): quoted →
// string; plain null/~/empty → null, true/false → bool, decimal / 0x / 0o integers → integer,
// decimals and .inf/.nan → float, anything else → string. `!!str` forces a string.
//
// The input is hostile until proven otherwise: the conversion enforces a byte limit, a nesting
// limit and a limit on the number of values produced (which stops alias "billion laughs" bombs,
// since an alias copies its anchor's value), rejects duplicate and non-scalar mapping keys, and
// turns every yaml-cpp exception into a Status naming the line.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/util/status.h"

namespace zroute {

struct YamlLimits {
  size_t max_bytes = 8 << 20;      // whole stream
  size_t max_depth = 64;           // nested maps/sequences per document
  size_t max_values = 200 * 1000;  // values per document, aliases counted expanded
  size_t max_documents = 10 * 1000;  // documents per stream (also stops a parser that yields
                                     // documents without consuming input)
};

struct YamlDocuments {
  // Every document read before `error`, in order; an empty document becomes JSON null.
  std::vector<nlohmann::json> documents;
  // OK when the whole stream was read. Otherwise the reason reading stopped (a syntax error in
  // document documents.size() + 1, or a limit); documents before it remain usable.
  Status error;
};

YamlDocuments YamlToJson(const std::string& text, const YamlLimits& limits = {});

}  // namespace zroute
