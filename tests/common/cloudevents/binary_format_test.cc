#include "common/cloudevents/binary_format.h"

#include <chrono>

#include <gtest/gtest.h>

namespace zroute {
namespace {

CloudEvent FullEvent() {
  CloudEvent event;
  event.id = "a8f1-42";
  event.source = "zroute://orders-app";
  event.type = "order.created";
  event.datacontenttype = "application/json";
  event.dataschema = "https://schemas.example/order";
  event.subject = "order/42";
  event.time = "2026-11-27T18:41:43.123Z";
  event.extensions["partitionkey"] = "customer-7";
  event.extensions["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  event.extensions["empty"] = "";
  event.data = std::string("{\"total\":12}\0\xff binary", 22);
  return event;
}

TEST(BinaryFormatTest, RoundTripsFullEvent) {
  CloudEvent event = FullEvent();
  std::string encoded = EncodeEventBinary(event);
  EXPECT_EQ(encoded.size(), EventBinarySize(event));
  EXPECT_EQ(static_cast<uint8_t>(encoded[0]), kEventBinaryVersion);
  StatusOr<CloudEvent> decoded = DecodeEventBinary(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, event);
}

TEST(BinaryFormatTest, RoundTripsEmptyEventAndLargeData) {
  CloudEvent empty;
  EXPECT_EQ(DecodeEventBinary(EncodeEventBinary(empty)).value(), empty);
  CloudEvent large = FullEvent();
  large.data.assign(300000, 'z');  // three-byte length varint
  EXPECT_EQ(DecodeEventBinary(EncodeEventBinary(large)).value(), large);
}

TEST(BinaryFormatTest, AppendKeepsExistingBytes) {
  CloudEvent event = FullEvent();
  std::string out = "HDR";
  AppendEventBinary(event, &out);
  AppendEventBinary(event, &out);
  std::string one = EncodeEventBinary(event);
  EXPECT_EQ(out, "HDR" + one + one);
}

TEST(BinaryFormatTest, DecodeIntoReusesEventAndClearsOldExtensions) {
  CloudEvent target = FullEvent();
  target.extensions["stale"] = "x";
  CloudEvent small;
  small.id = "2";
  ASSERT_TRUE(DecodeEventBinaryInto(EncodeEventBinary(small), &target).ok());
  EXPECT_EQ(target, small);
}

TEST(BinaryFormatTest, DecodeReusingGivesTheSameEventWithTheBuffersData) {
  for (CloudEvent event : {FullEvent(), CloudEvent{}}) {
    for (size_t size : {size_t{0}, size_t{15}, size_t{16}, size_t{1024}, size_t{300000}}) {
      event.data.assign(size, 'd');
      std::string encoded = EncodeEventBinary(event);
      StatusOr<CloudEvent> decoded = DecodeEventBinaryReusing(std::move(encoded));
      ASSERT_TRUE(decoded.ok()) << decoded.status();
      EXPECT_EQ(*decoded, event) << size;
    }
  }
}

TEST(BinaryFormatTest, DecodeReusingRefusesWhatDecodeRefusesAndKeepsTheInput) {
  const std::string good = EncodeEventBinary(FullEvent());
  for (const std::string& bad : {good.substr(0, good.size() - 1), good + "x", std::string("\x02") + good.substr(1)}) {
    std::string input = bad;
    StatusOr<CloudEvent> reused = DecodeEventBinaryReusing(std::move(input));
    StatusOr<CloudEvent> plain = DecodeEventBinary(bad);
    ASSERT_FALSE(reused.ok());
    EXPECT_EQ(reused.status().code(), plain.status().code());
    EXPECT_EQ(reused.status().message(), plain.status().message());
    EXPECT_EQ(input, bad);  // NOLINT(bugprone-use-after-move): on error the input is untouched
  }
}

TEST(BinaryFormatTest, DecodeIntoMergesOverlappingExtensionNames) {
  CloudEvent target;
  target.extensions = {{"aa", "old"}, {"bb", "old"}, {"dd", "old"}, {"zz", "old"}};
  CloudEvent source;
  source.extensions = {{"bb", "new"}, {"cc", "new"}, {"dd", ""}};
  ASSERT_TRUE(DecodeEventBinaryInto(EncodeEventBinary(source), &target).ok());
  EXPECT_EQ(target.extensions, source.extensions);
}

TEST(BinaryFormatTest, EveryTruncationIsRejected) {
  std::string encoded = EncodeEventBinary(FullEvent());
  for (size_t n = 0; n < encoded.size(); ++n) {
    StatusOr<CloudEvent> decoded = DecodeEventBinary(std::string_view(encoded).substr(0, n));
    EXPECT_FALSE(decoded.ok()) << "prefix of " << n << " bytes decoded";
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption) << n;
    }
  }
}

TEST(BinaryFormatTest, TrailingBytesAreRejected) {
  std::string encoded = EncodeEventBinary(FullEvent()) + "x";
  EXPECT_EQ(DecodeEventBinary(encoded).status().code(), StatusCode::kCorruption);
}

TEST(BinaryFormatTest, UnknownVersionIsRejected) {
  std::string encoded = EncodeEventBinary(FullEvent());
  encoded[0] = 2;
  StatusOr<CloudEvent> decoded = DecodeEventBinary(encoded);
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(decoded.status().message().find("version"), std::string::npos);
}

TEST(BinaryFormatTest, HostileLengthFailsWithoutAllocating) {
  // version, then an id length of 2^63 - 1: must fail on the bound check, not try to allocate.
  std::string encoded = "\x01";
  encoded += "\xff\xff\xff\xff\xff\xff\xff\xff\x7f";
  encoded += "abc";
  StatusOr<CloudEvent> decoded = DecodeEventBinary(encoded);
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(decoded.status().message().find("id"), std::string::npos) << decoded.status();
}

TEST(BinaryFormatTest, VarintOverflowAndNonMinimalFormsAreRejected) {
  std::string overflow = "\x01" + std::string(10, '\xff') + "\x01";
  EXPECT_EQ(DecodeEventBinary(overflow).status().code(), StatusCode::kCorruption);
  std::string eleventh = "\x01" + std::string(9, '\x80') + "\x02";  // bit 64 set
  EXPECT_EQ(DecodeEventBinary(eleventh).status().code(), StatusCode::kCorruption);
  // id length 0 written as two bytes (0x80 0x00), then the rest of an empty event.
  std::string canonical = EncodeEventBinary(CloudEvent{});
  std::string padded = "\x01\x80" + std::string(1, '\0') + canonical.substr(2);
  StatusOr<CloudEvent> decoded = DecodeEventBinary(padded);
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(decoded.status().message().find("non-minimal"), std::string::npos) << decoded.status();
}

TEST(BinaryFormatTest, HugeExtensionCountIsRejected) {
  CloudEvent event;
  std::string encoded = EncodeEventBinary(event);
  // Replace the extension count (0, just before the empty data) by 2^40.
  std::string hostile = encoded.substr(0, encoded.size() - 2) + "\x80\x80\x80\x80\x80\x20" + "\x00";
  EXPECT_EQ(DecodeEventBinary(hostile).status().code(), StatusCode::kCorruption);
}

TEST(BinaryFormatTest, UnsortedOrDuplicateOrInvalidExtensionNamesAreRejected) {
  CloudEvent event;
  event.extensions["bb"] = "1";
  event.extensions["cc"] = "2";
  std::string encoded = EncodeEventBinary(event);
  size_t at = encoded.find("cc");
  ASSERT_NE(at, std::string::npos);
  std::string duplicate = encoded;
  duplicate.replace(at, 2, "bb");
  EXPECT_EQ(DecodeEventBinary(duplicate).status().code(), StatusCode::kCorruption);
  std::string unsorted = encoded;
  unsorted.replace(at, 2, "aa");
  EXPECT_EQ(DecodeEventBinary(unsorted).status().code(), StatusCode::kCorruption);
  std::string upper = encoded;
  upper.replace(at, 2, "cC");
  EXPECT_EQ(DecodeEventBinary(upper).status().code(), StatusCode::kInvalidArgument);
  std::string core = encoded;
  core.replace(at - 1, 3, std::string("\x02id", 3));  // "id" sorts after "bb"
  EXPECT_EQ(DecodeEventBinary(core).status().code(), StatusCode::kInvalidArgument);
}

// Sanitizer and debug builds are an order of magnitude slower: the time bound is only asserted in
// optimized builds.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZROUTE_TEST_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(ZROUTE_TEST_UNDER_ASAN) || !defined(NDEBUG)
constexpr bool kOptimizedBuild = false;
#else
constexpr bool kOptimizedBuild = true;
#endif

// A coarse guard against accidental slowness on the hot path (the real numbers are in bench/):
// a 1 KiB event must encode and decode well within 20 us on average even on a loaded machine.
TEST(BinaryFormatTest, EncodesAndDecodesOneKibEventQuickly) {
  CloudEvent event = FullEvent();
  event.data.assign(1024, 'd');
  CloudEvent decoded;
  std::string buffer;
  constexpr int kRounds = 20000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    buffer.clear();
    AppendEventBinary(event, &buffer);
    ASSERT_TRUE(DecodeEventBinaryInto(buffer, &decoded).ok());
  }
  auto per_round = (std::chrono::steady_clock::now() - start) / kRounds;
  EXPECT_EQ(decoded, event);
  if (kOptimizedBuild) {
    EXPECT_LT(per_round, std::chrono::microseconds(20));
  }
  std::cout << "encode+decode of a 1 KiB event: " << std::chrono::nanoseconds(per_round).count() << " ns\n";
}

}  // namespace
}  // namespace zroute
