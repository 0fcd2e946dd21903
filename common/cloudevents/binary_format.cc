#include "common/cloudevents/binary_format.h"

#include <array>
#include <cassert>
#include <cstring>

#include "common/cloudevents/attribute_rules.h"

namespace zroute {
namespace {

// Core attributes in encoding order; the order is part of the format.
constexpr std::array<std::string CloudEvent::*, 8> kCoreOrder = {
    &CloudEvent::id,   &CloudEvent::source,          &CloudEvent::specversion, &CloudEvent::type,
    &CloudEvent::datacontenttype, &CloudEvent::dataschema, &CloudEvent::subject, &CloudEvent::time,
};

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

size_t StringSize(const std::string& s) { return VarintSize(s.size()) + s.size(); }

// Writes into pre-sized memory; returns the next position.
char* PutVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

char* PutString(char* p, const std::string& s) {
  p = PutVarint(p, s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// Reads from [pos, end) of the input; every failure is a Status naming what was being read.
class Reader {
 public:
  explicit Reader(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

  Status Varint(const char* what, uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return Status::Corruption(std::string("truncated varint in ") + what);
      uint8_t byte = static_cast<uint8_t>(*p_++);
      if (shift == 63 && byte > 1) return Status::Corruption(std::string("varint overflow in ") + what);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (byte < 0x80) {
        if (byte == 0 && shift > 0) return Status::Corruption(std::string("non-minimal varint in ") + what);
        *out = v;
        return Status::OK();
      }
    }
    return Status::Corruption(std::string("varint overflow in ") + what);
  }

  // A length-prefixed byte string, viewed in place.
  Status String(const char* what, std::string_view* out) {
    uint64_t length;
    ZR_RETURN_IF_ERROR(Varint(what, &length));
    if (length > remaining()) {
      return Status::Corruption(std::string("truncated ") + what + ": length " + std::to_string(length) +
                                " exceeds the " + std::to_string(remaining()) + " bytes left");
    }
    *out = std::string_view(p_, static_cast<size_t>(length));
    p_ += length;
    return Status::OK();
  }

  Status Byte(const char* what, uint8_t* out) {
    if (p_ == end_) return Status::Corruption(std::string("truncated ") + what);
    *out = static_cast<uint8_t>(*p_++);
    return Status::OK();
  }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace

size_t EventBinarySize(const CloudEvent& event) {
  size_t size = 1;
  for (auto member : kCoreOrder) size += StringSize(event.*member);
  size += VarintSize(event.extensions.size());
  for (const auto& [name, value] : event.extensions) size += StringSize(name) + StringSize(value);
  size += StringSize(event.data);
  return size;
}

void AppendEventBinary(const CloudEvent& event, std::string* out) {
  size_t size = EventBinarySize(event);
  size_t start = out->size();
  // resize() zero-fills once; the bytes are then written in place without per-field reallocation.
  out->resize(start + size);
  char* p = out->data() + start;
  *p++ = static_cast<char>(kEventBinaryVersion);
  for (auto member : kCoreOrder) p = PutString(p, event.*member);
  p = PutVarint(p, event.extensions.size());
  for (const auto& [name, value] : event.extensions) {
    p = PutString(p, name);
    p = PutString(p, value);
  }
  p = PutString(p, event.data);
  assert(p == out->data() + out->size());
}

std::string EncodeEventBinary(const CloudEvent& event) {
  std::string out;
  AppendEventBinary(event, &out);
  return out;
}

Status DecodeEventBinaryInto(std::string_view encoded, CloudEvent* event) {
  Reader in(encoded);
  uint8_t version;
  ZR_RETURN_IF_ERROR(in.Byte("version", &version));
  if (version != kEventBinaryVersion) {
    return Status::InvalidArgument("unknown event encoding version " + std::to_string(version));
  }
  static constexpr const char* kCoreNames[] = {"id", "source", "specversion", "type",
                                               "datacontenttype", "dataschema", "subject", "time"};
  std::string_view field;
  for (size_t i = 0; i < kCoreOrder.size(); ++i) {
    ZR_RETURN_IF_ERROR(in.String(kCoreNames[i], &field));
    (event->*kCoreOrder[i]).assign(field);
  }
  uint64_t count;
  ZR_RETURN_IF_ERROR(in.Varint("extension count", &count));
  // Each extension takes at least two bytes; this bounds the loop by the input size.
  if (count > in.remaining() / 2) {
    return Status::Corruption("extension count " + std::to_string(count) + " exceeds the input");
  }
  event->extensions.clear();
  std::string_view previous;
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view name, value;
    ZR_RETURN_IF_ERROR(in.String("extension name", &name));
    ZR_RETURN_IF_ERROR(in.String("extension value", &value));
    if (i > 0 && name <= previous) return Status::Corruption("extension names out of order or repeated");
    if (!IsValidExtensionName(name)) {
      return Status::InvalidArgument("invalid extension name '" + std::string(name.substr(0, 32)) + "'");
    }
    event->extensions.emplace_hint(event->extensions.end(), name, value);
    previous = name;
  }
  ZR_RETURN_IF_ERROR(in.String("data", &field));
  event->data.assign(field);
  if (in.remaining() != 0) {
    return Status::Corruption(std::to_string(in.remaining()) + " trailing bytes after the event");
  }
  return Status::OK();
}

StatusOr<CloudEvent> DecodeEventBinary(std::string_view encoded) {
  CloudEvent event;
  ZR_RETURN_IF_ERROR(DecodeEventBinaryInto(encoded, &event));
  return event;
}

}  // namespace zroute
