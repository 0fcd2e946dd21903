#include "common/util/duration.h"

#include <regex>
#include <vector>

#include <gtest/gtest.h>

namespace zroute {
namespace {

using namespace std::chrono_literals;

TEST(DurationTest, ParsesEachUnit) {
  EXPECT_EQ(*ParseDuration("7ns"), 7ns);
  EXPECT_EQ(*ParseDuration("7us"), 7us);
  EXPECT_EQ(*ParseDuration("250ms"), 250ms);
  EXPECT_EQ(*ParseDuration("5s"), 5s);
  EXPECT_EQ(*ParseDuration("3m"), 3min);
  EXPECT_EQ(*ParseDuration("2h"), 2h);
}

TEST(DurationTest, ParsesCompoundsAndFractions) {
  EXPECT_EQ(*ParseDuration("1m30s"), 90s);
  EXPECT_EQ(*ParseDuration("1h2m3s4ms"), 1h + 2min + 3s + 4ms);
  EXPECT_EQ(*ParseDuration("1.5s"), 1500ms);
  EXPECT_EQ(*ParseDuration("0.25h"), 15min);
  EXPECT_EQ(*ParseDuration("1.0000000001s"), 1s);  // finer than a nanosecond is truncated
}

TEST(DurationTest, ZeroNeedsNoUnit) {
  EXPECT_EQ(*ParseDuration("0"), 0ns);
  EXPECT_EQ(*ParseDuration("0s"), 0ns);
}

TEST(DurationTest, RejectsMalformedInput) {
  for (const char* bad : {"", "5", "s", "5x", "5sec", "1.s", ".5s", "5 s", " 5s", "5s ", "1m30", "1h-5m", "5S",
                          "0x10s", "1e3s", "∞s"}) {
    auto parsed = ParseDuration(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
      EXPECT_NE(parsed.status().message().find("invalid duration"), std::string::npos) << bad;
    }
  }
}

TEST(DurationTest, RejectsNegativeDurations) {
  auto parsed = ParseDuration("-5s");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("sign"), std::string::npos);
  EXPECT_FALSE(ParseDuration("+5s").ok());
}

TEST(DurationTest, RejectsOverflow) {
  EXPECT_TRUE(ParseDuration("2562047h").ok());  // just below int64 nanoseconds
  for (const char* big : {"2562048h", "99999999999999999999s", "9223372036854775808ns", "2562047h2562047h",
                          "2562047.9999h"}) {
    auto parsed = ParseDuration(big);
    ASSERT_FALSE(parsed.ok()) << big;
    EXPECT_NE(parsed.status().message().find("too large"), std::string::npos) << big;
  }
}

TEST(DurationTest, RejectsOverlongText) {
  EXPECT_TRUE(ParseDuration(std::string(kMaxDurationLength - 1, '0') + "s").ok());
  auto parsed = ParseDuration(std::string(kMaxDurationLength, '0') + "s");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("longer than 32"), std::string::npos) << parsed.status();
  EXPECT_FALSE(ParseDuration(std::string(100000, '9') + "s").ok());
}

TEST(DurationTest, WholeUnitVariantsRejectFractionsOfTheUnit) {
  EXPECT_EQ(*ParseDurationSeconds("2m"), 120s);
  EXPECT_FALSE(ParseDurationSeconds("1500ms").ok());
  EXPECT_EQ(*ParseDurationMillis("1.5s"), 1500ms);
  EXPECT_FALSE(ParseDurationMillis("1500us1ns").ok());
}

TEST(DurationTest, FormatsShortestExactForm) {
  EXPECT_EQ(FormatDuration(0ns), "0s");
  EXPECT_EQ(FormatDuration(250ms), "250ms");
  EXPECT_EQ(FormatDuration(90s), "1m30s");
  EXPECT_EQ(FormatDuration(2h), "2h");
  EXPECT_EQ(FormatDuration(1500ms), "1s500ms");
  EXPECT_EQ(FormatDuration(1h + 1ns), "1h1ns");
}

TEST(DurationTest, FormatRoundTripsThroughParse) {
  for (std::chrono::nanoseconds d : std::vector<std::chrono::nanoseconds>{0ns, 1ns, 999us, 1234567891ns, 2562047h}) {
    auto parsed = ParseDuration(FormatDuration(d));
    ASSERT_TRUE(parsed.ok()) << FormatDuration(d);
    EXPECT_EQ(*parsed, d);
  }
}

TEST(DurationTest, PatternAgreesWithParser) {
  const std::regex pattern(kDurationPattern);
  for (const char* text : {"0", "5s", "1m30s", "1.5h", "250ms", "5", "-5s", "5x", "", "1.s"}) {
    EXPECT_EQ(std::regex_match(text, pattern), ParseDuration(text).ok()) << text;
  }
}

}  // namespace
}  // namespace zroute
