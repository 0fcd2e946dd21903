#include "bench/proc_stats.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace zroute::bench {

StatusOr<double> ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name (field 2) is in parentheses and may hold spaces: count fields after ')'.
  size_t close = text.rfind(')');
  if (close == std::string::npos) return Status::NotFound("no /proc/" + std::to_string(pid) + "/stat");
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // After ')': field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
  for (int i = 0; i <= 12 && fields >> field; ++i) {
    if (i == 11) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 12) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

StatusOr<uint64_t> ProcessContextSwitches(pid_t pid) {
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code ec;
  std::filesystem::directory_iterator it(tasks, ec);
  if (ec) return Status::NotFound("no " + tasks.string());
  uint64_t total = 0;
  for (const auto& task : it) {
    std::ifstream in(task.path() / "status");  // gone if the thread just exited: counts nothing
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0 || line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) {
        total += std::strtoull(line.c_str() + line.find(':') + 1, nullptr, 10);
      }
    }
  }
  return total;
}

StatusOr<uint64_t> ProcessMemoryBytes(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return Status::NotFound("no /proc/" + std::to_string(pid) + "/status");
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':') {
      return std::strtoull(line.c_str() + n + 1, nullptr, 10) * 1024;
    }
  }
  return Status::NotFound(std::string(field) + " not in /proc/" + std::to_string(pid) + "/status");
}

}  // namespace zroute::bench
