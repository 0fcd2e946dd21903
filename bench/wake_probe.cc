#include "bench/wake_probe.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <thread>

namespace zroute::bench {

StatusOr<std::vector<double>> WakeUpLatenciesUs(int count, std::chrono::microseconds period) {
  using Clock = std::chrono::steady_clock;
  const int fd = ::eventfd(0, EFD_CLOEXEC);
  if (fd < 0) return Status::IOError(std::string("eventfd: ") + std::strerror(errno));
  std::atomic<int64_t> written_ns{0};  // when the last write happened
  std::vector<double> us;
  us.reserve(static_cast<size_t>(count));
  std::thread waiter([&] {
    for (uint64_t seen = 0; seen < static_cast<uint64_t>(count);) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 1000) <= 0) continue;  // 1 s: only so a lost write cannot hang the bench
      uint64_t n = 0;
      if (::read(fd, &n, sizeof n) != sizeof n) continue;
      const int64_t now = Clock::now().time_since_epoch().count();
      us.push_back(static_cast<double>(now - written_ns.load()) / 1000.0);
      seen += n;  // writes that landed before this read are one wake-up, counted once
    }
  });
  const auto first = Clock::now();
  for (int i = 0; i < count; ++i) {
    std::this_thread::sleep_until(first + (i + 1) * period);  // a schedule, not synchronisation
    written_ns.store(Clock::now().time_since_epoch().count());
    const uint64_t one = 1;
    (void)!::write(fd, &one, sizeof one);
  }
  waiter.join();
  ::close(fd);
  std::sort(us.begin(), us.end());
  return us;
}

}  // namespace zroute::bench
