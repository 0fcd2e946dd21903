// ProcStats: CPU time and resident memory of another process on this machine, read from
// /proc/<pid>/stat and /proc/<pid>/status (Linux), and context switches from its threads' status
// files. Used by zroute-bench to price the sidecars.
// Stateless functions; safe from any thread. A process that is gone reads as an error.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "common/util/status.h"

namespace zroute::bench {

// utime + stime of the process (all its threads), in seconds.
StatusOr<double> ProcessCpuSeconds(pid_t pid);

// Context switches (voluntary + involuntary) of every thread the process has now, summed from
// /proc/<pid>/task/*/status. A thread that exited between two readings takes its count with it;
// the threads on zroute's event path (HTTP, outbox, link, delivery) live as long as the process.
StatusOr<uint64_t> ProcessContextSwitches(pid_t pid);

// A "kB" field of /proc/<pid>/status in bytes: "VmRSS" (resident now) or "VmHWM" (peak resident).
StatusOr<uint64_t> ProcessMemoryBytes(pid_t pid, const char* field);

}  // namespace zroute::bench
