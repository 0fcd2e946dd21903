// DedupeWindow: remembers the last N (subscription, event id) pairs this sidecar acknowledged,
// so a redelivery of an event the app already took is acked without calling the app again.
// Bounded: the oldest entries are forgotten first. Thread: the link thread only.
//
// Entries are 128-bit keyed digests of the pair (SHA-256 under a random per-window key,
// truncated), not the strings: a full window of 100,000 takes about 6 MB instead of about 20 MB
// (the subscriber sidecar's peak resident memory in the 100,000-event benchmark: 47.6 → 32 MiB;
// idle +0.4 MiB for OpenSSL's digest). A digest
// collision would ack an event unseen, so the digest is wide (about 1 in 10^28 for a full window)
// and keyed, so a publisher cannot choose ids that collide with another's.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <string_view>
#include <unordered_set>

struct evp_md_ctx_st;

namespace zroute {

class DedupeWindow {
 public:
  explicit DedupeWindow(size_t capacity);
  ~DedupeWindow();
  DedupeWindow(const DedupeWindow&) = delete;
  DedupeWindow& operator=(const DedupeWindow&) = delete;

  bool Contains(std::string_view subscription, std::string_view id) const;
  void Add(std::string_view subscription, std::string_view id);
  size_t size() const { return set_.size(); }

 private:
  struct Digest {
    uint64_t hi = 0, lo = 0;
    bool operator==(const Digest&) const = default;
  };
  struct DigestHash {
    size_t operator()(const Digest& d) const { return static_cast<size_t>(d.lo); }  // already uniform
  };

  Digest Of(std::string_view subscription, std::string_view id) const;

  size_t capacity_;
  std::array<unsigned char, 32> key_{};
  evp_md_ctx_st* ctx_;  // reused for every digest (EVP_MD_CTX)
  std::unordered_set<Digest, DigestHash> set_;
  std::deque<Digest> order_;
};

}  // namespace zroute
