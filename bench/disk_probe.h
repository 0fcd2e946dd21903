// Disk probe: the latency of the operation a durable publish waits for, on the disk the sidecars
// use, without zroute: append 1 KiB to a file and fdatasync it, at a fixed rate. Under
// --outbox-sync batch every publish answer waits for one such sync (shared by a group commit), so
// its percentiles are the floor under the publish latency and its tail shows through the
// end-to-end tail. The rate matters on these virtual machines: paced at 1,000/s a sync took
// 0.58 ms at the median, back to back 0.39 ms (an idle virtual CPU is slower to take the
// completion), so the probe runs at the rate of the latency figure it stands beside.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/util/status.h"

namespace zroute::bench {

// Runs `count` rounds of write(1 KiB) + fdatasync on a new file in `dir` (removed afterwards),
// starting one every `period`; returns each round's fdatasync time in microseconds, sorted.
StatusOr<std::vector<double>> FdatasyncLatenciesUs(const std::string& dir, int count,
                                                   std::chrono::microseconds period);

}  // namespace zroute::bench
