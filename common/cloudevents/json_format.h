// The CloudEvents JSON event format (v1.0.2).
//
// `data` is written as JSON when datacontenttype is JSON (application/json or +json) and the
// bytes parse as JSON, as a string when it is text, and as `data_base64` otherwise. On parse, a
// JSON `data` value is kept as its compact serialization (strings as their contents when the
// datacontenttype is not JSON), `data_base64` is decoded; both present is an error. Extension
// values that are JSON numbers or booleans are kept in their canonical string form.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/cloudevents/cloud_event.h"
#include "common/util/status.h"

namespace zroute {

// Parses one event from a JSON object and validates it.
StatusOr<CloudEvent> CloudEventFromJson(const nlohmann::json& object);
nlohmann::json CloudEventToJson(const CloudEvent& event);

// Parses text holding one event (structured mode) or an array of events (batched mode).
StatusOr<CloudEvent> ParseStructuredEvent(const std::string& text);
StatusOr<std::vector<CloudEvent>> ParseEventBatch(const std::string& text, size_t max_events);
std::string SerializeStructuredEvent(const CloudEvent& event);
std::string SerializeEventBatch(const std::vector<CloudEvent>& events);

}  // namespace zroute
