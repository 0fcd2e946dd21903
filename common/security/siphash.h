// SipHash-2-4 with a 128-bit result (Aumasson and Bernstein), computed incrementally: a keyed
// hash for in-memory tables whose keys come from other parties. Without the 128-bit key an
// attacker cannot choose inputs that collide, and two distinct inputs collide by chance with
// probability about 2^-128. It is not a MAC for messages on the wire.
// Thread-safety: a SipHash128 object belongs to one thread; the free function has no state.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace zroute::security {

using SipHashKey = std::array<uint8_t, 16>;

// The 16 result bytes as two little-endian words: `first` holds bytes 0..7, `second` bytes 8..15.
struct SipHash128Result {
  uint64_t first = 0, second = 0;
  bool operator==(const SipHash128Result&) const = default;
};

class SipHash128 {
 public:
  explicit SipHash128(const SipHashKey& key);

  // Feeds more input; Update(a); Update(b) equals Update(a + b).
  void Update(std::string_view data);
  // The hash of everything fed so far. The object is spent afterwards.
  SipHash128Result Finish();

 private:
  void Compress(uint64_t m);

  uint64_t v0_, v1_, v2_, v3_;
  uint64_t tail_ = 0;       // input bytes not yet forming a full 8-byte word, little-endian
  unsigned tail_bytes_ = 0;  // how many of them (0..7)
  uint64_t length_ = 0;      // bytes fed in total (only its low byte enters the hash)
};

SipHash128Result SipHash128Of(const SipHashKey& key, std::string_view data);

}  // namespace zroute::security
