#include "common/util/thread_name.h"

#include <gtest/gtest.h>

#include <thread>

namespace zroute {
namespace {

TEST(ThreadNameTest, NamesTheCallingThreadOnly) {
  const std::string before = CurrentThreadName();
  std::string seen;
  std::thread t([&] {
    SetCurrentThreadName("zr-test");
    seen = CurrentThreadName();
  });
  t.join();
  EXPECT_EQ(seen, "zr-test");
  EXPECT_EQ(CurrentThreadName(), before);
}

TEST(ThreadNameTest, CutsLongNamesAtTheKernelLimit) {
  std::string seen;
  std::thread t([&] {
    SetCurrentThreadName("a-name-much-longer-than-fifteen-bytes");
    seen = CurrentThreadName();
  });
  t.join();
  EXPECT_EQ(seen, "a-name-much-lon");
}

}  // namespace
}  // namespace zroute
