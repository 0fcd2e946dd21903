#include "common/util/clock.h"

namespace zroute {

Clock& RealClock() {
  static SystemClock clock;
  return clock;
}

}  // namespace zroute
