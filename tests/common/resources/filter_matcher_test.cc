#include "common/resources/filter_matcher.h"

#include <gtest/gtest.h>

namespace zroute {
namespace {

CloudEvent OrderCreated() {
  CloudEvent e;
  e.id = "1";
  e.source = "/shop/eu";
  e.type = "com.example.order.created";
  e.subject = "order-42";
  e.extensions["region"] = "eu-west";
  return e;
}

Filter Leaf(Filter::Kind kind, std::map<std::string, std::string> attributes) {
  Filter f;
  f.kind = kind;
  f.attributes = std::move(attributes);
  return f;
}
Filter Tree(Filter::Kind kind, std::vector<Filter> children) {
  Filter f;
  f.kind = kind;
  f.children = std::move(children);
  return f;
}

constexpr auto kExact = Filter::Kind::kExact;
constexpr auto kPrefix = Filter::Kind::kPrefix;
constexpr auto kSuffix = Filter::Kind::kSuffix;

TEST(FilterMatcherTest, ExactComparesWholeValues) {
  const CloudEvent e = OrderCreated();
  EXPECT_TRUE(FilterMatches(Leaf(kExact, {{"type", "com.example.order.created"}}), e));
  EXPECT_FALSE(FilterMatches(Leaf(kExact, {{"type", "com.example.order"}}), e));
  EXPECT_FALSE(FilterMatches(Leaf(kExact, {{"type", "COM.EXAMPLE.ORDER.CREATED"}}), e));
}

TEST(FilterMatcherTest, EveryAttributeOfALeafMustMatch) {
  const CloudEvent e = OrderCreated();
  EXPECT_TRUE(FilterMatches(Leaf(kExact, {{"type", "com.example.order.created"}, {"region", "eu-west"}}), e));
  EXPECT_FALSE(FilterMatches(Leaf(kExact, {{"type", "com.example.order.created"}, {"region", "us-east"}}), e));
}

TEST(FilterMatcherTest, PrefixAndSuffix) {
  const CloudEvent e = OrderCreated();
  EXPECT_TRUE(FilterMatches(Leaf(kPrefix, {{"type", "com.example."}}), e));
  EXPECT_TRUE(FilterMatches(Leaf(kPrefix, {{"source", "/shop/eu"}}), e));  // the whole value is a prefix
  EXPECT_FALSE(FilterMatches(Leaf(kPrefix, {{"type", "example"}}), e));
  EXPECT_TRUE(FilterMatches(Leaf(kSuffix, {{"type", ".created"}}), e));
  EXPECT_TRUE(FilterMatches(Leaf(kSuffix, {{"subject", "-42"}, {"region", "west"}}), e));
  EXPECT_FALSE(FilterMatches(Leaf(kSuffix, {{"type", ".cancelled"}}), e));
  EXPECT_FALSE(FilterMatches(Leaf(kSuffix, {{"subject", "longer-than-order-42"}}), e));
}

TEST(FilterMatcherTest, CoreAttributesAndExtensionsAreAddressable) {
  CloudEvent e = OrderCreated();
  e.datacontenttype = "application/json";
  e.dataschema = "https://schemas/x";
  e.time = "2024-01-01T00:00:00Z";
  EXPECT_TRUE(FilterMatches(Leaf(kExact, {{"id", "1"}}), e));
  EXPECT_TRUE(FilterMatches(Leaf(kExact, {{"specversion", "1.0"}}), e));
  EXPECT_TRUE(FilterMatches(Leaf(kExact, {{"datacontenttype", "application/json"}}), e));
  EXPECT_TRUE(FilterMatches(Leaf(kPrefix, {{"dataschema", "https://"}}), e));
  EXPECT_TRUE(FilterMatches(Leaf(kPrefix, {{"time", "2024-"}}), e));
  EXPECT_TRUE(FilterMatches(Leaf(kExact, {{"region", "eu-west"}}), e));
}

TEST(FilterMatcherTest, AbsentAttributesMatchNothingAndTheirNegationMatches) {
  const CloudEvent e = OrderCreated();  // no datacontenttype, no "tenant" extension
  EXPECT_FALSE(FilterMatches(Leaf(kExact, {{"tenant", "a"}}), e));
  EXPECT_FALSE(FilterMatches(Leaf(kPrefix, {{"datacontenttype", "a"}}), e));
  EXPECT_FALSE(FilterMatches(Leaf(kSuffix, {{"tenant", "a"}}), e));
  EXPECT_TRUE(FilterMatches(Tree(Filter::Kind::kNot, {Leaf(kExact, {{"tenant", "a"}})}), e));
  EXPECT_FALSE(FilterMatches(Leaf(kExact, {{"data", ""}}), e));  // data is not an attribute
}

TEST(FilterMatcherTest, AllAnyNot) {
  const CloudEvent e = OrderCreated();
  const Filter yes = Leaf(kPrefix, {{"type", "com."}});
  const Filter no = Leaf(kExact, {{"type", "x"}});
  EXPECT_TRUE(FilterMatches(Tree(Filter::Kind::kAll, {yes, yes}), e));
  EXPECT_FALSE(FilterMatches(Tree(Filter::Kind::kAll, {yes, no}), e));
  EXPECT_TRUE(FilterMatches(Tree(Filter::Kind::kAny, {no, yes}), e));
  EXPECT_FALSE(FilterMatches(Tree(Filter::Kind::kAny, {no, no}), e));
  EXPECT_FALSE(FilterMatches(Tree(Filter::Kind::kNot, {yes}), e));
  EXPECT_TRUE(FilterMatches(Tree(Filter::Kind::kNot, {no}), e));
  // any(not(no), no) and all(not(not(yes))).
  EXPECT_TRUE(FilterMatches(Tree(Filter::Kind::kAny, {Tree(Filter::Kind::kNot, {no}), no}), e));
  EXPECT_TRUE(FilterMatches(
      Tree(Filter::Kind::kAll, {Tree(Filter::Kind::kNot, {Tree(Filter::Kind::kNot, {yes})})}), e));
}

TEST(FilterMatcherTest, EmptyCombinators) {
  const CloudEvent e = OrderCreated();
  EXPECT_TRUE(FilterMatches(Tree(Filter::Kind::kAll, {}), e));
  EXPECT_FALSE(FilterMatches(Tree(Filter::Kind::kAny, {}), e));
  EXPECT_FALSE(FilterMatches(Tree(Filter::Kind::kNot, {}), e));  // malformed: excludes everything
}

TEST(FilterMatcherTest, FilterListIsAnImplicitAll) {
  const CloudEvent e = OrderCreated();
  EXPECT_TRUE(FiltersMatch({}, e));
  EXPECT_TRUE(FiltersMatch({Leaf(kPrefix, {{"type", "com."}}), Leaf(kExact, {{"region", "eu-west"}})}, e));
  EXPECT_FALSE(FiltersMatch({Leaf(kPrefix, {{"type", "com."}}), Leaf(kExact, {{"region", "us"}})}, e));
}

TEST(FilterMatcherTest, EmptyCoreAttributeCountsAsAbsent) {
  CloudEvent e = OrderCreated();
  e.subject.clear();
  EXPECT_FALSE(FilterMatches(Leaf(kPrefix, {{"subject", ""}}), e));
}

}  // namespace
}  // namespace zroute
