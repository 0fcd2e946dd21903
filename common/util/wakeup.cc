#include "common/util/wakeup.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace zroute {

Wakeup::Wakeup() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) std::abort();  // out of file descriptors at start-up: nothing sensible to do
}

Wakeup::~Wakeup() { close(fd_); }

void Wakeup::Notify() {
  if (pending_.exchange(true)) return;  // the loop has a wake-up coming and has not looked yet
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(fd_, &one, sizeof(one));
}

void Wakeup::Drain() {
  uint64_t value;
  [[maybe_unused]] ssize_t n = read(fd_, &value, sizeof(value));
  // Cleared after the read: a Notify from here on writes again, and one before it is covered by
  // the look at the state that follows Drain. (Cleared before the read, a write landing between
  // the two would be consumed while pending_ stayed set, and the next Notify would be lost.)
  pending_.store(false);
}

}  // namespace zroute
