#include "bench/disk_probe.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace zroute::bench {

StatusOr<std::vector<double>> FdatasyncLatenciesUs(const std::string& dir, int count,
                                                   std::chrono::microseconds period) {
  const std::string path = dir + "/fdatasync-probe";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("open " + path + ": " + std::strerror(errno));
  const std::string block(1024, 'z');
  std::vector<double> us;
  us.reserve(static_cast<size_t>(count));
  Status status;
  const auto first = std::chrono::steady_clock::now();
  for (int i = 0; i < count && status.ok(); ++i) {
    std::this_thread::sleep_until(first + i * period);  // a schedule, not synchronisation
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) {
      status = Status::IOError("write " + path + ": " + std::strerror(errno));
      break;
    }
    const auto start = std::chrono::steady_clock::now();
    if (::fdatasync(fd) != 0) {
      status = Status::IOError("fdatasync " + path + ": " + std::strerror(errno));
      break;
    }
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  ::close(fd);
  ::unlink(path.c_str());
  if (!status.ok()) return status;
  std::sort(us.begin(), us.end());
  return us;
}

}  // namespace zroute::bench
