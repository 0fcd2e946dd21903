// The reference for the JSON event reader (common/cloudevents/json_event_reader.h): the same text
// parsed into an nlohmann-json tree, nesting deeper than kMaxJsonDepth refused, and each event
// object turned into a CloudEvent by CloudEventFromJson. ParseStructuredEvent and ParseEventBatch
// must agree with it on every input: the same events, or the same status code.
// Shared by the unit tests and the json_event fuzz target.
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/cloudevents/json_format.h"

namespace zroute::testing {

// Depth of the deepest container (the outermost counts 1; a scalar is 0).
inline size_t TreeDepth(const nlohmann::json& value) {
  if (!value.is_structured()) return 0;
  size_t deepest = 0;
  for (const auto& child : value) deepest = std::max(deepest, TreeDepth(child));
  return deepest + 1;
}

inline StatusOr<nlohmann::json> OracleTree(std::string_view text) {
  nlohmann::json tree = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (tree.is_discarded()) return Status::InvalidArgument("malformed JSON");
  if (TreeDepth(tree) > kMaxJsonDepth) return Status::InvalidArgument("too deep");
  return tree;
}

inline StatusOr<CloudEvent> OracleStructuredEvent(std::string_view text) {
  ZR_ASSIGN_OR_RETURN(nlohmann::json tree, OracleTree(text));
  return CloudEventFromJson(tree);
}

inline StatusOr<std::vector<CloudEvent>> OracleEventBatch(std::string_view text, size_t max_events) {
  ZR_ASSIGN_OR_RETURN(nlohmann::json tree, OracleTree(text));
  if (!tree.is_array()) return Status::InvalidArgument("not an array");
  if (tree.size() > max_events) return Status::TooLarge("too many");
  std::vector<CloudEvent> events;
  for (const auto& element : tree) {
    ZR_ASSIGN_OR_RETURN(CloudEvent event, CloudEventFromJson(element));
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace zroute::testing
