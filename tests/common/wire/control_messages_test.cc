#include "common/wire/control_messages.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/wire/wire_format.h"

namespace zroute::wire {
namespace {

using nlohmann::json;

// Decodes an owned copy of exactly `size` bytes, so AddressSanitizer catches any read past it.
StatusOr<ControlMessage> DecodeControlExact(const std::string& bytes, size_t size) {
  std::vector<char> copy(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
  return DecodeControlMessage(std::string_view(copy.data(), copy.size()));
}

std::string Frame(uint8_t version, uint8_t command, const std::string& body) {
  return std::string{static_cast<char>(version), static_cast<char>(command)} + body;
}

SidecarInfo SampleInfo() {
  return SidecarInfo{"orders-7f9c-0001",
                     "orders",
                     "shop",
                     "orders-7f9c",
                     "tcp://10.0.0.7:3600",
                     "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"};
}

const std::vector<ControlCommand> kEveryCommand = {
    ControlCommand::kRegister, ControlCommand::kHeartbeat, ControlCommand::kSnapshotRequest, ControlCommand::kSnapshot,
    ControlCommand::kUpdate,   ControlCommand::kPing,      ControlCommand::kUnknownSidecar,
    ControlCommand::kLeave,
};

TEST(ControlMessagesTest, EveryCommandRoundTrips) {
  json body = {{"version", 42}, {"nested", {{"list", {1, 2, 3}}, {"text", "héllo \u2603"}}}};
  for (ControlCommand command : kEveryCommand) {
    auto decoded = DecodeControlMessage(EncodeControlMessage({command, body}));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded->command, command);
    EXPECT_EQ(decoded->body, body);
  }
}

TEST(ControlMessagesTest, EmptyObjectBodyRoundTrips) {
  auto decoded = DecodeControlMessage(EncodeControlMessage({ControlCommand::kUnknownSidecar, json::object()}));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->body, json::object());
}

TEST(ControlMessagesTest, EncodingIsVersionCommandThenJsonText) {
  std::string frame = EncodeControlMessage({ControlCommand::kPing, {{"version", 7}}});
  ASSERT_GE(frame.size(), 2u);
  EXPECT_EQ(static_cast<uint8_t>(frame[0]), kProtocolVersion);
  EXPECT_EQ(static_cast<uint8_t>(frame[1]), static_cast<uint8_t>(ControlCommand::kPing));
  EXPECT_EQ(frame.substr(2), R"({"version":7})");
}

TEST(ControlMessagesTest, EmptyAndHeaderOnlyFramesAreRejected) {
  EXPECT_FALSE(DecodeControlMessage("").ok());
  EXPECT_FALSE(DecodeControlMessage(std::string(1, static_cast<char>(kProtocolVersion))).ok());
  // A header with no body is not a JSON object either.
  EXPECT_FALSE(DecodeControlMessage(Frame(kProtocolVersion, 6, "")).ok());
}

TEST(ControlMessagesTest, TruncationAtEveryByteIsRejected) {
  std::string frame = EncodeControlMessage({ControlCommand::kRegister, SidecarInfoToJson(SampleInfo())});
  for (size_t n = 0; n < frame.size(); ++n) {
    auto decoded = DecodeControlExact(frame, n);
    EXPECT_FALSE(decoded.ok()) << "truncated to " << n << " of " << frame.size();
  }
  EXPECT_TRUE(DecodeControlExact(frame, frame.size()).ok());
}

TEST(ControlMessagesTest, WrongProtocolVersionIsRejected) {
  for (uint8_t version : {uint8_t{0}, uint8_t{kProtocolVersion - 1}, uint8_t{kProtocolVersion + 1}, uint8_t{255}}) {
    auto decoded = DecodeControlMessage(Frame(version, 1, "{}"));
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(decoded.status().message().find("version"), std::string::npos);
  }
}

TEST(ControlMessagesTest, UnknownCommandIsRejected) {
  for (uint8_t command : {uint8_t{0}, uint8_t{9}, uint8_t{200}, uint8_t{255}}) {
    auto decoded = DecodeControlMessage(Frame(kProtocolVersion, command, "{}"));
    ASSERT_FALSE(decoded.ok()) << int{command};
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(ControlMessagesTest, BodiesThatAreNotJsonObjectsAreRejected) {
  for (const char* body : {"[]", "42", "\"text\"", "null", "true", "{", "{\"a\":}", "{} {}", "{\"a\":1}x", "\xff\xfe",
                           "{\"a\":\"\xc3\x28\"}"}) {
    auto decoded = DecodeControlMessage(Frame(kProtocolVersion, 2, body));
    ASSERT_FALSE(decoded.ok()) << body;
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(ControlMessagesTest, BodyWithEmbeddedNulIsRejected) {
  std::string body("{\"a\":1}\0{}", 10);
  EXPECT_FALSE(DecodeControlMessage(Frame(kProtocolVersion, 2, body)).ok());
}

TEST(ControlMessagesTest, DeeplyNestedBodyIsRejected) {
  // Copying, comparing or printing such a value recurses once per level: a hostile peer could
  // exhaust the stack of whoever handles the message after decoding.
  const size_t depth = 100000;
  std::string body = "{\"load\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
  auto decoded = DecodeControlMessage(Frame(kProtocolVersion, 2, body));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
}

TEST(ControlMessagesTest, ModeratelyNestedBodyIsAccepted) {
  // Filters nest (all/any/not); a routing table is a few levels deep plus the filter depth.
  const size_t depth = 40;
  std::string body = "{\"x\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
  EXPECT_TRUE(DecodeControlMessage(Frame(kProtocolVersion, 4, body)).ok());
  // Brackets inside strings are text, not nesting.
  std::string text = "{\"x\":\"" + std::string(100000, '[') + "\\\"]\"}";
  auto decoded = DecodeControlMessage(Frame(kProtocolVersion, 4, text));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->body["x"].get<std::string>().size(), 100002u);
}

TEST(ControlMessagesTest, FrameOverTheLimitIsRejected) {
  std::string big = "{\"x\":\"" + std::string(static_cast<size_t>(kMaxFrameBytes), 'a') + "\"}";
  auto decoded = DecodeControlMessage(Frame(kProtocolVersion, 4, big));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kTooLarge);
}

TEST(ControlMessagesTest, EncodingInvalidUtf8DoesNotThrow) {
  // A string that did not come from parsed JSON (a pod name, a key) may hold any bytes.
  ControlMessage m{ControlCommand::kRegister, {{"pod", std::string("bad\xff\xfe", 5)}}};
  std::string frame;
  ASSERT_NO_THROW(frame = EncodeControlMessage(m));
  auto decoded = DecodeControlMessage(frame);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(decoded->body["pod"].is_string());
}

TEST(BodyVersionTest, ReadsAnUnsignedVersion) {
  EXPECT_EQ(BodyVersion(json{{"version", 1732740000123ULL}}), 1732740000123ULL);
  EXPECT_EQ(BodyVersion(json{{"version", 0}}), 0u);
}

TEST(BodyVersionTest, AbsentOrMistypedVersionIsZeroNotAnException) {
  for (const char* body : {R"({})", R"({"version": "12"})", R"({"version": -5})", R"({"version": 1.5})",
                           R"({"version": null})", R"({"version": [1]})", R"([1])", R"("version")"}) {
    uint64_t version = 1;
    ASSERT_NO_THROW(version = BodyVersion(json::parse(body))) << body;
    EXPECT_EQ(version, 0u) << body;
  }
}

TEST(SidecarInfoTest, JsonRoundTrip) {
  SidecarInfo info = SampleInfo();
  auto back = SidecarInfoFromJson(SidecarInfoToJson(info));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, info);
}

TEST(SidecarInfoTest, RoundTripsThroughARegisterFrame) {
  SidecarInfo info = SampleInfo();
  json body = SidecarInfoToJson(info);
  body["version"] = 12;  // extra fields are ignored
  auto decoded = DecodeControlMessage(EncodeControlMessage({ControlCommand::kRegister, body}));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  auto back = SidecarInfoFromJson(decoded->body);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, info);
}

TEST(SidecarInfoTest, OptionalFieldsMayBeAbsent) {
  json j = SidecarInfoToJson(SampleInfo());
  j.erase("pod");
  j.erase("publicKey");
  auto back = SidecarInfoFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->pod, "");
  EXPECT_EQ(back->public_key, "");
}

