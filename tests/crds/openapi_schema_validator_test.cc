// The test-support validator itself: it must be able to say no.
#include "tests/support/openapi_schema_validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace zroute::testing {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const json kSchema = json::parse(R"({
  "type": "object",
  "required": ["name"],
  "properties": {
    "metadata": {"type": "object"},
    "name": {"type": "string", "pattern": "^[a-z]+$", "minLength": 2, "maxLength": 5},
    "count": {"type": "integer", "minimum": 1, "maximum": 3, "format": "int32", "default": 2},
    "ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": true},
    "mode": {"type": "string", "enum": ["a", "b"], "default": "a"},
    "tags": {"type": "array", "minItems": 1, "maxItems": 2, "x-kubernetes-list-type": "set",
             "items": {"type": "string"}},
    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
    "port": {"x-kubernetes-int-or-string": true},
    "nested": {"type": "object", "default": {}, "properties": {"flag": {"type": "boolean", "default": true}}}
  }
})");

TEST(OpenApiSchemaValidatorTest, AcceptsValidValues) {
  json value = {{"name", "abc"}, {"count", 3}, {"ratio", 0.5}, {"mode", "b"}, {"tags", {"x", "y"}},
                {"labels", {{"k", "v"}}}, {"free", {{"anything", {1, 2}}}}, {"port", "http"},
                {"metadata", {{"whatever", 1}}}};
  EXPECT_THAT(ValidateAgainstSchema(kSchema, value), IsEmpty());
  value["port"] = 8080;
  EXPECT_THAT(ValidateAgainstSchema(kSchema, value), IsEmpty());
}

TEST(OpenApiSchemaValidatorTest, ReportsEachViolationWithItsPath) {
  EXPECT_THAT(ValidateAgainstSchema(kSchema, json::object()), ElementsAre(".name: required"));
  EXPECT_THAT(ValidateAgainstSchema(kSchema, {{"name", 5}}), ElementsAre(HasSubstr(".name: must be of type string")));
  EXPECT_THAT(ValidateAgainstSchema(kSchema, {{"name", "ABC"}}), ElementsAre(HasSubstr("does not match")));
  EXPECT_THAT(ValidateAgainstSchema(kSchema, {{"name", "a"}}), ElementsAre(HasSubstr("shorter than")));
  EXPECT_THAT(ValidateAgainstSchema(kSchema, {{"name", "abcdef"}}), ElementsAre(HasSubstr("longer than")));
  EXPECT_THAT(ValidateAgainstSchema(kSchema, {{"name", "ab"}, {"count", 0}}), ElementsAre(HasSubstr(".count: 0 is below")));
  EXPECT_THAT(ValidateAgainstSchema(kSchema, {{"name", "ab"}, {"count", 4}}), ElementsAre(HasSubstr("above")));
  EXPECT_THAT(ValidateAgainstSchema(kSchema, {{"name", "ab"}, {"count", 1.5}}), ElementsAre(HasSubstr("integer")));
  EXPECT_THAT(ValidateAgainstSchema(kSchema, {{"name", "ab"}, {"ratio", 0}}), ElementsAre(HasSubstr(".ratio")));
  EXPECT_THAT(ValidateAgainstSchema(kSchema, {{"name", "ab"}, {"mode", "c"}}), ElementsAre(HasSubstr("one of")));
  EXPECT_THAT(ValidateAgainstSchema(kSchema, {{"name", "ab"}, {"tags", json::array()}}), ElementsAre(HasSubstr("fewer")));
  EXPECT_THAT(ValidateAgainstSchema(kSchema, {{"name", "ab"}, {"tags", {"a", "b", "c"}}}),
              ElementsAre(HasSubstr("more than")));
  EXPECT_THAT(ValidateAgainstSchema(kSchema, {{"name", "ab"}, {"tags", {"a", "a"}}}), ElementsAre(HasSubstr("duplicate")));
  EXPECT_THAT(ValidateAgainstSchema(kSchema, {{"name", "ab"}, {"labels", {{"k", 1}}}}),
              ElementsAre(HasSubstr(".labels.k: must be of type string")));
  EXPECT_THAT(ValidateAgainstSchema(kSchema, {{"name", "ab"}, {"port", true}}), ElementsAre(HasSubstr("integer or a string")));
  EXPECT_THAT(ValidateAgainstSchema(kSchema, {{"name", "ab"}, {"nested", {{"flg", true}}}}),
              ElementsAre(".nested.flg: unknown field (it would be pruned)"));
  EXPECT_THAT(ValidateAgainstSchema(kSchema, {{"name", "ab"}, {"count", nullptr}}), ElementsAre(HasSubstr("null")));
}

TEST(OpenApiSchemaValidatorTest, AppliesNestedDefaults) {
  json value = ApplyDefaults(kSchema, {{"name", "ab"}});
  EXPECT_EQ(value["count"], 2);
  EXPECT_EQ(value["mode"], "a");
  EXPECT_EQ(value["nested"]["flag"], true);
  value = ApplyDefaults(kSchema, {{"name", "ab"}, {"count", 3}, {"nested", {{"flag", false}}}});
  EXPECT_EQ(value["count"], 3);
  EXPECT_EQ(value["nested"]["flag"], false);
}

}  // namespace
}  // namespace zroute::testing
