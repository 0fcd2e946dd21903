// The zroute wire protocol over ZeroMQ, defined once. Grammar and rationale: docs/wire_format.md.
//
// Every message is one ZeroMQ frame (after the ROUTER identity frame on the receiving side):
//   message  = version:u8 command:u8 body
// Link protocol (sidecar DEALER → peer sidecar ROUTER and back) bodies are binary (byte_io.h);
// control protocol (sidecar DEALER ↔ operator ROUTER) bodies are JSON text: they are rare and
// JSON keeps them debuggable and extensible.
#pragma once

#include <cstdint>

namespace zroute::wire {

inline constexpr uint8_t kProtocolVersion = 2;
inline constexpr uint64_t kEventFlagReplay = 1;  // event frame flags  // 2: event frames carry flags

// Largest frame a peer accepts (ZMQ_MAXMSGSIZE): bigger frames drop the connection.
inline constexpr int64_t kMaxFrameBytes = 16 << 20;

enum class LinkCommand : uint8_t {
  kHello = 1,      // publisher → consumer: who I am
  kEvents = 2,     // publisher → consumer: one or more events, each spends one credit
  kAck = 3,        // consumer → publisher: delivered (or dead-lettered) deliveries, plus credit
  kNack = 4,       // consumer → publisher: deliveries handed back unprocessed, plus credit
  kCredit = 5,     // consumer → publisher: more credit
  kHeartbeat = 6,  // either way: still alive
};

enum class ControlCommand : uint8_t {
  kRegister = 1,         // sidecar → operator: identity, endpoint, key; answered by kSnapshot
  kHeartbeat = 2,        // sidecar → operator: liveness + load report
  kSnapshotRequest = 3,  // sidecar → operator: send me the whole table
  kSnapshot = 4,         // operator → sidecar: whole routing table at a version
  kUpdate = 5,           // operator → sidecar: diff from version N to N+1
  kPing = 6,             // operator → sidecar: current version (lets a sidecar see a gap)
  kUnknownSidecar = 7,   // operator → sidecar: you are not registered (operator restarted)
  kLeave = 8,            // sidecar → operator: draining; route no new events to me
};

}  // namespace zroute::wire
