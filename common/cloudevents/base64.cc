#include "common/cloudevents/base64.h"

#include <array>
#include <cstdint>

namespace zroute {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> MakeDecodeTable() {
  std::array<uint8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  for (uint8_t i = 0; i < 64; ++i) table[static_cast<uint8_t>(kAlphabet[i])] = i;
  return table;
}

constexpr std::array<uint8_t, 256> kDecode = MakeDecodeTable();

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.resize((bytes.size() + 2) / 3 * 4);
  const auto* in = reinterpret_cast<const uint8_t*>(bytes.data());
  char* p = out.data();
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    *p++ = kAlphabet[v >> 18];
    *p++ = kAlphabet[(v >> 12) & 0x3f];
    *p++ = kAlphabet[(v >> 6) & 0x3f];
    *p++ = kAlphabet[v & 0x3f];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{in[i]} << 16;
    if (rest == 2) v |= uint32_t{in[i + 1]} << 8;
    *p++ = kAlphabet[v >> 18];
    *p++ = kAlphabet[(v >> 12) & 0x3f];
    *p++ = rest == 2 ? kAlphabet[(v >> 6) & 0x3f] : '=';
    *p++ = '=';
  }
  return out;
}

StatusOr<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 == 0 && !text.empty()) {
    if (text.back() == '=') text.remove_suffix(1);
    if (text.back() == '=') text.remove_suffix(1);
  }
  if (text.size() % 4 == 1) return Status::InvalidArgument("base64 text has an impossible length");
  std::string out;
  out.resize(text.size() / 4 * 3 + (text.size() % 4 == 0 ? 0 : text.size() % 4 - 1));
  const auto* in = reinterpret_cast<const uint8_t*>(text.data());
  char* p = out.data();
  size_t i = 0;
  auto symbol = [&](size_t k, uint32_t* v) {
    uint8_t d = kDecode[in[k]];
    if (d == kInvalid) return false;
    *v = (*v << 6) | d;
    return true;
  };
  for (; i + 4 <= text.size(); i += 4) {
    uint32_t v = 0;
    if (!symbol(i, &v) || !symbol(i + 1, &v) || !symbol(i + 2, &v) || !symbol(i + 3, &v)) {
      return Status::InvalidArgument("base64 text has a character outside the alphabet");
    }
    *p++ = static_cast<char>(v >> 16);
    *p++ = static_cast<char>(v >> 8);
    *p++ = static_cast<char>(v);
  }
  size_t rest = text.size() - i;
  if (rest > 0) {
    uint32_t v = 0;
    for (size_t k = 0; k < rest; ++k) {
      if (!symbol(i + k, &v)) return Status::InvalidArgument("base64 text has a character outside the alphabet");
    }
    // rest == 2: 12 bits carry 8; rest == 3: 18 bits carry 16. The leftover bits must be zero.
    if (rest == 2) {
      if (v & 0xf) return Status::InvalidArgument("base64 text has non-zero padding bits");
      *p++ = static_cast<char>(v >> 4);
    } else {
      if (v & 0x3) return Status::InvalidArgument("base64 text has non-zero padding bits");
      *p++ = static_cast<char>(v >> 10);
      *p++ = static_cast<char>(v >> 2);
    }
  }
  return out;
}

}  // namespace zroute
