// Runs the real helm binary for the chart tests.
//
// helm is looked up on PATH first (make test puts <repo>/tools/bin there), then at
// <repo>/tools/bin/helm. It runs without a shell (arguments are passed as they are) and with its
// config, cache and data folders in a private temporary folder, so the tests neither read nor
// write the user's helm setup. Thread-compatible: call from one test thread at a time.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/util/status.h"

namespace zroute::chart_testing {

struct ProcessResult {
  int exit_code = -1;  // the exit status, or 128 + signal number when killed by a signal
  std::string out;
  std::string err;
};

// The repository root (a compile definition), e.g. for "charts/zroute".
std::string SourcePath(const std::string& relative);

// Absolute path of helm, or NotFound with a message that says how to install it.
StatusOr<std::string> FindHelm();

// Runs helm with `args`. OK means helm ran and exited (with any exit code); an error means it
// could not be started or did not finish within `timeout` (then it is killed).
StatusOr<ProcessResult> RunHelm(const std::vector<std::string>& args,
                                std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace zroute::chart_testing
