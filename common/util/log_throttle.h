// LogThrottle: lets one log line through per interval and counts the occurrences in between, so a
// storm of the same event (refused connections, refused link messages, dead letters) costs a line
// a second with a count, not a line per event.
//
//   uint64_t count;
//   if (throttle_.Note(clock.Now(), &count)) ZR_LOG(kWarn, "x", "refused", {{"sinceLastLog", count}});
//
// Thread: not synchronised; one owner at a time (or the owner's lock).
#pragma once

#include <chrono>
#include <cstdint>

#include "common/util/clock.h"

namespace zroute {

class LogThrottle {
 public:
  explicit LogThrottle(Duration every = std::chrono::seconds(1)) : every_(every) {}

  // Counts one occurrence at `now`. True when it is to be logged: the first one, then the first
  // one at least `every` after the last logged; *count is then the occurrences since the last
  // logged one, this one included.
  bool Note(MonoTime now, uint64_t* count) {
    ++unlogged_;
    if (logged_once_ && now - last_log_ < every_) return false;
    logged_once_ = true;
    last_log_ = now;
    *count = unlogged_;
    unlogged_ = 0;
    return true;
  }

 private:
  const Duration every_;
  bool logged_once_ = false;
  MonoTime last_log_{};
  uint64_t unlogged_ = 0;
};

}  // namespace zroute
