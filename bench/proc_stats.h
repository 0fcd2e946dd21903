// ProcStats: CPU time and resident memory of another process on this machine, read from
// /proc/<pid>/stat and /proc/<pid>/status (Linux). Used by zroute-bench to price the sidecars.
// Stateless functions; safe from any thread. A process that is gone reads as an error.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "common/util/status.h"

namespace zroute::bench {

// utime + stime of the process (all its threads), in seconds.
StatusOr<double> ProcessCpuSeconds(pid_t pid);

// A "kB" field of /proc/<pid>/status in bytes: "VmRSS" (resident now) or "VmHWM" (peak resident).
StatusOr<uint64_t> ProcessMemoryBytes(pid_t pid, const char* field);

}  // namespace zroute::bench
