#include "sidecar/delivery/dedupe_window.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <cstring>
#include <random>

namespace zroute {

DedupeWindow::DedupeWindow(size_t capacity) : capacity_(capacity), ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) std::abort();  // out of memory at start-up
  if (RAND_bytes(key_.data(), static_cast<int>(key_.size())) != 1) {
    std::random_device rd;  // the kernel's source too; OpenSSL's pool failing is unusual
    for (auto& b : key_) b = static_cast<unsigned char>(rd());
  }
}

DedupeWindow::~DedupeWindow() { EVP_MD_CTX_free(ctx_); }

DedupeWindow::Digest DedupeWindow::Of(std::string_view subscription, std::string_view id) const {
  // key || len(subscription) || subscription || id: the length keeps ("a", "bc") and ("ab", "c")
  // apart.
  const uint64_t len = subscription.size();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  EVP_MD_CTX* ctx = ctx_;
  if (EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, key_.data(), key_.size()) != 1 || EVP_DigestUpdate(ctx, &len, sizeof(len)) != 1 ||
      EVP_DigestUpdate(ctx, subscription.data(), subscription.size()) != 1 ||
      EVP_DigestUpdate(ctx, id.data(), id.size()) != 1 || EVP_DigestFinal_ex(ctx, out, &out_len) != 1) {
    std::abort();  // SHA-256 is always there; failing means the process is out of memory
  }
  Digest d;
  std::memcpy(&d.hi, out, sizeof(d.hi));
  std::memcpy(&d.lo, out + sizeof(d.hi), sizeof(d.lo));
  return d;
}

bool DedupeWindow::Contains(std::string_view subscription, std::string_view id) const {
  return set_.count(Of(subscription, id)) > 0;
}

void DedupeWindow::Add(std::string_view subscription, std::string_view id) {
  const Digest d = Of(subscription, id);
  if (!set_.insert(d).second) return;
  order_.push_back(d);
  if (order_.size() > capacity_) {
    set_.erase(order_.front());
    order_.pop_front();
  }
}

}  // namespace zroute
