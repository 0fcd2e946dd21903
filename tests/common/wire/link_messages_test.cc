#include "common/wire/link_messages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/wire/wire_format.h"

namespace zroute::wire {
namespace {

// Decodes an owned copy of exactly `size` bytes, so AddressSanitizer catches any read past it.
StatusOr<LinkMessage> DecodeLinkExact(const std::string& bytes, size_t size) {
  std::vector<char> copy(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
  return DecodeLinkMessage(std::string_view(copy.data(), copy.size()));
}

LinkMessage RoundTrip(const LinkMessage& m) {
  auto decoded = DecodeLinkMessage(EncodeLinkMessage(m));
  EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  return decoded.ok() ? *decoded : LinkMessage{};
}

EventFrame Frame(uint64_t id, std::string payload, uint32_t attempt = 1) {
  return EventFrame{id, "shop/orders", "shop/audit", attempt, std::move(payload)};
}

std::string Header(uint8_t command) { return {static_cast<char>(kProtocolVersion), static_cast<char>(command)}; }

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// One of each kind, with content that exercises multi-byte varints and binary payloads.
std::vector<LinkMessage> EveryKind() {
  std::string binary_payload("\0\x01\xff\x80 payload", 12);
  return {
      Hello{"orders-7f9c-0001", "orders"},
      Hello{"", ""},
      Events{{Frame(1, "a"), Frame(300, binary_payload, 2), Frame(UINT64_MAX, std::string(1000, 'x'), UINT32_MAX)}},
      Events{},
      Ack{{1, 2, 127, 128, 16384, UINT64_MAX}, 256},
      Ack{{}, 0},
      Nack{{9, 10}, NackReason::kShuttingDown, 2},
      Nack{{11}, NackReason::kUnknownSubscription, 0},
      Nack{{12}, NackReason::kOverloaded, 1},
      Nack{{}, NackReason::kRejected, UINT32_MAX},
      Credit{0},
      Credit{1000000},
      Heartbeat{},
      Heartbeat{128, 127},
      Heartbeat{UINT64_MAX, 0},
  };
}

TEST(LinkMessagesTest, EveryKindRoundTrips) {
  for (const LinkMessage& m : EveryKind()) {
    EXPECT_EQ(RoundTrip(m), m) << "kind index " << m.index();
  }
}

TEST(LinkMessagesTest, EventsKeepTheirOrderAndFields) {
  Events in{{Frame(5, "first"), Frame(6, "second", 3), Frame(7, "")}};
  auto out = std::get<Events>(RoundTrip(in));
  ASSERT_EQ(out.events.size(), 3u);
  EXPECT_EQ(out.events[0].payload, "first");
  EXPECT_EQ(out.events[1].delivery_id, 6u);
  EXPECT_EQ(out.events[1].attempt, 3u);
  EXPECT_EQ(out.events[1].topic, "shop/orders");
  EXPECT_EQ(out.events[1].subscription, "shop/audit");
  EXPECT_EQ(out.events[2].payload, "");
}

TEST(LinkMessagesTest, AppendHelpersProduceTheSameBytesAsEncode) {
  Events m{{Frame(1, "a"), Frame(2, "bb", 4)}};
  std::string batch;
  for (const auto& e : m.events) AppendEventFrame(&batch, e);
  std::string assembled;
  AppendEventsHeader(&assembled, m.events.size());
  assembled += batch;
  EXPECT_EQ(assembled, EncodeLinkMessage(m));
}

TEST(LinkMessagesTest, EncodingStartsWithVersionAndCommand) {
  const std::vector<std::pair<LinkMessage, LinkCommand>> cases = {
      {Hello{}, LinkCommand::kHello}, {Events{}, LinkCommand::kEvents}, {Ack{}, LinkCommand::kAck},
      {Nack{}, LinkCommand::kNack},   {Credit{}, LinkCommand::kCredit}, {Heartbeat{}, LinkCommand::kHeartbeat},
  };
  for (const auto& [message, command] : cases) {
    std::string bytes = EncodeLinkMessage(message);
    ASSERT_GE(bytes.size(), 2u);
    EXPECT_EQ(static_cast<uint8_t>(bytes[0]), kProtocolVersion);
    EXPECT_EQ(static_cast<uint8_t>(bytes[1]), static_cast<uint8_t>(command));
  }
}

TEST(LinkMessagesTest, HeartbeatCarriesSentAndReceivedCounts) {
  EXPECT_EQ(EncodeLinkMessage(Heartbeat{}), Header(6) + std::string("\0\0", 2));
  EXPECT_EQ(std::get<Heartbeat>(RoundTrip(Heartbeat{300, 299})), (Heartbeat{300, 299}));
}

TEST(LinkMessagesTest, BareHeartbeatFromAnOlderSidecarDecodesWithoutCounts) {
  auto decoded = DecodeLinkMessage(Header(6));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(std::get<Heartbeat>(*decoded), Heartbeat{});
}

TEST(LinkMessagesTest, HeartbeatWithOnlyOneCountIsRejected) {
  auto decoded = DecodeLinkMessage(Header(6) + std::string("\x05", 1));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
}

TEST(LinkMessagesTest, EmptyFrameIsRejected) {
  auto decoded = DecodeLinkMessage("");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
}

TEST(LinkMessagesTest, VersionOnlyFrameIsRejected) {
  EXPECT_FALSE(DecodeLinkMessage(std::string(1, static_cast<char>(kProtocolVersion))).ok());
}

TEST(LinkMessagesTest, TruncationAtEveryByteIsRejected) {
  for (const LinkMessage& m : EveryKind()) {
    std::string bytes = EncodeLinkMessage(m);
    for (size_t n = 0; n < bytes.size(); ++n) {
      // No proper prefix of an encoding is itself a whole message: every field is mandatory,
      // except that a bare HEARTBEAT header is an older sidecar's heartbeat (no counts).
      if (std::holds_alternative<Heartbeat>(m) && n == 2) continue;
      auto decoded = DecodeLinkExact(bytes, n);
      EXPECT_FALSE(decoded.ok()) << "kind " << m.index() << " truncated to " << n << " of " << bytes.size();
    }
  }
}

TEST(LinkMessagesTest, TrailingBytesAreRejected) {
  for (const LinkMessage& m : EveryKind()) {
    std::string bytes = EncodeLinkMessage(m) + "x";
    auto decoded = DecodeLinkMessage(bytes);
    ASSERT_FALSE(decoded.ok()) << "kind " << m.index();
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  }
}

TEST(LinkMessagesTest, WrongProtocolVersionIsRejected) {
  for (uint8_t version : {uint8_t{0}, uint8_t{kProtocolVersion - 1}, uint8_t{kProtocolVersion + 1}, uint8_t{255}}) {
    std::string bytes = EncodeLinkMessage(Heartbeat{});
    bytes[0] = static_cast<char>(version);
    auto decoded = DecodeLinkMessage(bytes);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(decoded.status().message().find("version"), std::string::npos) << decoded.status().ToString();
  }
}

TEST(LinkMessagesTest, UnknownCommandIsRejected) {
  for (uint8_t command : {uint8_t{0}, uint8_t{7}, uint8_t{128}, uint8_t{255}}) {
    auto decoded = DecodeLinkMessage(Header(command));
    ASSERT_FALSE(decoded.ok()) << int{command};
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(LinkMessagesTest, StringLengthBeyondTheFrameIsRejected) {
  std::string hello = Header(static_cast<uint8_t>(LinkCommand::kHello));
  AppendVarint(&hello, 1000);  // sidecar id claims 1000 bytes, 3 follow
  hello += "abc";
  EXPECT_FALSE(DecodeLinkExact(hello, hello.size()).ok());

  std::string huge = Header(static_cast<uint8_t>(LinkCommand::kHello));
  AppendVarint(&huge, UINT64_MAX);  // would overflow a naive position + length check
  huge += "abc";
  EXPECT_FALSE(DecodeLinkExact(huge, huge.size()).ok());
}

TEST(LinkMessagesTest, EventCountBeyondTheFrameIsRejectedBeforeAllocating) {
  std::string events = Header(static_cast<uint8_t>(LinkCommand::kEvents));
  AppendVarint(&events, UINT64_MAX);
  AppendEventFrame(&events, Frame(1, "p"));
  auto decoded = DecodeLinkExact(events, events.size());
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);

  // A count one higher than the frames present: the last frame is missing.
  std::string short_by_one = Header(static_cast<uint8_t>(LinkCommand::kEvents));
  AppendVarint(&short_by_one, 2);
  AppendEventFrame(&short_by_one, Frame(1, "payload of some length"));
  EXPECT_FALSE(DecodeLinkExact(short_by_one, short_by_one.size()).ok());
}

TEST(LinkMessagesTest, IdCountBeyondTheFrameIsRejected) {
  for (LinkCommand command : {LinkCommand::kAck, LinkCommand::kNack}) {
    std::string bytes = Header(static_cast<uint8_t>(command));
    if (command == LinkCommand::kNack) bytes.push_back(1);
    AppendVarint(&bytes, 1u << 30);
    bytes += std::string(8, '\x01');
    auto decoded = DecodeLinkExact(bytes, bytes.size());
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  }
}

TEST(LinkMessagesTest, UnknownNackReasonIsRejected) {
  for (uint8_t reason : {uint8_t{0}, uint8_t{5}, uint8_t{255}}) {
    std::string bytes = Header(static_cast<uint8_t>(LinkCommand::kNack));
    bytes.push_back(static_cast<char>(reason));
    AppendVarint(&bytes, 0);  // no ids
    AppendVarint(&bytes, 0);  // no credit
    EXPECT_FALSE(DecodeLinkMessage(bytes).ok()) << int{reason};
  }
}

TEST(LinkMessagesTest, OverlongVarintIsRejected) {
  std::string bytes = Header(static_cast<uint8_t>(LinkCommand::kCredit));
  bytes += std::string(11, '\x80');
  bytes.push_back(0);
  EXPECT_FALSE(DecodeLinkMessage(bytes).ok());
}

TEST(LinkMessagesTest, OutOfRangeCreditAndAttemptSaturate) {
  std::string credit = Header(static_cast<uint8_t>(LinkCommand::kCredit));
  AppendVarint(&credit, uint64_t{1} << 40);
  auto decoded = DecodeLinkMessage(credit);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(std::get<Credit>(*decoded).credit, UINT32_MAX);

  std::string events = Header(static_cast<uint8_t>(LinkCommand::kEvents));
  AppendVarint(&events, 1);
  AppendVarint(&events, 1);                  // delivery id
  AppendVarint(&events, 0);                  // topic
  AppendVarint(&events, 0);                  // subscription
  AppendVarint(&events, uint64_t{1} << 33);  // attempt
  AppendVarint(&events, 0);                  // flags
  AppendVarint(&events, 0);                  // payload
  decoded = DecodeLinkMessage(events);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(std::get<Events>(*decoded).events.at(0).attempt, UINT32_MAX);
}

TEST(LinkMessagesTest, LargestEventsFrameUnderTheLimitRoundTrips) {
  // A batch close to kMaxFrameBytes: decoding is bounded by the input, not by a fixed buffer.
  Events m;
  const size_t payload = 1 << 20;
  while ((m.events.size() + 1) * (payload + 64) < static_cast<size_t>(kMaxFrameBytes)) {
    m.events.push_back(Frame(m.events.size() + 1, std::string(payload, 'e')));
  }
  std::string bytes = EncodeLinkMessage(m);
  ASSERT_LE(bytes.size(), static_cast<size_t>(kMaxFrameBytes));
  EXPECT_EQ(RoundTrip(m), LinkMessage(m));
}

TEST(LinkMessagesTest, FrameOverTheLimitIsRejected) {
  // The transport drops such frames (ZMQ_MAXMSGSIZE); the decoder refuses them too, even when
  // every length inside is consistent.
  Events m{{Frame(1, std::string(static_cast<size_t>(kMaxFrameBytes), 'z'))}};
  std::string bytes = EncodeLinkMessage(m);
  ASSERT_GT(bytes.size(), static_cast<size_t>(kMaxFrameBytes));
  auto decoded = DecodeLinkExact(bytes, bytes.size());
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kTooLarge);
}

TEST(LinkMessagesTest, PayloadLengthLargerThanTheFrameIsRejected) {
  std::string bytes = Header(static_cast<uint8_t>(LinkCommand::kEvents));
  AppendVarint(&bytes, 1);
  AppendVarint(&bytes, 1);
  AppendVarint(&bytes, 0);
  AppendVarint(&bytes, 0);
  AppendVarint(&bytes, 1);
  AppendVarint(&bytes, static_cast<uint64_t>(kMaxFrameBytes) * 2);  // payload claims 32 MiB
  bytes += std::string(4096, 'z');
  auto decoded = DecodeLinkExact(bytes, bytes.size());
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
}

TEST(LinkMessagesTest, EveryByteFlipNeverCrashes) {
  // Not a property of the result (many flips still decode), only that decoding stays in bounds
  // and a successful decode re-encodes to something that decodes to the same message.
  for (const LinkMessage& m : EveryKind()) {
    std::string bytes = EncodeLinkMessage(m);
    if (bytes.size() > 256) continue;
    for (size_t i = 0; i < bytes.size(); ++i) {
      for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
        std::string mutated = bytes;
        mutated[i] = static_cast<char>(mutated[i] ^ mask);
        auto decoded = DecodeLinkExact(mutated, mutated.size());
        if (!decoded.ok()) continue;
        auto again = DecodeLinkMessage(EncodeLinkMessage(*decoded));
        ASSERT_TRUE(again.ok()) << again.status().ToString();
        EXPECT_EQ(*again, *decoded);
      }
    }
  }
}

}  // namespace
}  // namespace zroute::wire
