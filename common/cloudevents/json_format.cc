#include "common/cloudevents/json_format.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/cloudevents/attribute_rules.h"
#include "common/cloudevents/base64.h"
#include "common/cloudevents/json_event_reader.h"

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

// How `data` is written: as JSON, as a string or as data_base64 (the rules in the header).
enum class DataForm { kNone, kJson, kText, kBase64 };

// For kJson, `parsed` holds the data parsed.
DataForm ChooseDataForm(const CloudEvent& event, json* parsed) {
  if (event.data.empty()) return DataForm::kNone;
  // Data nested as deep as the parser allows would not parse back once inside an event inside a
  // batch; such data goes out as data_base64.
  if (IsJsonMediaType(event.datacontenttype) && CheckDepth(event.data, kMaxJsonDepth - 2).ok()) {
    *parsed = json::parse(event.data.begin(), event.data.end(), nullptr, /*allow_exceptions=*/false);
    return parsed->is_discarded() ? DataForm::kBase64 : DataForm::kJson;
  }
  if (IsTextMediaType(event.datacontenttype) && IsValidUtf8(event.data)) return DataForm::kText;
  return DataForm::kBase64;
}

void EncodeData(const CloudEvent& event, json* object) {
  json parsed;
  switch (ChooseDataForm(event, &parsed)) {
    case DataForm::kNone: return;
    case DataForm::kJson: (*object)["data"] = std::move(parsed); return;
    case DataForm::kText: (*object)["data"] = event.data; return;
    case DataForm::kBase64: (*object)["data_base64"] = Base64Encode(event.data); return;
  }
}

// Appends `text` as a JSON string, byte for byte as Dump writes it: valid UTF-8 goes out as is but
// for '"', '\\' and control characters; anything else takes Dump's own path (U+FFFD
// replacement). Dump's encoder looks at every byte through a UTF-8 decoder; this copies runs.
// `known_valid`: the caller has checked IsValidUtf8(text) already.
void AppendJsonString(std::string_view text, std::string* out, bool known_valid = false) {
  if (!known_valid && !IsValidUtf8(text)) {
    *out += Dump(json(std::string(text)));
    return;
  }
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\b': *out += "\\b"; break;
      case '\f': *out += "\\f"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out->append(escaped, sizeof escaped);
      }
    }
  }
  out->append(text.data() + run, text.size() - run);
  out->push_back('"');
}

// Appends the event as CloudEventToJson + Dump would write it, without building the JSON tree
// (per 1 KiB text event on the delivery path: about 14 µs that way, mostly allocation and the
// per-byte encoder). Members in the order of nlohmann's std::map: sorted by name; an attribute
// replaces an extension of the same name, as the assignments in CloudEventToJson do.
void AppendEventJson(const CloudEvent& event, std::string* out) {
  struct Member {
    std::string_view name;
    std::string_view value;
    bool raw;  // value is JSON text already (the data member), not a string to quote
    bool valid_utf8 = false;  // value is known to be valid UTF-8
  };
  std::vector<Member> members;
  members.reserve(event.extensions.size() + 9);
  for (const auto& [name, value] : event.extensions) members.push_back({name, value, false, false});
  auto set = [&](std::string_view name, std::string_view value, bool raw = false, bool valid_utf8 = false) {
    for (Member& m : members) {
      if (m.name == name) {
        m = {name, value, raw, valid_utf8};
        return;
      }
    }
    members.push_back({name, value, raw, valid_utf8});
  };
  set("specversion", event.specversion);
  set("id", event.id);
  set("source", event.source);
  set("type", event.type);
  if (!event.datacontenttype.empty()) set("datacontenttype", event.datacontenttype);
  if (!event.dataschema.empty()) set("dataschema", event.dataschema);
  if (!event.subject.empty()) set("subject", event.subject);
  if (!event.time.empty()) set("time", event.time);
  std::string data_json;  // the data member's JSON text, when it is not event.data quoted
  json parsed;
  switch (ChooseDataForm(event, &parsed)) {
    case DataForm::kNone: break;
    case DataForm::kJson:
      data_json = Dump(parsed);
      set("data", data_json, /*raw=*/true);
      break;
    case DataForm::kText:  // ChooseDataForm checked its UTF-8
      set("data", event.data, /*raw=*/false, /*valid_utf8=*/true);
      break;
    case DataForm::kBase64:
      data_json = "\"" + Base64Encode(event.data) + "\"";  // base64 has nothing to escape
      set("data_base64", data_json, /*raw=*/true);
      break;
  }
  std::sort(members.begin(), members.end(), [](const Member& a, const Member& b) { return a.name < b.name; });
  out->push_back('{');
  for (size_t i = 0; i < members.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(members[i].name, out);
    out->push_back(':');
    if (members[i].raw) {
      out->append(members[i].value);
    } else {
      AppendJsonString(members[i].value, out, members[i].valid_utf8);
    }
  }
  out->push_back('}');
}

