// Outbox recovery: how long OpenOutbox takes on a log of `records` retained events, beside the
// time a plain sequential read of the same segment files takes (the floor for a recovery that
// checks every record). Page cache warm in both (the log was just written).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/util/status.h"

namespace zroute::bench {

struct RecoveryResult {
  uint64_t records = 0;
  uint64_t bytes = 0;
  std::vector<double> open_seconds;  // per round
  std::vector<double> read_seconds;  // per round: read(2) of every file, 1 MiB at a time
};

// Writes `records` events of `payload_bytes` under `dir` (created; removed afterwards).
StatusOr<RecoveryResult> MeasureRecovery(const std::string& dir, uint64_t records, size_t payload_bytes, int rounds);

}  // namespace zroute::bench
