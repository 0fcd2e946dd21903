#include "operator/ctl/ctl_args.h"

#include <gtest/gtest.h>

namespace zroute::ctl {
namespace {

StatusOr<CtlArgs> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "zroutectl");
  return CtlArgs::Parse(args);
}

TEST(CtlArgs, FlagsGoAnywhereInEitherForm) {
  auto a = Parse({"--operator=http://o:1", "tail", "orders", "-f", "--limit", "5", "-o", "json"});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->command, "tail");
  EXPECT_EQ(a->positional, std::vector<std::string>{"orders"});
  EXPECT_EQ(a->Flag("operator"), "http://o:1");
  EXPECT_EQ(a->Flag("limit"), "5");
  EXPECT_TRUE(a->Has("follow"));
  EXPECT_EQ(a->output, OutputFormat::kJson);
  EXPECT_TRUE(a->Expect({"limit", "follow"}, 1, 1, "tail TOPIC").ok());
}

TEST(CtlArgs, BadFlagsAreRefusedWithTheReason) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"topics", "--nope"}, "unknown flag '--nope'"},
      {{"topics", "--limit"}, "--limit needs a value"},
      {{"topics", "-o", "xml"}, "'table' or 'json'"},
      {{"topics", "--timeout", "0"}, "1 to 3600"},
      {{"topics", "--timeout", "ten"}, "non-negative integer"},
      {{"topics", "--follow=maybe"}, "takes no value"},
      {{"topics", "--limit=1", "--limit=2"}, "given twice"},
  };
  for (const auto& [args, message] : cases) {
    auto a = Parse(args);
    ASSERT_FALSE(a.ok()) << args.back();
    EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(a.status().message().find(message), std::string::npos) << a.status().message();
  }
}

TEST(CtlArgs, ExpectChecksFlagsAndArgumentCounts) {
  auto a = Parse({"rewind", "sub", "extra", "--offset", "1"});
  ASSERT_TRUE(a.ok());
  EXPECT_NE(a->Expect({"offset"}, 1, 1, "rewind SUB").message().find("unexpected argument 'extra'"), std::string::npos);
  EXPECT_NE(a->Expect({}, 0, 2, "x").message().find("takes no --offset"), std::string::npos);
  EXPECT_NE(a->Expect({"offset"}, 3, 3, "x").message().find("missing arguments"), std::string::npos);
  EXPECT_TRUE(a->Expect({"offset"}, 2, 2, "x").ok());
}

TEST(CtlArgs, ResourceKeysAndNumbers) {
  EXPECT_EQ(*ParseResourceKey("orders", "T"), std::make_pair(std::string("default"), std::string("orders")));
  EXPECT_EQ(*ParseResourceKey("shop/orders", "T"), std::make_pair(std::string("shop"), std::string("orders")));
  for (const char* bad : {"", "/x", "x/", "a/b/c", "/"}) EXPECT_FALSE(ParseResourceKey(bad, "T").ok()) << bad;
  EXPECT_FALSE(ParseResourceKey(std::string(300, 'a'), "T").ok());
  EXPECT_EQ(*ParseUnsigned("42", "n"), 42u);
  for (const char* bad : {"", "-1", "1.5", "0x10", "12345678901234567890", " 1"}) {
    EXPECT_FALSE(ParseUnsigned(bad, "n").ok()) << bad;
  }
}

}  // namespace
}  // namespace zroute::ctl