size_t EstimatedJsonSize(const CloudEvent& event) {
  size_t n = 160 + event.id.size() + event.source.size() + event.type.size() + event.time.size() +
             event.subject.size() + event.dataschema.size() + event.datacontenttype.size() + event.data.size() * 4 / 3;
  for (const auto& [name, value] : event.extensions) n += name.size() + value.size() + 6;
  return n;
}

// CloudEventFromJson for the members json_event_reader read: the same checks in the same order
// (members sorted by name), and the same event.
StatusOr<CloudEvent> CloudEventFromMembers(json_event_reader::Members members) {
  using Kind = json_event_reader::Member::Kind;
  CloudEvent event;
  event.specversion.clear();
  json_event_reader::Member* data = nullptr;
  json_event_reader::Member* data_base64 = nullptr;
  for (json_event_reader::Member& m : members) {
    if (m.kind == Kind::kNull) continue;  // null is absent for optional attributes
    if (m.name == "data") {
      data = &m;
    } else if (m.name == "data_base64") {
      data_base64 = &m;
    } else if (std::string* member = CoreMember(&event, m.name)) {
      if (m.kind != Kind::kString) return Status::InvalidArgument("attribute '" + m.name + "' must be a string");
      *member = std::move(m.text);
    } else {
      std::string& slot = event.extensions[m.name];
      switch (m.kind) {
        case Kind::kString: slot = std::move(m.text); break;
        case Kind::kTrue: slot = "true"; break;
        case Kind::kFalse: slot = "false"; break;
        case Kind::kNumber:  // as the tree holds it: integer, unsigned or floating point
          ZR_RETURN_IF_ERROR(ExtensionValue(m.name, json::parse(m.text, nullptr, false), &slot));
          break;
        default:
          return Status::InvalidArgument("attribute '" + m.name.substr(0, 32) + "' must be a string, number or boolean");
      }
    }
  }
  if (data != nullptr && data_base64 != nullptr) {
    return Status::InvalidArgument("attributes 'data' and 'data_base64' are both present");
  }
  if (data_base64 != nullptr) {
    if (data_base64->kind != Kind::kString) return Status::InvalidArgument("attribute 'data_base64' must be a string");
    StatusOr<std::string> bytes = Base64Decode(data_base64->text);
    if (!bytes.ok()) return bytes.status().WithContext("attribute 'data_base64'");
    event.data = std::move(bytes).value();
  } else if (data != nullptr) {
    switch (data->kind) {
      case Kind::kString:
        if (IsJsonMediaType(event.datacontenttype)) {
          AppendJsonString(data->text, &event.data, /*known_valid=*/true);  // the reader checked its UTF-8
        } else {
          event.data = std::move(data->text);
        }
        break;
      case Kind::kTrue: event.data = "true"; break;
      case Kind::kFalse: event.data = "false"; break;
      default: {  // a number, object or array: its compact serialization, as from the tree
        json value = json::parse(data->text, nullptr, false);
        if (value.is_discarded()) return Status::InvalidArgument("malformed JSON in attribute 'data'");
        event.data = Dump(value);
      }
    }
  }
  ZR_RETURN_IF_ERROR(ValidateCloudEvent(event));
  return event;
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
  ZR_ASSIGN_OR_RETURN(json_event_reader::Document doc, json_event_reader::ReadDocument(text));
  if (doc.top != json_event_reader::Document::Top::kObject) {
    return Status::InvalidArgument("a CloudEvent must be a JSON object");
  }
  return CloudEventFromMembers(std::move(*doc.objects[0]));
}

StatusOr<std::vector<CloudEvent>> ParseEventBatch(std::string_view text, size_t max_events) {
  ZR_ASSIGN_OR_RETURN(json_event_reader::Document doc, json_event_reader::ReadDocument(text));
  if (doc.top != json_event_reader::Document::Top::kArray) {
    return Status::InvalidArgument("a batch must be a JSON array of events");
  }
  if (doc.objects.size() > max_events) {
    return Status::TooLarge("batch of " + std::to_string(doc.objects.size()) + " events is over the limit of " +
                            std::to_string(max_events));
  }
  std::vector<CloudEvent> events;
  events.reserve(doc.objects.size());
  for (size_t i = 0; i < doc.objects.size(); ++i) {
    StatusOr<CloudEvent> event = doc.objects[i] ? CloudEventFromMembers(std::move(*doc.objects[i]))
                                                : Status::InvalidArgument("a CloudEvent must be a JSON object");
    if (!event.ok()) return event.status().WithContext("batch element " + std::to_string(i));
    events.push_back(std::move(event).value());
  }
  return events;
}

std::string SerializeStructuredEvent(const CloudEvent& event) {
  std::string out;
  out.reserve(EstimatedJsonSize(event));
  AppendEventJson(event, &out);
  return out;
}

std::string SerializeEventBatch(const std::vector<CloudEvent>& events) {
  size_t size = 2;
  for (const CloudEvent& event : events) size += EstimatedJsonSize(event) + 1;
  std::string out;
  out.reserve(size);
  out.push_back('[');
  for (size_t i = 0; i < events.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendEventJson(events[i], &out);
  }
  out.push_back(']');
  return out;
}

}  // namespace zroute
