#include "common/cloudevents/http_binding.h"

#include <string_view>

#include "common/cloudevents/attribute_rules.h"
#include "common/cloudevents/json_format.h"

namespace zroute {
namespace {

constexpr std::string_view kHeaderPrefix = "ce-";
constexpr std::string_view kStructuredPrefix = "application/cloudevents+";
constexpr std::string_view kBatchPrefix = "application/cloudevents-batch+";
constexpr char kHex[] = "0123456789ABCDEF";

bool NeedsEncoding(unsigned char c) { return c < 0x21 || c > 0x7e || c == '"' || c == '%'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const std::string* FindHeader(const HttpHeaders& headers, const char* name) {
  auto it = headers.find(name);
  return it == headers.end() ? nullptr : &it->second;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// "ce-<something>", the prefix in any case (names are lower-case by contract; this is defence).
bool IsCeHeader(std::string_view name) {
  return name.size() > kHeaderPrefix.size() && (name[0] | 0x20) == 'c' && (name[1] | 0x20) == 'e' && name[2] == '-';
}

// RFC 7230 quoted-string: the quotes removed and each quoted-pair "\x" replaced by x.
StatusOr<std::string> Unquote(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 1; i + 1 < value.size(); ++i) {
    char c = value[i];
    if (c == '\\') {
      if (i + 2 >= value.size()) return Status::InvalidArgument("quoted header value ends in a lone backslash");
      out.push_back(value[++i]);
    } else if (c == '"') {
      return Status::InvalidArgument("quoted header value has an unescaped '\"' inside");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Status AttributeTooLarge(std::string_view name, size_t size, const DecodeLimits& limits) {
  return Status::TooLarge("attribute '" + std::string(name.substr(0, 32)) + "' is " + std::to_string(size) +
                          " bytes, over the limit of " + std::to_string(limits.max_attribute_bytes));
}

Status CheckLimits(const CloudEvent& event, const DecodeLimits& limits) {
  size_t attributes = event.extensions.size();
  const std::pair<const char*, const std::string*> core[] = {
      {"id", &event.id},
      {"source", &event.source},
      {"specversion", &event.specversion},
      {"type", &event.type},
      {"datacontenttype", &event.datacontenttype},
      {"dataschema", &event.dataschema},
      {"subject", &event.subject},
      {"time", &event.time},
  };
  for (const auto& [name, value] : core) {
    if (value->empty()) continue;
    ++attributes;
    if (value->size() > limits.max_attribute_bytes) return AttributeTooLarge(name, value->size(), limits);
  }
  if (attributes > limits.max_attributes) {
    return Status::InvalidArgument("event has " + std::to_string(attributes) + " attributes, over the limit of " +
                                   std::to_string(limits.max_attributes));
  }
  for (const auto& [name, value] : event.extensions) {
    if (value.size() > limits.max_attribute_bytes) return AttributeTooLarge(name, value.size(), limits);
  }
  size_t bytes = event.ByteSize();
  if (bytes > limits.max_event_bytes) {
    return Status::TooLarge("event of " + std::to_string(bytes) + " bytes is over the limit of " +
                            std::to_string(limits.max_event_bytes));
  }
  return Status::OK();
}

// Copies every `ce-*` header into *event. Limits are checked on the raw headers first so that a
// flood of headers or a huge value is refused before it is decoded.
Status ApplyCeHeaders(const HttpHeaders& headers, const DecodeLimits& limits, CloudEvent* event) {
  size_t count = 0;
  for (const auto& [header, raw] : headers) {
    if (!IsCeHeader(header)) continue;
    std::string name = ToLower(std::string_view(header).substr(kHeaderPrefix.size()));
    if (++count > limits.max_attributes) {
      return Status::InvalidArgument("more than " + std::to_string(limits.max_attributes) + " ce- attributes");
    }
    if (name == "data" || name == "data_base64") {
      return Status::InvalidArgument("attribute 'ce-" + name + "' is not allowed: the body is the data");
    }
    // An encoded value is at most 3 times (plus quotes) the decoded one.
    if (raw.size() > 3 * limits.max_attribute_bytes + 2) return AttributeTooLarge("ce-" + name, raw.size(), limits);
    StatusOr<std::string> value = PercentDecodeHeaderValue(raw);
    if (!value.ok()) return value.status().WithContext("attribute 'ce-" + name.substr(0, 32) + "'");
    if (name == "datacontenttype" && FindHeader(headers, "content-type") != nullptr) continue;
    event->SetAttribute(name, std::move(value).value());
  }
  if (const std::string* content_type = FindHeader(headers, "content-type")) {
    event->datacontenttype = *content_type;
  }
  return Status::OK();
}

Status CheckBody(size_t size, const DecodeLimits& limits) {
  if (size > limits.max_body_bytes) {
    return Status::TooLarge("request body of " + std::to_string(size) + " bytes is over the limit of " +
                            std::to_string(limits.max_body_bytes));
  }
  return Status::OK();
}

// `owned`, when not null, holds the same bytes as `body` and may be moved from.
StatusOr<std::vector<CloudEvent>> Decode(const HttpHeaders& headers, std::string_view body, std::string* owned,
                                         const DecodeLimits& limits, const WrapDefaults& wrap) {
  ZR_RETURN_IF_ERROR(CheckBody(body.size(), limits));
  HttpEventMode mode = DetectMode(headers);
  std::vector<CloudEvent> events;
  if (mode == HttpEventMode::kStructured || mode == HttpEventMode::kBatch) {
    std::string type = MediaTypeOf(*FindHeader(headers, "content-type"));
    bool batch = mode == HttpEventMode::kBatch;
    if (type != (batch ? "application/cloudevents-batch+json" : "application/cloudevents+json")) {
      return Status::InvalidArgument("unsupported event format '" + type.substr(0, 64) + "'");
    }
    if (batch) {
      ZR_ASSIGN_OR_RETURN(events, ParseEventBatch(body, limits.max_batch_events));
    } else {
      ZR_ASSIGN_OR_RETURN(CloudEvent event, ParseStructuredEvent(body));
      events.push_back(std::move(event));
    }
    for (size_t i = 0; i < events.size(); ++i) {
      Status status = CheckLimits(events[i], limits);
      if (!status.ok()) return batch ? status.WithContext("batch element " + std::to_string(i)) : status;
    }
    return events;
  }

  if (body.size() > limits.max_event_bytes) {
    return Status::TooLarge("body of " + std::to_string(body.size()) + " bytes is over the event limit of " +
                            std::to_string(limits.max_event_bytes));
  }
  CloudEvent event;
  event.specversion.clear();
  ZR_RETURN_IF_ERROR(ApplyCeHeaders(headers, limits, &event));
  if (mode == HttpEventMode::kBinary) {
    for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"ce-specversion", &event.specversion},
                                      {"ce-id", &event.id},
                                      {"ce-source", &event.source},
                                      {"ce-type", &event.type}}) {
      if (value->empty()) return Status::InvalidArgument(std::string("missing required attribute '") + name + "'");
    }
  } else {
    if (event.specversion.empty()) event.specversion = "1.0";
    if (event.id.empty() && wrap.new_id) event.id = wrap.new_id();
    if (event.source.empty()) event.source = wrap.source;
    if (event.type.empty()) event.type = wrap.type;
    if (event.time.empty() && wrap.now_rfc3339) event.time = wrap.now_rfc3339();
  }
  event.data = owned != nullptr ? std::move(*owned) : std::string(body);
  ZR_RETURN_IF_ERROR(ValidateCloudEvent(event));
  ZR_RETURN_IF_ERROR(CheckLimits(event, limits));
  events.push_back(std::move(event));
  return events;
}

}  // namespace

HttpEventMode DetectMode(const HttpHeaders& headers) {
  if (const std::string* content_type = FindHeader(headers, "content-type")) {
    std::string type = MediaTypeOf(*content_type);
    if (type.starts_with(kStructuredPrefix)) return HttpEventMode::kStructured;
    if (type.starts_with(kBatchPrefix)) return HttpEventMode::kBatch;
  }
  if (FindHeader(headers, "ce-specversion") != nullptr) return HttpEventMode::kBinary;
  return HttpEventMode::kPlain;
}

StatusOr<std::vector<CloudEvent>> DecodeHttpRequest(const HttpHeaders& headers, const std::string& body,
                                                    const DecodeLimits& limits, const WrapDefaults& wrap) {
  return Decode(headers, body, nullptr, limits, wrap);
}

StatusOr<std::vector<CloudEvent>> DecodeHttpRequest(const HttpHeaders& headers, std::string&& body,
                                                    const DecodeLimits& limits, const WrapDefaults& wrap) {
  return Decode(headers, body, &body, limits, wrap);
}

void EncodeBinaryMode(const CloudEvent& event, HttpHeaders* headers, std::string* body) {
  auto put = [headers](std::string name, const std::string& value) {
    (*headers)[std::move(name)] = PercentEncodeHeaderValue(value);
  };
  put("ce-specversion", event.specversion);
  put("ce-id", event.id);
  put("ce-source", event.source);
  put("ce-type", event.type);
  if (!event.dataschema.empty()) put("ce-dataschema", event.dataschema);
  if (!event.subject.empty()) put("ce-subject", event.subject);
  if (!event.time.empty()) put("ce-time", event.time);
  for (const auto& [name, value] : event.extensions) put(std::string(kHeaderPrefix) + name, value);
  if (!event.datacontenttype.empty()) {
    // Content-Type is a plain header: anything but printable ASCII could split or corrupt it.
    // Validated events have nothing else; this guards unvalidated ones.
    std::string& content_type = (*headers)["content-type"];
    content_type.clear();
    for (char c : event.datacontenttype) {
      if (IsHeaderSafeChar(c)) content_type.push_back(c);
    }
  }
  *body = event.data;
}

std::string PercentEncodeHeaderValue(const std::string& value) {
  size_t extra = 0;
  for (unsigned char c : value) extra += NeedsEncoding(c) ? 2 : 0;
  if (extra == 0) return value;
  std::string out;
  out.reserve(value.size() + extra);
  for (unsigned char c : value) {
    if (NeedsEncoding(c)) {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

StatusOr<std::string> PercentDecodeHeaderValue(const std::string& value) {
  std::string unquoted;
  std::string_view in = value;
  if (in.size() >= 2 && in.front() == '"' && in.back() == '"') {
    ZR_ASSIGN_OR_RETURN(unquoted, Unquote(in));
    in = unquoted;
  }
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    int hi = i + 1 < in.size() ? HexValue(in[i + 1]) : -1;
    int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("malformed percent-escape at offset " + std::to_string(i));
    }
    out.push_back(static_cast<char>(hi << 4 | lo));
    i += 2;
  }
  if (!IsValidUtf8(out)) return Status::InvalidArgument("percent-decoded value is not valid UTF-8");
  return out;
}

}  // namespace zroute
