// Link protocol messages between sidecars (see wire_format.h, docs/wire_format.md) and their
// binary codec. Decoding never trusts a length it has not checked against the input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/util/status.h"

namespace zroute::wire {

struct Hello {
  std::string sidecar_id;
  std::string app_id;
  bool operator==(const Hello&) const = default;
};

// One event on its way to a consumer replica.
struct EventFrame {
  uint64_t delivery_id = 0;   // unique per link; the ACK/NACK names it
  std::string topic;          // "namespace/name"
  std::string subscription;   // "namespace/name"
  uint32_t attempt = 1;       // 1 on first delivery, +1 per redelivery
  std::string payload;        // the event, binary format (common/cloudevents/binary_format.h)
  bool replay = false;        // sent again because an operator rewound the subscription: the
                              // consumer delivers it even if it acked the id recently
  bool operator==(const EventFrame&) const = default;
};

struct Events {
  std::vector<EventFrame> events;
  bool operator==(const Events&) const = default;
};

struct Ack {
  std::vector<uint64_t> delivery_ids;
  uint32_t credit = 0;  // credit granted back with this ack
  bool operator==(const Ack&) const = default;
};

enum class NackReason : uint8_t {
  kShuttingDown = 1,    // redeliver elsewhere; not an attempt
  kUnknownSubscription = 2,  // consumer's table does not know it (yet)
  kOverloaded = 3,      // no slot although credit was granted (should not happen)
  kRejected = 4,        // not allowed (publish permission, identity)
};

struct Nack {
  std::vector<uint64_t> delivery_ids;
  NackReason reason = NackReason::kShuttingDown;
  uint32_t credit = 0;
  bool operator==(const Nack&) const = default;
};

struct Credit {
  uint32_t credit = 0;
  bool operator==(const Credit&) const = default;
};

// Liveness, and the audit that keeps the two ends' views of a link in step: the publisher's
// HEARTBEAT carries `sent`, the event frames it has sent on the link since its last HELLO; the
// consumer's answer echoes `sent` and adds `received`, how many of them it took in. received <
// sent means frames were lost on the way (a dropped connection, or a message refused because the
// consumer's table briefly lacked the publisher's key): the publisher resets the link.
// An empty body (older sidecars) decodes as zeros: no audit.
struct Heartbeat {
  uint64_t sent = 0;
  uint64_t received = 0;
  bool operator==(const Heartbeat&) const = default;
};

using LinkMessage = std::variant<Hello, Events, Ack, Nack, Credit, Heartbeat>;

std::string EncodeLinkMessage(const LinkMessage& message);
// Appends the encoding of a single-event Events message to `out` without building the struct.
void AppendEventsHeader(std::string* out, size_t event_count);
void AppendEventFrame(std::string* out, const EventFrame& frame);

// InvalidArgument for an unknown version or command, Corruption for a truncated or
// inconsistent body, TooLarge for a frame over kMaxFrameBytes (the transport drops those first;
// the decoder does not rely on it).
StatusOr<LinkMessage> DecodeLinkMessage(std::string_view frame);

}  // namespace zroute::wire
