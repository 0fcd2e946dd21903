#include "operator/kube/token_source.h"

#include <fstream>
#include <sstream>

namespace zroute::kube {
namespace {

constexpr size_t kMaxTokenBytes = 64 * 1024;

std::string TrimWhitespace(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t b = s.find_first_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b);
}

}  // namespace

TokenSource::TokenSource(std::string token) : token_(std::move(token)), have_token_(true), stale_(false) {}

TokenSource::TokenSource(std::string path, const Clock& clock, Duration refresh_interval)
    : path_(std::move(path)), clock_(&clock), refresh_interval_(refresh_interval) {}

StatusOr<std::string> TokenSource::Token() {
  std::lock_guard<std::mutex> lock(mu_);
  if (path_.empty()) return token_;
  MonoTime now = clock_->Now();
  if (!stale_ && have_token_ && now - read_at_ < refresh_interval_) return token_;
  std::ifstream in(path_, std::ios::binary);
  std::string text;
  if (in) {
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  if (!in || text.size() > kMaxTokenBytes || TrimWhitespace(text).empty()) {
    if (have_token_) return token_;
    return Status::Unauthenticated("cannot read a bearer token from " + path_);
  }
  token_ = TrimWhitespace(text);
  have_token_ = true;
  stale_ = false;
  read_at_ = now;
  return token_;
}

void TokenSource::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  stale_ = true;
}

}  // namespace zroute::kube
