// Subprocess: a child process started with fork/exec, owned by one object, never left behind.
//
// Used by the integration tests and `make demo` to run the real zroute binaries on loopback.
// The child gets its own process group, so Stop() also reaches anything it forked; the
// destructor stops a child still running (SIGTERM, then SIGKILL after the grace period), so a
// failing test cannot leak processes; and a child is killed when the thread that started it dies
// (PR_SET_PDEATHSIG), so even a test killed by its timeout leaves nothing behind. Output goes to a log file (or is inherited).
// Not thread-safe: one owner thread per Subprocess.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/util/status.h"

namespace zroute {

struct SubprocessOptions {
  std::vector<std::string> argv;  // argv[0] is the program path
  std::string log_file;           // stdout+stderr appended here; empty = inherit the parent's
  std::chrono::milliseconds stop_grace{10000};  // SIGTERM → SIGKILL after this long
};

class Subprocess {
 public:
  Subprocess() = default;
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;

  // Forks and execs options.argv. Fails when the program cannot be started (exec failure is
  // reported by the child through a close-on-exec pipe, so a wrong path is an error here).
  static StatusOr<Subprocess> Start(SubprocessOptions options);

  pid_t pid() const { return pid_; }
  bool running();  // reaps the child if it has exited

  // Sends `signal` to the child's process group (no-op when it has exited).
  void Signal(int signal);
  // SIGTERM, wait up to stop_grace, then SIGKILL. Returns the exit status as from waitpid
  // (or -1 when it was not running). Idempotent.
  int Stop();
  // SIGKILL at once (a crash, for fault tests), then reap.
  int Kill();
  // Waits up to `timeout` for the child to exit by itself; the wait status or an error.
  StatusOr<int> Wait(std::chrono::milliseconds timeout);

 private:
  bool Reap(bool block);

  pid_t pid_ = -1;
  int exit_status_ = -1;
  std::chrono::milliseconds stop_grace_{10000};
};

// Waits up to `timeout` for `path` to exist and hold a complete line (port files are written to a
// temporary name and renamed, so a present file is complete). Returns its content.
StatusOr<std::string> WaitForFile(const std::string& path, std::chrono::milliseconds timeout);

}  // namespace zroute
