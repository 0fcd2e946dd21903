// The compact binary encoding of one CloudEvent, used on the ZeroMQ wire and in the outbox.
//
// Grammar (all integers are unsigned LEB128 varints, at most 10 bytes, minimal: no redundant
// trailing 0x80-continued zero groups):
//
//   event      := version core extensions data
//   version    := 0x01                                 one byte; any other value is rejected
//   core       := string{8}                            in this order: id, source, specversion, type,
//                                                      datacontenttype, dataschema, subject, time
//                                                      (empty string = absent)
//   extensions := varint(count) (string:name string:value){count}
//                                                      names strictly increasing bytewise (the order
//                                                      of CloudEvent::extensions), each a valid
//                                                      extension name (attribute_rules.h)
//   data       := string                               payload bytes
//   string     := varint(length) byte{length}
//
// Nothing may follow `data`. The encoding is canonical: a CloudEvent has exactly one encoding, so
// DecodeEventBinary(s) succeeding implies EncodeEventBinary(decoded) == s.
//
// Decoding checks structure only (lengths, order, names); it does not run ValidateCloudEvent, as
// the events it reads were validated when they entered the system. It never allocates more than
// the input's size: every length is checked against the bytes that remain before anything is
// reserved, so a hostile length fails as Corruption instead of allocating.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/cloudevents/cloud_event.h"
#include "common/util/status.h"

namespace zroute {

constexpr uint8_t kEventBinaryVersion = 1;

// Exact size of the encoding, to reserve buffers that hold several events.
size_t EventBinarySize(const CloudEvent& event);

std::string EncodeEventBinary(const CloudEvent& event);
// Appends the encoding to *out (which may already hold other bytes, e.g. a frame header).
void AppendEventBinary(const CloudEvent& event, std::string* out);

// Errors: Corruption for truncated input, trailing bytes, a bad varint, unsorted or duplicate
// extension names; InvalidArgument for an unknown version or an invalid extension name.
StatusOr<CloudEvent> DecodeEventBinary(std::string_view encoded);
// Same, into an existing event whose string buffers are reused (the hot path decodes into one
// event per worker). On error *event is left in an unspecified but valid state.
Status DecodeEventBinaryInto(std::string_view encoded, CloudEvent* event);
// Same as DecodeEventBinary, but the event's data takes over `encoded`'s buffer (moved from, and
// left in an unspecified state): a receiver that owns each event's bytes saves an allocation and a
// copy of the payload per event. On error `encoded` is left untouched.
StatusOr<CloudEvent> DecodeEventBinaryReusing(std::string&& encoded);

}  // namespace zroute
