#include "common/routing/rendezvous.h"

namespace zroute {

uint64_t Hash64(std::string_view data, uint64_t seed) {
  // FNV-1a followed by a splitmix64 finaliser: cheap, and well mixed for short keys.
  uint64_t h = 1469598103934665603ULL ^ seed;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

int RendezvousPick(std::string_view key, const std::vector<std::string_view>& candidates) {
  int best = -1;
  uint64_t best_weight = 0;
  uint64_t key_hash = Hash64(key);
  for (size_t i = 0; i < candidates.size(); ++i) {
    uint64_t w = Hash64(candidates[i], key_hash);
    if (best < 0 || w > best_weight) {
      best = static_cast<int>(i);
      best_weight = w;
    }
  }
  return best;
}

}  // namespace zroute
