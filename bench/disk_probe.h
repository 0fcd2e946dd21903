// Disk probe: the latency of the operation a durable publish waits for, on the disk the sidecars
// use, without zroute: append 1 KiB to a file and fdatasync it, one after another. Under
// --outbox-sync batch every publish answer waits for one such sync (shared by a group commit), so
// its percentiles are the floor under the publish latency and its tail shows through the
// end-to-end tail.
#pragma once

#include <string>
#include <vector>

#include "common/util/status.h"

namespace zroute::bench {

// Runs `count` rounds of write(1 KiB) + fdatasync on a new file in `dir` (removed afterwards);
// returns each round's fdatasync time in microseconds, sorted.
StatusOr<std::vector<double>> FdatasyncLatenciesUs(const std::string& dir, int count);

}  // namespace zroute::bench
