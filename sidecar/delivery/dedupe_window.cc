#include "sidecar/delivery/dedupe_window.h"

#include <openssl/rand.h>

#include <algorithm>
#include <random>

namespace zroute {
namespace {

constexpr size_t kInitialSlots = 16;

bool IsEmpty(const security::SipHash128Result& d) { return d.first == 0 && d.second == 0; }

}  // namespace

DedupeWindow::DedupeWindow(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)), slots_(kInitialSlots) {
  if (RAND_bytes(key_.data(), static_cast<int>(key_.size())) != 1) {
    std::random_device rd;  // the kernel's source too; OpenSSL's pool failing is unusual
    for (auto& b : key_) b = static_cast<uint8_t>(rd());
  }
  ring_.reserve(capacity_);  // address space only: pages are touched as entries arrive
}

DedupeWindow::Digest DedupeWindow::Of(std::string_view subscription, std::string_view id) const {
  // len(subscription) || subscription || id: the length keeps ("a", "bc") and ("ab", "c") apart.
  const uint64_t len = subscription.size();
  security::SipHash128 h(key_);
  h.Update(std::string_view(reinterpret_cast<const char*>(&len), sizeof len));
  h.Update(subscription);
  h.Update(id);
  Digest d = h.Finish();
  if (IsEmpty(d)) d.first = 1;  // keeps "empty" unambiguous; changes the odds of a collision by nothing measurable
  return d;
}

size_t DedupeWindow::Probe(const Digest& d) const {
  const size_t mask = slots_.size() - 1;
  size_t i = Home(d);
  while (!IsEmpty(slots_[i]) && !(slots_[i] == d)) i = (i + 1) & mask;
  return i;
}

bool DedupeWindow::Contains(std::string_view subscription, std::string_view id) const {
  return !IsEmpty(slots_[Probe(Of(subscription, id))]);
}

void DedupeWindow::Add(std::string_view subscription, std::string_view id) {
  const Digest d = Of(subscription, id);
  size_t i = Probe(d);
  if (!IsEmpty(slots_[i])) return;  // already remembered: neither grows nor refreshes
  if (ring_.size() == capacity_) {  // full: forget the oldest, and take its place in the ring
    Erase(ring_[ring_head_]);
    ring_[ring_head_] = d;
    ring_head_ = (ring_head_ + 1) % capacity_;
    i = Probe(d);  // the erase may have shifted entries
  } else {
    ring_.push_back(d);
    if (2 * (count_ + 1) > slots_.size()) {
      Grow();
      i = Probe(d);
    }
  }
  slots_[i] = d;
  ++count_;
}

void DedupeWindow::Erase(const Digest& d) {
  const size_t mask = slots_.size() - 1;
  size_t hole = Probe(d);
  if (IsEmpty(slots_[hole])) return;
  // Backward shift: later entries of the same probe run move into the hole, so every entry stays
  // reachable from its home slot without tombstones.
  for (size_t j = (hole + 1) & mask; !IsEmpty(slots_[j]); j = (j + 1) & mask) {
    const size_t home = Home(slots_[j]);
    // The entry at j may fill the hole unless its home lies cyclically in (hole, j].
    const bool home_after_hole = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (home_after_hole) continue;
    slots_[hole] = slots_[j];
    hole = j;
  }
  slots_[hole] = Digest{};
  --count_;
}

void DedupeWindow::Grow() {
  std::vector<Digest> old(2 * slots_.size());
  old.swap(slots_);
  for (const Digest& d : old) {
    if (!IsEmpty(d)) slots_[Probe(d)] = d;
  }
}

}  // namespace zroute
