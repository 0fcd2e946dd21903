#include "common/util/duration.h"

#include <cassert>
#include <cstdint>
#include <iterator>
#include <limits>

namespace zroute {
namespace {

using Nanos = std::chrono::nanoseconds;

constexpr uint64_t kMaxNanos = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

struct Unit {
  std::string_view name;
  uint64_t nanos;
};

// Two-letter names come before "s" and "m" so that "ms" is not read as "m" then "s".
constexpr Unit kUnits[] = {
    {"ns", 1ULL},
    {"us", 1000ULL},
    {"ms", 1000ULL * 1000},
    {"s", 1000ULL * 1000 * 1000},
    {"m", 60ULL * 1000 * 1000 * 1000},
    {"h", 3600ULL * 1000 * 1000 * 1000},
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status Invalid(std::string_view text, const std::string& why) {
  return Status::InvalidArgument("invalid duration \"" + std::string(text) + "\": " + why);
}

// a * b + c without exceeding kMaxNanos; false on overflow.
bool MulAdd(uint64_t a, uint64_t b, uint64_t c, uint64_t* out) {
  if (b != 0 && a > (kMaxNanos - c) / b) return false;
  *out = a * b + c;
  return *out <= kMaxNanos;
}

}  // namespace

StatusOr<Nanos> ParseDuration(std::string_view text) {
  if (text.empty()) return Invalid(text, "empty");
  if (text.size() > kMaxDurationLength) {
    return Status::InvalidArgument("invalid duration: longer than " + std::to_string(kMaxDurationLength) +
                                   " characters");
  }
  if (text == "0") return Nanos(0);
  if (text[0] == '-' || text[0] == '+') return Invalid(text, "a sign is not allowed");

  uint64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    // Integer part.
    if (!IsDigit(text[i])) return Invalid(text, "expected a number at offset " + std::to_string(i));
    uint64_t whole = 0;
    bool whole_overflow = false;
    while (i < text.size() && IsDigit(text[i])) {
      if (!MulAdd(whole, 10, static_cast<uint64_t>(text[i] - '0'), &whole)) whole_overflow = true;
      ++i;
    }
    // Fraction: keep at most 18 digits (finer than any unit's nanosecond resolution needs).
    uint64_t frac = 0;
    uint64_t frac_scale = 1;
    if (i < text.size() && text[i] == '.') {
      ++i;
      if (i >= text.size() || !IsDigit(text[i])) return Invalid(text, "expected digits after '.'");
      while (i < text.size() && IsDigit(text[i])) {
        if (frac_scale < 1000000000000000000ULL) {
          frac = frac * 10 + static_cast<uint64_t>(text[i] - '0');
          frac_scale *= 10;
        }
        ++i;
      }
    }
    // Unit.
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(i, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) {
      if (i >= text.size()) return Invalid(text, "missing unit (use ns, us, ms, s, m or h)");
      return Invalid(text, "unknown unit at offset " + std::to_string(i) + " (use ns, us, ms, s, m or h)");
    }
    i += unit->name.size();

    uint64_t value = 0;
    if (whole_overflow || !MulAdd(whole, unit->nanos, 0, &value)) return Invalid(text, "too large");
    if (frac != 0) {
      // frac / frac_scale * unit, computed without overflow: unit <= 3.6e12, frac < frac_scale <= 1e18.
      const long double part = static_cast<long double>(frac) * static_cast<long double>(unit->nanos) /
                               static_cast<long double>(frac_scale);
      if (part >= static_cast<long double>(kMaxNanos)) return Invalid(text, "too large");
      if (!MulAdd(value, 1, static_cast<uint64_t>(part), &value)) return Invalid(text, "too large");
    }
    if (!MulAdd(total, 1, value, &total)) return Invalid(text, "too large");
  }
  return Nanos(static_cast<int64_t>(total));
}

StatusOr<std::chrono::milliseconds> ParseDurationMillis(std::string_view text) {
  ZR_ASSIGN_OR_RETURN(Nanos d, ParseDuration(text));
  const auto whole = std::chrono::duration_cast<std::chrono::milliseconds>(d);
  if (Nanos(whole) != d) return Invalid(text, "not a whole number of milliseconds");
  return whole;
}

StatusOr<std::chrono::seconds> ParseDurationSeconds(std::string_view text) {
  ZR_ASSIGN_OR_RETURN(Nanos d, ParseDuration(text));
  const auto whole = std::chrono::duration_cast<std::chrono::seconds>(d);
  if (Nanos(whole) != d) return Invalid(text, "not a whole number of seconds");
  return whole;
}

std::string FormatDuration(Nanos d) {
  assert(d.count() >= 0);
  if (d.count() == 0) return "0s";
  uint64_t rest = static_cast<uint64_t>(d.count());
  std::string out;
  for (int u = static_cast<int>(std::size(kUnits)) - 1; u >= 0; --u) {
    const uint64_t n = rest / kUnits[u].nanos;
    if (n == 0) continue;
    out += std::to_string(n);
    out += kUnits[u].name;
    rest -= n * kUnits[u].nanos;
  }
  return out;
}

}  // namespace zroute
