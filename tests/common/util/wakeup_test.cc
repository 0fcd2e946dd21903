#include "common/util/wakeup.h"

#include <poll.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace zroute {
namespace {

bool Readable(const Wakeup& w) {
  pollfd p{w.fd(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

TEST(WakeupTest, NotifyMakesTheFdReadableAndDrainClearsIt) {
  Wakeup w;
  EXPECT_FALSE(Readable(w));
  w.Notify();
  EXPECT_TRUE(Readable(w));
  w.Drain();
  EXPECT_FALSE(Readable(w));
}

TEST(WakeupTest, NotificationsBeforeADrainCoalesceIntoOne) {
  Wakeup w;
  for (int i = 0; i < 100; ++i) w.Notify();
  EXPECT_TRUE(Readable(w));
  w.Drain();
  EXPECT_FALSE(Readable(w));  // one drain takes them all
}

TEST(WakeupTest, ANotifyAfterADrainWakesAgain) {
  Wakeup w;
  for (int round = 0; round < 1000; ++round) {
    w.Notify();
    w.Notify();
    ASSERT_TRUE(Readable(w)) << round;
    w.Drain();
    ASSERT_FALSE(Readable(w)) << round;
  }
}

// The loop's contract: drain, then look at the state. Whatever a notifier published before its
// Notify is seen by the look that follows a wake-up; a notifier is never left unseen while the
// loop sleeps. Here the loop counts what it saw and sleeps in poll(2) without a timeout, so a lost
// notification would hang the test (ctest's timeout would fail it).
TEST(WakeupTest, NoNotificationIsLostAgainstAConcurrentLoop) {
  Wakeup w;
  constexpr int kNotifiers = 4;
  constexpr int kPerNotifier = 20000;
  std::atomic<int> published{0};
  std::thread loop([&] {
    int seen = 0;
    while (seen < kNotifiers * kPerNotifier) {
      pollfd p{w.fd(), POLLIN, 0};
      ASSERT_EQ(::poll(&p, 1, -1), 1);
      w.Drain();
      seen = published.load();
    }
  });
  std::vector<std::thread> notifiers;
  for (int n = 0; n < kNotifiers; ++n) {
    notifiers.emplace_back([&] {
      for (int i = 0; i < kPerNotifier; ++i) {
        published.fetch_add(1);
        w.Notify();
      }
    });
  }
  for (auto& t : notifiers) t.join();
  loop.join();
  EXPECT_EQ(published.load(), kNotifiers * kPerNotifier);
}

}  // namespace
}  // namespace zroute
