#include "common/cloudevents/trace_context.h"

#include <gtest/gtest.h>

#include <set>

namespace zroute {
namespace {

constexpr const char* kValid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContextTest, ParsesAValidTraceParent) {
  auto tp = ParseTraceParent(kValid);
  ASSERT_TRUE(tp.has_value());
  EXPECT_EQ(tp->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(tp->parent_id, "00f067aa0ba902b7");
  EXPECT_EQ(tp->flags, "01");
  EXPECT_EQ(tp->ToString(), kValid);
}

TEST(TraceContextTest, RejectsEveryMalformedForm) {
  for (const char* bad : {
           "",
           "00",
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // unknown version
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // forbidden version
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero parent id
           "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",     // short trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",   // trailing
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",    // separators
           "00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01",    // not hex
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",    // flags not hex
       }) {
    EXPECT_FALSE(ParseTraceParent(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseTraceParent(std::string(5000, 'a')).has_value());
  EXPECT_FALSE(ParseTraceParent(std::string("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0\0", 55)).has_value());
}

TEST(TraceContextTest, ChildKeepsTraceAndFlagsWithAFreshParentId) {
  TraceParent parent = *ParseTraceParent(kValid);
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    TraceParent child = ChildOf(parent);
    EXPECT_EQ(child.trace_id, parent.trace_id);
    EXPECT_EQ(child.flags, parent.flags);
    EXPECT_NE(child.parent_id, parent.parent_id);
    ASSERT_TRUE(ParseTraceParent(child.ToString()).has_value()) << child.ToString();
    ids.insert(child.parent_id);
  }
  EXPECT_EQ(ids.size(), 100u);
}

}  // namespace
}  // namespace zroute
