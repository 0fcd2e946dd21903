// The CloudEvents JSON event format (v1.0.2).
//
// `data` is written as JSON when datacontenttype is JSON (application/json or +json) and the
// bytes parse as JSON, as a string when it is text, and as `data_base64` otherwise. On parse, a
// JSON `data` value is kept as its compact serialization (strings as their contents when the
// datacontenttype is not JSON), `data_base64` is decoded; both present is an error. Extension
// values that are JSON numbers or booleans are kept in their canonical string form.
// An absent datacontenttype means JSON, as the format says.
//
// Parsing errors are InvalidArgument naming the attribute or the JSON problem: a core attribute
// that is not a string, an extension that is an object or array, invalid base64, text that is not
// JSON, nesting deeper than kMaxJsonDepth (refused while reading, so hostile input cannot exhaust
// the stack). A JSON null attribute counts as absent; of a repeated member the last one counts.
// A batch over max_events is TooLarge.
//
// Text is read by json_event_reader.h and written directly, without a JSON tree; the results are
// those of CloudEventFromJson / CloudEventToJson on an nlohmann-json tree (the tests and the
// json_event fuzz target hold the two to it), at about a ninth of the time to read a 1 KiB text
// event and a fifth to write one. Exceptions from nlohmann-json never leave these functions.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/cloudevents/cloud_event.h"
#include "common/util/status.h"

namespace zroute {

constexpr size_t kMaxJsonDepth = 128;

// Parses one event from a JSON object and validates it.
StatusOr<CloudEvent> CloudEventFromJson(const nlohmann::json& object);
nlohmann::json CloudEventToJson(const CloudEvent& event);

// Parses text holding one event (structured mode) or an array of events (batched mode).
StatusOr<CloudEvent> ParseStructuredEvent(std::string_view text);
StatusOr<std::vector<CloudEvent>> ParseEventBatch(std::string_view text, size_t max_events);
std::string SerializeStructuredEvent(const CloudEvent& event);
std::string SerializeEventBatch(const std::vector<CloudEvent>& events);

}  // namespace zroute
