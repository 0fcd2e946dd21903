// MemoryOutbox (the sidecar's outbox without --outbox-dir): it wakes the readers like the file
// outbox does.
#include "sidecar/outbox/memory_outbox.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/sidecar/outbox/outbox_test_util.h"

namespace zroute::testing {
namespace {

TEST(MemoryOutboxTest, AnnouncesEveryAppendButNotARefusedOne) {
  MemoryOutbox outbox(/*quota_bytes=*/100);
  std::vector<std::string> readable;
  outbox.set_on_readable([&](const std::string& topic) { readable.push_back(topic); });
  ASSERT_TRUE(outbox.Append("t", OneRecord("a")).ok());
  ASSERT_TRUE(outbox.Append("u", OneRecord("b")).ok());
  EXPECT_EQ(outbox.Append("t", OneRecord(std::string(200, 'x'))).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(readable, (std::vector<std::string>{"t", "u"}));
}

}  // namespace
}  // namespace zroute::testing
