// DedupeWindow: remembers the last N (subscription, event id) pairs this sidecar acknowledged,
// so a redelivery of an event the app already took is acked without calling the app again.
// Bounded: the oldest entries are forgotten first. Thread: the link thread only.
//
// Entries are 128-bit keyed digests of the pair (SipHash-2-4-128 under a random per-window key),
// not the strings: a digest collision would ack an event unseen, so the digest is wide (about 1
// in 10^28 for a full window) and keyed, so a publisher cannot choose ids that collide with
// another's. The digests sit inline in an open-addressing table (linear probing, at most half
// full, deletion by backward shift) and in a ring that remembers their order: no allocation per
// entry, and a lookup touches one or two cache lines. A full window of 100,000 takes about
// 5.6 MB (4 MiB table, 1.6 MB ring); the node-based set it replaces took about 7 MB and spent
// a third of the subscriber's link thread in the batched benchmark (bench/README.md).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/security/siphash.h"

namespace zroute {

class DedupeWindow {
 public:
  explicit DedupeWindow(size_t capacity);  // remembers at most max(capacity, 1) pairs

  bool Contains(std::string_view subscription, std::string_view id) const;
  void Add(std::string_view subscription, std::string_view id);
  size_t size() const { return count_; }

 private:
  using Digest = security::SipHash128Result;  // never all zero: that marks an empty slot

  Digest Of(std::string_view subscription, std::string_view id) const;
  size_t Home(const Digest& d) const { return static_cast<size_t>(d.second) & (slots_.size() - 1); }
  // Index of `d` in slots_, or of the empty slot where it would go.
  size_t Probe(const Digest& d) const;
  void Erase(const Digest& d);
  void Grow();

  size_t capacity_;
  security::SipHashKey key_{};
  std::vector<Digest> slots_;  // size a power of two, at least twice count_
  size_t count_ = 0;
  std::vector<Digest> ring_;   // insertion order; once full, ring_head_ is the oldest
  size_t ring_head_ = 0;
};

}  // namespace zroute
