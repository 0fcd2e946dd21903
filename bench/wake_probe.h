// Wake-up probe: what one thread hand-off costs on this machine, without zroute. One thread
// writes an eventfd every `period`; another, blocked in poll(2) on it, notes how long after the
// write it ran. An event through zroute crosses several such hand-offs more than a direct POST
// (HTTP thread -> link thread -> ZeroMQ I/O thread on the publishing side, I/O thread -> link
// thread -> delivery thread on the consuming side), so this bounds what the chain can cost. On a
// paravirtualised guest the figure grows as the machine idles (a halted virtual CPU is slower to
// wake), which is why it is paced like the latency runs instead of measured back to back.
#pragma once

#include <chrono>
#include <vector>

#include "common/util/status.h"

namespace zroute::bench {

// `count` hand-offs, one every `period`; returns each one's latency in microseconds, sorted.
StatusOr<std::vector<double>> WakeUpLatenciesUs(int count, std::chrono::microseconds period);

}  // namespace zroute::bench
