// RunProcess: runs a program to completion for a test (promtool, zroutectl) and captures what it
// prints. No shell: arguments are passed as they are. `stdin_text` is fed on standard input (the
// child reads it from an unlinked temporary file, so a child that does not read it cannot block).
// The child is killed when it outlives `timeout`. Thread-compatible.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/util/status.h"

namespace zroute::testing {

struct RunResult {
  int exit_code = -1;  // the exit status, or 128 + signal number when killed by a signal
  std::string out;
  std::string err;
};

// OK means the program ran and exited (with any exit code); an error means it could not be
// started or did not finish within `timeout`.
StatusOr<RunResult> RunProcess(const std::vector<std::string>& argv, const std::string& stdin_text = "",
                               std::chrono::milliseconds timeout = std::chrono::seconds(30));

// True when `path` names an executable file.
bool IsExecutable(const std::string& path);

}  // namespace zroute::testing
