#include "sidecar/outbox/topic_name.h"

#include <gtest/gtest.h>

#include <vector>

namespace zroute {
namespace {

TEST(TopicNameTest, DnsNamesStayReadable) {
  EXPECT_EQ(EscapeTopicName("orders-v1"), "orders-v1");
  EXPECT_EQ(UnescapeTopicName("orders-v1"), "orders-v1");
}

TEST(TopicNameTest, HostileNamesBecomeSafeFileNames) {
  for (const std::string& name :
       std::vector<std::string>{"..", ".", "a/b", "../../etc", "Orders", "x.tmp",
                                std::string("n\0ul", 4), std::string("\xff\x01", 2)}) {
    std::string escaped = EscapeTopicName(name);
    EXPECT_EQ(escaped.find('/'), std::string::npos) << escaped;
    EXPECT_EQ(escaped.find('.'), std::string::npos) << escaped;
    EXPECT_EQ(escaped.find('\0'), std::string::npos);
    for (char c : escaped) {
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') ||
                  c == '%' || c == '-' || c == '_')
          << escaped;
    }
    EXPECT_EQ(UnescapeTopicName(escaped), name);
  }
  EXPECT_EQ(EscapeTopicName(".."), "%2E%2E");
}

TEST(TopicNameTest, ForeignDirectoryNamesAreRejected) {
  EXPECT_FALSE(UnescapeTopicName(""));
  EXPECT_FALSE(UnescapeTopicName("lost+found"));
  EXPECT_FALSE(UnescapeTopicName("%2"));
  EXPECT_FALSE(UnescapeTopicName("%zz"));
  EXPECT_FALSE(UnescapeTopicName("%61"));  // 'a' escaped: not canonical
  EXPECT_FALSE(UnescapeTopicName("a.tmp"));
}

}  // namespace
}  // namespace zroute
