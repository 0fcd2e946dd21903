#include "common/security/siphash.h"

#include <bit>

namespace zroute::security {
namespace {

uint64_t LoadLe64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void Round(uint64_t& v0, uint64_t& v1, uint64_t& v2, uint64_t& v3) {
  v0 += v1;
  v1 = std::rotl(v1, 13);
  v1 ^= v0;
  v0 = std::rotl(v0, 32);
  v2 += v3;
  v3 = std::rotl(v3, 16);
  v3 ^= v2;
  v0 += v3;
  v3 = std::rotl(v3, 21);
  v3 ^= v0;
  v2 += v1;
  v1 = std::rotl(v1, 17);
  v1 ^= v2;
  v2 = std::rotl(v2, 32);
}

}  // namespace

SipHash128::SipHash128(const SipHashKey& key) {
  const uint64_t k0 = LoadLe64(key.data()), k1 = LoadLe64(key.data() + 8);
  v0_ = 0x736f6d6570736575ULL ^ k0;
  v1_ = 0x646f72616e646f6dULL ^ k1 ^ 0xee;  // 0xee: the 128-bit variant
  v2_ = 0x6c7967656e657261ULL ^ k0;
  v3_ = 0x7465646279746573ULL ^ k1;
}

void SipHash128::Compress(uint64_t m) {
  v3_ ^= m;
  Round(v0_, v1_, v2_, v3_);  // c = 2 rounds per word
  Round(v0_, v1_, v2_, v3_);
  v0_ ^= m;
}

void SipHash128::Update(std::string_view data) {
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t n = data.size();
  length_ += n;
  while (n > 0 && tail_bytes_ > 0) {  // finish the word a previous Update started
    tail_ |= static_cast<uint64_t>(*p++) << (8 * tail_bytes_);
    --n;
    if (++tail_bytes_ == 8) {
      Compress(tail_);
      tail_ = 0;
      tail_bytes_ = 0;
    }
  }
  for (; n >= 8; p += 8, n -= 8) Compress(LoadLe64(p));
  for (; n > 0; --n) tail_ |= static_cast<uint64_t>(*p++) << (8 * tail_bytes_++);
}

SipHash128Result SipHash128::Finish() {
  Compress(tail_ | (length_ << 56));
  v2_ ^= 0xee;
  for (int i = 0; i < 4; ++i) Round(v0_, v1_, v2_, v3_);  // d = 4 rounds
  SipHash128Result r;
  r.first = v0_ ^ v1_ ^ v2_ ^ v3_;
  v1_ ^= 0xdd;
  for (int i = 0; i < 4; ++i) Round(v0_, v1_, v2_, v3_);
  r.second = v0_ ^ v1_ ^ v2_ ^ v3_;
  return r;
}

SipHash128Result SipHash128Of(const SipHashKey& key, std::string_view data) {
  SipHash128 h(key);
  h.Update(data);
  return h.Finish();
}

}  // namespace zroute::security
