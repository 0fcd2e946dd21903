#include "common/security/siphash.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <random>
#include <string>

namespace zroute::security {
namespace {

// The reference: OpenSSL's SipHash MAC with a 16-byte result (2 compression and 4 finalization
// rounds by default), as the 16 result bytes.
std::array<uint8_t, 16> OpenSslSipHash128(const SipHashKey& key, std::string_view data) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
  EXPECT_NE(mac, nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  size_t size = 16;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size), OSSL_PARAM_construct_end()};
  std::array<uint8_t, 16> out{};
  size_t out_len = 0;
  EXPECT_EQ(EVP_MAC_init(ctx, key.data(), key.size(), params), 1);
  EXPECT_EQ(EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()), 1);
  EXPECT_EQ(EVP_MAC_final(ctx, out.data(), &out_len, out.size()), 1);
  EXPECT_EQ(out_len, 16u);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return out;
}

std::array<uint8_t, 16> Bytes(SipHash128Result r) {
  std::array<uint8_t, 16> out{};
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<uint8_t>(r.first >> (8 * i));
    out[8 + i] = static_cast<uint8_t>(r.second >> (8 * i));
  }
  return out;
}

SipHashKey SequentialKey() {
  SipHashKey k;
  for (int i = 0; i < 16; ++i) k[i] = static_cast<uint8_t>(i);
  return k;
}

TEST(SipHashTest, MatchesThePublishedVectorForTheEmptyInput) {
  // The reference implementation's first 128-bit test vector: key 00 01 .. 0f, empty message.
  const std::array<uint8_t, 16> expected = {0xa3, 0x81, 0x7f, 0x04, 0xba, 0x25, 0xa8, 0xe6,
                                            0x6d, 0xf6, 0x72, 0x14, 0xc7, 0x55, 0x02, 0x93};
  EXPECT_EQ(Bytes(SipHash128Of(SequentialKey(), "")), expected);
}

TEST(SipHashTest, MatchesOpenSslForEveryLengthUpTo64) {
  std::string message;
  for (int len = 0; len <= 64; ++len) {
    EXPECT_EQ(Bytes(SipHash128Of(SequentialKey(), message)), OpenSslSipHash128(SequentialKey(), message))
        << "length " << len;
    message.push_back(static_cast<char>(len));
  }
}

TEST(SipHashTest, MatchesOpenSslForRandomKeysAndInputsFedInRandomPieces) {
  std::mt19937_64 rng(20261202);
  for (int round = 0; round < 500; ++round) {
    SipHashKey key;
    for (auto& b : key) b = static_cast<uint8_t>(rng());
    std::string data(rng() % 300, '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    SipHash128 h(key);
    for (size_t at = 0; at < data.size();) {
      const size_t piece = std::min<size_t>(rng() % 20, data.size() - at);
      h.Update(std::string_view(data).substr(at, piece));
      at += piece;
    }
    EXPECT_EQ(Bytes(h.Finish()), OpenSslSipHash128(key, data)) << "round " << round;
  }
}

TEST(SipHashTest, TheKeyChangesTheResult) {
  SipHashKey other = SequentialKey();
  other[15] ^= 1;
  EXPECT_NE(SipHash128Of(SequentialKey(), "default/orders e1"), SipHash128Of(other, "default/orders e1"));
}

}  // namespace
}  // namespace zroute::security
