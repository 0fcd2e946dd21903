// Start-up and shutdown steps every zroute binary shares: stop signals taken synchronously, and
// the flags + --log-level parse with the same exit codes (0 after --help, 2 for a bad flag).
#pragma once

#include <optional>
#include <string>

#include "common/util/flags.h"

namespace zroute {

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts later (call it first
// in main), so WaitForStopSignal can take them; ignores SIGPIPE (a peer closing a socket).
void BlockStopSignals();
// Waits for SIGTERM or SIGINT; returns the signal number.
int WaitForStopSignal();

// Writes `text` and a newline to `path` through a temporary file renamed over it, so whoever
// waits for the file (the tests, the demo, the benchmark) reads all of it or nothing.
void WritePortFile(const std::string& path, const std::string& text);

// Parses the command line and applies `log_level` (the variable the --log-level flag writes).
// Returns the exit code when main should end now (usage printed, or an error on stderr), or
// nullopt to go on.
std::optional<int> ParseCommandLine(Flags& flags, const std::string& program, int argc, char** argv,
                                    const std::string& log_level);

}  // namespace zroute
