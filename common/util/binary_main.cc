#include "common/util/binary_main.h"

#include <signal.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "common/util/logging.h"

namespace zroute {
namespace {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

void BlockStopSignals() {
  sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int WaitForStopSignal() {
  sigset_t set = StopSignals();
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

void WritePortFile(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text << "\n";
  }
  std::rename(tmp.c_str(), path.c_str());
}

std::optional<int> ParseCommandLine(Flags& flags, const std::string& program, int argc, char** argv,
                                    const std::string& log_level) {
  Status s = flags.Parse(argc, argv);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!s.ok()) {
    std::cerr << program << ": " << s.message() << "\n";
    return 2;
  }
  LogLevel level;
  if (!ParseLogLevel(log_level, &level)) {
    std::cerr << program << ": --log-level: unknown level '" << log_level << "'\n";
    return 2;
  }
  SetLogLevel(level);
  return std::nullopt;
}

}  // namespace zroute
