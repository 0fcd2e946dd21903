#include "common/cloudevents/binary_format.h"

#include <array>
#include <cassert>
#include <cstring>
#include <map>

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

// Reads from the input. The hot path returns bools; the first failure is remembered and turned
// into a Status once, by Error().
class Reader {
 public:
  explicit Reader(std::string_view in)
      : p_(reinterpret_cast<const uint8_t*>(in.data())), end_(p_ + in.size()) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

  bool Varint(const char* what, uint64_t* out) {
    if (p_ != end_ && *p_ < 0x80) {  // lengths under 128: the common case
      *out = *p_++;
      return true;
    }
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return Fail(kTruncatedVarint, what);
      uint8_t byte = *p_++;
      if (shift == 63 && byte > 1) return Fail(kOverflow, what);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (byte < 0x80) {
        if (byte == 0 && shift > 0) return Fail(kNonMinimal, what);
        *out = v;
        return true;
      }
    }
    return Fail(kOverflow, what);
  }

  // A length-prefixed byte string, viewed in place.
  bool String(const char* what, std::string_view* out) {
    uint64_t length;
    if (!Varint(what, &length)) return false;
    if (length > remaining()) {
      length_ = length;
      return Fail(kTruncated, what);
    }
    *out = std::string_view(reinterpret_cast<const char*>(p_), static_cast<size_t>(length));
    p_ += length;
    return true;
  }

  bool Byte(const char* what, uint8_t* out) {
    if (p_ == end_) return Fail(kTruncated, what);
    *out = *p_++;
    return true;
  }

  Status Error() const {
    std::string what = what_;
    switch (error_) {
      case kTruncatedVarint: return Status::Corruption("truncated varint in " + what);
      case kOverflow: return Status::Corruption("varint overflow in " + what);
      case kNonMinimal: return Status::Corruption("non-minimal varint in " + what);
      case kTruncated:
        return Status::Corruption("truncated " + what + ": length " + std::to_string(length_) + " exceeds the " +
                                  std::to_string(remaining()) + " bytes left");
    }
    return Status::Internal("no reader error");
  }

 private:
  enum ErrorKind { kTruncatedVarint, kOverflow, kNonMinimal, kTruncated };

  bool Fail(ErrorKind kind, const char* what) {
    error_ = kind;
    what_ = what;
    return false;
  }

  const uint8_t* p_;
  const uint8_t* end_;
  ErrorKind error_ = kTruncated;
  const char* what_ = "";
  uint64_t length_ = 0;
};

// Replaces *extensions with the decoded ones, reusing the nodes and value buffers of names that
// are already there: consecutive events usually carry the same extension names.
class ExtensionMerger {
 public:
  explicit ExtensionMerger(std::map<std::string, std::string>* map) : map_(map), it_(map->begin()) {}

  // REQUIRES: names strictly increasing across calls.
  void Put(std::string_view name, std::string_view value) {
    while (it_ != map_->end() && std::string_view(it_->first) < name) it_ = map_->erase(it_);
    if (it_ != map_->end() && it_->first == name) {
      it_->second.assign(value);
      ++it_;
    } else {
      map_->emplace_hint(it_, name, value);
    }
  }

  void Finish() { map_->erase(it_, map_->end()); }

 private:
  std::map<std::string, std::string>* map_;
  std::map<std::string, std::string>::iterator it_;
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
  out->reserve(start + size);
  // The attributes are written in place into zero-filled room; the data, usually the bulk, is
  // appended so that its bytes are written once rather than zeroed first.
  size_t head = size - event.data.size();
  out->resize(start + head);
  char* p = out->data() + start;
  *p++ = static_cast<char>(kEventBinaryVersion);
  for (auto member : kCoreOrder) p = PutString(p, event.*member);
  p = PutVarint(p, event.extensions.size());
  for (const auto& [name, value] : event.extensions) {
    p = PutString(p, name);
    p = PutString(p, value);
  }
  p = PutVarint(p, event.data.size());
  assert(p == out->data() + out->size());
  out->append(event.data);
}

std::string EncodeEventBinary(const CloudEvent& event) {
  std::string out;
  AppendEventBinary(event, &out);
  return out;
}

namespace {

// Everything but `data`, which is left in *data as a view into `encoded`.
Status DecodeEventBinaryExceptData(std::string_view encoded, CloudEvent* event, std::string_view* data) {
  Reader in(encoded);
  uint8_t version;
  if (!in.Byte("version", &version)) return in.Error();
  if (version != kEventBinaryVersion) {
    return Status::InvalidArgument("unknown event encoding version " + std::to_string(version));
  }
  static constexpr const char* kCoreNames[] = {"id", "source", "specversion", "type",
                                               "datacontenttype", "dataschema", "subject", "time"};
  std::string_view field;
  for (size_t i = 0; i < kCoreOrder.size(); ++i) {
    if (!in.String(kCoreNames[i], &field)) return in.Error();
    (event->*kCoreOrder[i]).assign(field);
  }
  uint64_t count;
  if (!in.Varint("extension count", &count)) return in.Error();
  // Each extension takes at least two bytes; this bounds the loop by the input size.
  if (count > in.remaining() / 2) {
    return Status::Corruption("extension count " + std::to_string(count) + " exceeds the input");
  }
  ExtensionMerger extensions(&event->extensions);
  std::string_view previous;
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view name, value;
    if (!in.String("extension name", &name) || !in.String("extension value", &value)) return in.Error();
    if (i > 0 && name <= previous) return Status::Corruption("extension names out of order or repeated");
    if (!IsValidExtensionName(name)) {
      return Status::InvalidArgument("invalid extension name '" + std::string(name.substr(0, 32)) + "'");
    }
    extensions.Put(name, value);
    previous = name;
  }
  extensions.Finish();
  if (!in.String("data", data)) return in.Error();
  if (in.remaining() != 0) {
    return Status::Corruption(std::to_string(in.remaining()) + " trailing bytes after the event");
  }
  return Status::OK();
}

}  // namespace

Status DecodeEventBinaryInto(std::string_view encoded, CloudEvent* event) {
  std::string_view data;
  ZR_RETURN_IF_ERROR(DecodeEventBinaryExceptData(encoded, event, &data));
  event->data.assign(data);
  return Status::OK();
}

StatusOr<CloudEvent> DecodeEventBinaryReusing(std::string&& encoded) {
  CloudEvent event;
  std::string_view data;
  ZR_RETURN_IF_ERROR(DecodeEventBinaryExceptData(encoded, &event, &data));
  // `data` ends the encoding: cut what precedes it and keep the buffer.
  encoded.erase(0, static_cast<size_t>(data.data() - encoded.data()));
  event.data = std::move(encoded);
  return event;
}

StatusOr<CloudEvent> DecodeEventBinary(std::string_view encoded) {
  CloudEvent event;
  ZR_RETURN_IF_ERROR(DecodeEventBinaryInto(encoded, &event));
  return event;
}

}  // namespace zroute
