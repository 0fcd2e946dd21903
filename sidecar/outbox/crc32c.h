// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven slicing-by-8, no dependency.
// Used to detect torn and corrupt outbox records. Thread-safe (tables are built once, statically).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace zroute::crc32c {

// Continues a CRC: Extend(Extend(0, a), b) == Value(a + b).
uint32_t Extend(uint32_t crc, const char* data, size_t n);

inline uint32_t Value(std::string_view data) { return Extend(0, data.data(), data.size()); }

}  // namespace zroute::crc32c
