#include "common/wire/link_messages.h"

#include "common/util/byte_io.h"
#include "common/wire/wire_format.h"

namespace zroute::wire {
namespace {

// Upper bounds checked before reserving memory for hostile counts.
constexpr uint64_t kMaxIdsPerMessage = 1 << 20;

void Header(ByteWriter& w, LinkCommand c) {
  w.U8(kProtocolVersion);
  w.U8(static_cast<uint8_t>(c));
}

void WriteIds(ByteWriter& w, const std::vector<uint64_t>& ids) {
  w.Varint(ids.size());
  for (uint64_t id : ids) w.Varint(id);
}

bool ReadIds(ByteReader& r, std::vector<uint64_t>* ids) {
  uint64_t n = r.Varint();
  // Every id takes at least one byte: a count above the bytes left is a lie.
  if (!r.ok() || n > kMaxIdsPerMessage || n > r.remaining()) return false;
  ids->reserve(n);
  for (uint64_t i = 0; i < n && r.ok(); ++i) ids->push_back(r.Varint());
  return r.ok();
}

}  // namespace

void AppendEventsHeader(std::string* out, size_t event_count) {
  ByteWriter w(out);
  Header(w, LinkCommand::kEvents);
  w.Varint(event_count);
}

void AppendEventFrame(std::string* out, const EventFrame& e) {
  ByteWriter w(out);
  w.Varint(e.delivery_id);
  w.Bytes(e.topic);
  w.Bytes(e.subscription);
  w.Varint(e.attempt);
  w.Varint(e.replay ? kEventFlagReplay : 0);
  w.Bytes(e.payload);
}

std::string EncodeLinkMessage(const LinkMessage& message) {
  std::string out;
  ByteWriter w(&out);
  struct Visitor {
    std::string* out;
    ByteWriter& w;
    void operator()(const Hello& m) {
      Header(w, LinkCommand::kHello);
      w.Bytes(m.sidecar_id);
      w.Bytes(m.app_id);
    }
    void operator()(const Events& m) {
      AppendEventsHeader(out, m.events.size());
      for (const auto& e : m.events) AppendEventFrame(out, e);
    }
    void operator()(const Ack& m) {
      Header(w, LinkCommand::kAck);
      WriteIds(w, m.delivery_ids);
      w.Varint(m.credit);
    }
    void operator()(const Nack& m) {
      Header(w, LinkCommand::kNack);
      w.U8(static_cast<uint8_t>(m.reason));
      WriteIds(w, m.delivery_ids);
      w.Varint(m.credit);
    }
    void operator()(const Credit& m) {
      Header(w, LinkCommand::kCredit);
      w.Varint(m.credit);
    }
    void operator()(const Heartbeat& m) {
      Header(w, LinkCommand::kHeartbeat);
      w.Varint(m.sent);
      w.Varint(m.received);
    }
  };
  std::visit(Visitor{&out, w}, message);
  return out;
}

StatusOr<LinkMessage> DecodeLinkMessage(std::string_view frame) {
  if (frame.size() > static_cast<uint64_t>(kMaxFrameBytes)) {
    return Status::TooLarge("link frame of " + std::to_string(frame.size()) + " bytes exceeds the limit");
  }
  ByteReader r(frame);
  uint8_t version = r.U8();
  uint8_t command = r.U8();
  if (!r.ok()) return Status::Corruption("link frame shorter than its header");
  if (version != kProtocolVersion) {
    return Status::InvalidArgument("unsupported link protocol version " + std::to_string(version));
  }
  auto credit_of = [&r]() -> uint32_t {
    uint64_t c = r.Varint();
    return c > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(c);
  };
  LinkMessage out;
  switch (static_cast<LinkCommand>(command)) {
    case LinkCommand::kHello: {
      Hello m;
      m.sidecar_id = std::string(r.Bytes());
      m.app_id = std::string(r.Bytes());
      out = std::move(m);
      break;
    }
    case LinkCommand::kEvents: {
      Events m;
      uint64_t n = r.Varint();
      // An event frame takes at least 6 bytes.
      if (!r.ok() || n > r.remaining() / 6) return Status::Corruption("event count exceeds frame size");
      m.events.reserve(n);
      for (uint64_t i = 0; i < n && r.ok(); ++i) {
        EventFrame e;
        e.delivery_id = r.Varint();
        e.topic = std::string(r.Bytes());
        e.subscription = std::string(r.Bytes());
        uint64_t attempt = r.Varint();
        e.attempt = attempt > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(attempt);
        uint64_t flags = r.Varint();
        if (flags & ~kEventFlagReplay) return Status::Corruption("unknown event flags");
        e.replay = (flags & kEventFlagReplay) != 0;
        e.payload = std::string(r.Bytes());
        m.events.push_back(std::move(e));
      }
      out = std::move(m);
      break;
    }
    case LinkCommand::kAck: {
      Ack m;
      if (!ReadIds(r, &m.delivery_ids)) return Status::Corruption("truncated ack");
      m.credit = credit_of();
      out = std::move(m);
      break;
    }
    case LinkCommand::kNack: {
      Nack m;
      uint8_t reason = r.U8();
      if (reason < 1 || reason > 4) return Status::Corruption("unknown nack reason");
      m.reason = static_cast<NackReason>(reason);
      if (!ReadIds(r, &m.delivery_ids)) return Status::Corruption("truncated nack");
      m.credit = credit_of();
      out = std::move(m);
      break;
    }
    case LinkCommand::kCredit: {
      Credit m;
      m.credit = credit_of();
      out = m;
      break;
    }
    case LinkCommand::kHeartbeat: {
      Heartbeat m;
      if (!r.done()) {  // an empty heartbeat is an older sidecar's: no counts
        m.sent = r.Varint();
        m.received = r.Varint();
      }
      out = m;
      break;
    }
    default:
      return Status::InvalidArgument("unknown link command " + std::to_string(command));
  }
  if (!r.ok()) return Status::Corruption("truncated link message");
  if (!r.done()) return Status::Corruption("trailing bytes after link message");
  return out;
}

}  // namespace zroute::wire