TEST(SidecarInfoTest, MissingOrEmptyRequiredFieldsAreRejected) {
  for (const char* field : {"sidecarId", "appId", "namespace", "dataEndpoint"}) {
    json missing = SidecarInfoToJson(SampleInfo());
    missing.erase(field);
    auto a = SidecarInfoFromJson(missing);
    ASSERT_FALSE(a.ok()) << field;
    EXPECT_NE(a.status().message().find(field), std::string::npos) << a.status().ToString();

    json empty = SidecarInfoToJson(SampleInfo());
    empty[field] = "";
    EXPECT_FALSE(SidecarInfoFromJson(empty).ok()) << field;
  }
}

TEST(SidecarInfoTest, WrongTypesAreRejected) {
  EXPECT_FALSE(SidecarInfoFromJson(json::array()).ok());
  EXPECT_FALSE(SidecarInfoFromJson(json("text")).ok());
  EXPECT_FALSE(SidecarInfoFromJson(json()).ok());
  for (const char* field : {"sidecarId", "appId", "namespace", "pod", "dataEndpoint", "publicKey"}) {
    for (const json& bad : {json(1), json::array(), json::object(), json(nullptr), json(true)}) {
      json j = SidecarInfoToJson(SampleInfo());
      j[field] = bad;
      EXPECT_FALSE(SidecarInfoFromJson(j).ok()) << field << " = " << bad.dump();
    }
  }
}

TEST(SidecarInfoTest, OverlongFieldsAreRejected) {
  for (const char* field : {"sidecarId", "appId", "namespace", "pod", "dataEndpoint", "publicKey"}) {
    json j = SidecarInfoToJson(SampleInfo());
    j[field] = std::string(1025, 'a');
    EXPECT_FALSE(SidecarInfoFromJson(j).ok()) << field;
    j[field] = std::string(1024, 'a');
    EXPECT_TRUE(SidecarInfoFromJson(j).ok()) << field;
  }
}

}  // namespace
}  // namespace zroute::wire
