// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), no dependency: the CPU's crc32
// instruction where there is one (x86-64 with SSE 4.2, chosen at run time), else table-driven
// slicing-by-8. Used to detect torn and corrupt outbox records. Thread-safe (the tables are
// built at compile time, the choice once).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace zroute::crc32c {

// Continues a CRC: Extend(Extend(0, a), b) == Value(a + b).
uint32_t Extend(uint32_t crc, const char* data, size_t n);

inline uint32_t Value(std::string_view data) { return Extend(0, data.data(), data.size()); }

// The table-driven version, whatever the CPU; Extend gives the same results.
uint32_t ExtendPortable(uint32_t crc, const char* data, size_t n);
// Whether Extend uses the CPU's instruction.
bool HardwareAccelerated();

}  // namespace zroute::crc32c
