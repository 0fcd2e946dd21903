// The on-disk layout of the outbox: segment files of records, and the cursor file. Defined once
// here; the grammar is written out in docs/outbox_format.md. All integers are little-endian.
//
//   record  := header key payload
//   header  := crc32c:u32  length:u32  offset:u64  publish_time_ns:i64  key_length:u32   (28 bytes)
//   length  := key_length + payload length (bytes after the header)
//   crc32c  := CRC-32C of every byte of the record after the crc field (header[4..28) key payload)
//
// A segment file holds records of consecutive offsets and is named by the offset of its first
// record, zero-padded to 20 digits: "00000000000000000042.log".
#pragma once

#include <cstddef>
#include <cstdint>

namespace zroute::outbox_format {

constexpr size_t kCrcOffset = 0;
constexpr size_t kLengthOffset = 4;
constexpr size_t kOffsetOffset = 8;
constexpr size_t kTimeOffset = 16;
constexpr size_t kKeyLengthOffset = 24;
constexpr size_t kHeaderSize = 28;

// The largest key + payload of one record. A length field above it is garbage, never a reason to
// allocate.
constexpr uint32_t kMaxBodyBytes = 16u << 20;

constexpr const char* kSegmentSuffix = ".log";
constexpr size_t kSegmentNameDigits = 20;

// Cursor file ("cursors" in the topic's directory), written atomically (temp + rename):
//   cursors := magic:u32 count:u32 entry{count} crc32c:u32   (crc over everything before it)
//   entry   := name_length:u16 name offset:u64
constexpr const char* kCursorFileName = "cursors";
constexpr uint32_t kCursorMagic = 0x5A524331;  // "ZRC1"
constexpr size_t kMaxCursorNameBytes = 1024;

}  // namespace zroute::outbox_format
