#include "sidecar/outbox/crc32c.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

namespace zroute {
namespace {

TEST(Crc32cTest, ThePortableVersionMatchesKnownVectors) {
  auto value = [](const std::string& s) { return crc32c::ExtendPortable(0, s.data(), s.size()); };
  EXPECT_EQ(value("123456789"), 0xE3069283u);
  EXPECT_EQ(value(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(value(std::string(32, '\xff')), 0x62A8AB43u);
}

// Extend (the CPU's instruction where there is one) against the tables, at every length up to
// 64, odd alignments and random continuations.
TEST(Crc32cTest, ExtendMatchesThePortableVersion) {
  std::mt19937 rng(32);
  std::string buffer(4096 + 16, '\0');
  for (auto& c : buffer) c = static_cast<char>(rng());
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t len = 0; len <= 64; ++len) {
      const char* p = buffer.data() + offset;
      ASSERT_EQ(crc32c::Extend(0, p, len), crc32c::ExtendPortable(0, p, len)) << offset << " " << len;
    }
  }
  for (int round = 0; round < 1000; ++round) {
    const uint32_t seed = static_cast<uint32_t>(rng());
    const size_t offset = rng() % 16, len = rng() % 4096;
    const char* p = buffer.data() + offset;
    ASSERT_EQ(crc32c::Extend(seed, p, len), crc32c::ExtendPortable(seed, p, len)) << round;
  }
  std::printf("crc32c: %s\n", crc32c::HardwareAccelerated() ? "the CPU's crc32 instruction" : "tables");
}

TEST(Crc32cTest, MatchesKnownVectors) {
  EXPECT_EQ(crc32c::Value("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c::Value(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c::Value(std::string(32, '\xff')), 0x62A8AB43u);
  EXPECT_EQ(crc32c::Value(""), 0u);
}

TEST(Crc32cTest, ExtendEqualsWholeValueAtEverySplit) {
  std::string data;
  for (int i = 0; i < 100; ++i) data.push_back(static_cast<char>(i * 37 + 11));
  const uint32_t whole = crc32c::Value(data);
  for (size_t split = 0; split <= data.size(); ++split) {
    uint32_t crc = crc32c::Extend(0, data.data(), split);
    crc = crc32c::Extend(crc, data.data() + split, data.size() - split);
    EXPECT_EQ(crc, whole) << split;
  }
}

TEST(Crc32cTest, DetectsSingleBitFlips) {
  std::string data = "outbox record payload";
  const uint32_t original = crc32c::Value(data);
  for (size_t bit = 0; bit < data.size() * 8; ++bit) {
    std::string flipped = data;
    flipped[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    EXPECT_NE(crc32c::Value(flipped), original) << bit;
  }
}

}  // namespace
}  // namespace zroute
