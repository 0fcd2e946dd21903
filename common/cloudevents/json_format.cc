#include "common/cloudevents/json_format.h"

#include <nlohmann/json.hpp>

#include "common/cloudevents/attribute_rules.h"
#include "common/cloudevents/base64.h"

namespace zroute {
namespace {

using nlohmann::json;

// Compact, and never throwing: invalid UTF-8 in an unvalidated event becomes U+FFFD.
std::string Dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

// nlohmann-json parses iteratively but serializes recursively, so deep nesting is refused up front
// by a linear scan that tracks brackets outside strings.
Status CheckDepth(std::string_view text, size_t max_depth = kMaxJsonDepth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return Status::InvalidArgument("JSON nested deeper than " + std::to_string(max_depth) + " levels");
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return Status::OK();
}

StatusOr<json> ParseJson(std::string_view text) {
  ZR_RETURN_IF_ERROR(CheckDepth(text));
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("malformed JSON: ") + e.what());
  }
}

std::string* CoreMember(CloudEvent* event, const std::string& name) {
  switch (name.size()) {
    case 2: return name == "id" ? &event->id : nullptr;
    case 4: return name == "type" ? &event->type : name == "time" ? &event->time : nullptr;
    case 6: return name == "source" ? &event->source : nullptr;
    case 7: return name == "subject" ? &event->subject : nullptr;
    case 10: return name == "dataschema" ? &event->dataschema : nullptr;
    case 11: return name == "specversion" ? &event->specversion : nullptr;
    case 15: return name == "datacontenttype" ? &event->datacontenttype : nullptr;
    default: return nullptr;
  }
}

Status ExtensionValue(const std::string& name, const json& value, std::string* out) {
  switch (value.type()) {
    case json::value_t::string: *out = value.get_ref<const std::string&>(); return Status::OK();
    case json::value_t::boolean: *out = value.get<bool>() ? "true" : "false"; return Status::OK();
    case json::value_t::number_integer: *out = std::to_string(value.get<int64_t>()); return Status::OK();
    case json::value_t::number_unsigned: *out = std::to_string(value.get<uint64_t>()); return Status::OK();
    case json::value_t::number_float: *out = Dump(value); return Status::OK();
    default:
      return Status::InvalidArgument("attribute '" + name.substr(0, 32) + "' must be a string, number or boolean");
  }
}

// Sets event.data from the JSON form; `data` and `data_base64` are never both set.
Status DecodeData(const json* data, const json* data_base64, CloudEvent* event) {
  if (data != nullptr && data_base64 != nullptr) {
    return Status::InvalidArgument("attributes 'data' and 'data_base64' are both present");
  }
  if (data_base64 != nullptr) {
    if (!data_base64->is_string()) return Status::InvalidArgument("attribute 'data_base64' must be a string");
    StatusOr<std::string> bytes = Base64Decode(data_base64->get_ref<const std::string&>());
    if (!bytes.ok()) return bytes.status().WithContext("attribute 'data_base64'");
    event->data = std::move(bytes).value();
  } else if (data != nullptr) {
    if (data->is_string() && !IsJsonMediaType(event->datacontenttype)) {
      event->data = data->get_ref<const std::string&>();
    } else {
      event->data = Dump(*data);
    }
  }
  return Status::OK();
}

void EncodeData(const CloudEvent& event, json* object) {
  if (event.data.empty()) return;
  // Data nested as deep as the parser allows would not parse back once inside an event inside a
  // batch; such data goes out as data_base64.
  if (IsJsonMediaType(event.datacontenttype) && CheckDepth(event.data, kMaxJsonDepth - 2).ok()) {
    json parsed = json::parse(event.data.begin(), event.data.end(), nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) {
      (*object)["data"] = std::move(parsed);
      return;
    }
  } else if (IsTextMediaType(event.datacontenttype) && IsValidUtf8(event.data)) {
    (*object)["data"] = event.data;
    return;
  }
  (*object)["data_base64"] = Base64Encode(event.data);
}

}  // namespace

StatusOr<CloudEvent> CloudEventFromJson(const json& object) {
  if (!object.is_object()) return Status::InvalidArgument("a CloudEvent must be a JSON object");
  CloudEvent event;
  event.specversion.clear();
  const json* data = nullptr;
  const json* data_base64 = nullptr;
  for (const auto& [name, value] : object.items()) {
    if (value.is_null()) continue;  // null is absent for optional attributes
    if (name == "data") {
      data = &value;
    } else if (name == "data_base64") {
      data_base64 = &value;
    } else if (std::string* member = CoreMember(&event, name)) {
      if (!value.is_string()) return Status::InvalidArgument("attribute '" + name + "' must be a string");
      *member = value.get_ref<const std::string&>();
    } else {
      std::string& slot = event.extensions[name];
      ZR_RETURN_IF_ERROR(ExtensionValue(name, value, &slot));
    }
  }
  ZR_RETURN_IF_ERROR(DecodeData(data, data_base64, &event));
  ZR_RETURN_IF_ERROR(ValidateCloudEvent(event));
  return event;
}

json CloudEventToJson(const CloudEvent& event) {
  json object = json::object();
  for (const auto& [name, value] : event.extensions) object[name] = value;
  object["specversion"] = event.specversion;
  object["id"] = event.id;
  object["source"] = event.source;
  object["type"] = event.type;
  if (!event.datacontenttype.empty()) object["datacontenttype"] = event.datacontenttype;
  if (!event.dataschema.empty()) object["dataschema"] = event.dataschema;
  if (!event.subject.empty()) object["subject"] = event.subject;
  if (!event.time.empty()) object["time"] = event.time;
  EncodeData(event, &object);
  return object;
}

StatusOr<CloudEvent> ParseStructuredEvent(std::string_view text) {
  ZR_ASSIGN_OR_RETURN(json object, ParseJson(text));
  return CloudEventFromJson(object);
}

StatusOr<std::vector<CloudEvent>> ParseEventBatch(std::string_view text, size_t max_events) {
  ZR_ASSIGN_OR_RETURN(json array, ParseJson(text));
  if (!array.is_array()) return Status::InvalidArgument("a batch must be a JSON array of events");
  if (array.size() > max_events) {
    return Status::TooLarge("batch of " + std::to_string(array.size()) + " events is over the limit of " +
                            std::to_string(max_events));
  }
  std::vector<CloudEvent> events;
  events.reserve(array.size());
  for (size_t i = 0; i < array.size(); ++i) {
    StatusOr<CloudEvent> event = CloudEventFromJson(array[i]);
    if (!event.ok()) return event.status().WithContext("batch element " + std::to_string(i));
    events.push_back(std::move(event).value());
  }
  return events;
}

std::string SerializeStructuredEvent(const CloudEvent& event) { return Dump(CloudEventToJson(event)); }

std::string SerializeEventBatch(const std::vector<CloudEvent>& events) {
  json array = json::array();
  for (const CloudEvent& event : events) array.push_back(CloudEventToJson(event));
  return Dump(array);
}

}  // namespace zroute
