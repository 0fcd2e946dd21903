#include "common/util/thread_name.h"

#include <gtest/gtest.h>

#include <thread>

namespace zroute {
namespace {

// Names a new thread `name` and returns the name that thread then reads back.
std::string NameSeenByANewThread(const char* name) {
  std::string seen;
  std::thread t([&] {
    SetCurrentThreadName(name);
    seen = CurrentThreadName();
  });
  t.join();
  return seen;
}

TEST(ThreadNameTest, NamesTheCallingThreadOnly) {
  const std::string before = CurrentThreadName();
  EXPECT_EQ(NameSeenByANewThread("zr-test"), "zr-test");
  EXPECT_EQ(CurrentThreadName(), before);
}

TEST(ThreadNameTest, CutsLongNamesAtTheKernelLimit) {
  EXPECT_EQ(NameSeenByANewThread("a-name-much-longer-than-fifteen-bytes"), "a-name-much-lon");
}

}  // namespace
}  // namespace zroute
