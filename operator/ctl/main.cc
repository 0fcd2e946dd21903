// zroutectl: the command-line tool for zroute (operator/ctl/commands.h lists the commands).
#include <signal.h>

#include <iostream>
#include <string>
#include <vector>

#include "operator/ctl/commands.h"

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);  // `zroutectl tail -f | head` ends with a write error, not a signal
  std::vector<std::string> args(argv, argv + argc);
  return zroute::ctl::RunCtl(args, std::cout, std::cerr);
}
