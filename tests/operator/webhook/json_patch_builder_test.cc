#include "operator/webhook/json_patch_builder.h"

#include <gtest/gtest.h>

namespace zroute::webhook {
namespace {

using json = nlohmann::json;

TEST(JsonPatchBuilderTest, EscapesTildeBeforeSlashPerRfc6901) {
  EXPECT_EQ(JsonPatchBuilder::EscapeToken("zroute.io/inject"), "zroute.io~1inject");
  EXPECT_EQ(JsonPatchBuilder::EscapeToken("a~b"), "a~0b");
  // A literal "~1" must not decode back to "/".
  EXPECT_EQ(JsonPatchBuilder::EscapeToken("~1"), "~01");
  EXPECT_EQ(JsonPatchBuilder::EscapeToken(""), "");
}

TEST(JsonPatchBuilderTest, PointerJoinsEscapedTokens) {
  EXPECT_EQ(JsonPatchBuilder::Pointer({}), "");
  EXPECT_EQ(JsonPatchBuilder::Pointer({"metadata", "annotations", "x/y~z"}), "/metadata/annotations/x~1y~0z");
  EXPECT_EQ(JsonPatchBuilder::Pointer({"spec", "containers", "0"}), "/spec/containers/0");
}

TEST(JsonPatchBuilderTest, OperationsApplyWithTheLibraryPatchToHostileKeys) {
  json doc = {{"metadata", {{"annotations", {{"keep", "me"}}}}}, {"list", json::array({1})}};
  JsonPatchBuilder b;
  b.Add({"metadata", "annotations", "a/b~c"}, "v1")
      .Add({"metadata", "annotations", "~1"}, "v2")
      .Append({"list"}, 2)
      .Replace({"metadata", "annotations", "keep"}, "changed")
      .Add({"metadata", "labels"}, {{"x/y", "z"}});
  ASSERT_EQ(b.size(), 5u);
  json out = doc.patch(json::parse(b.ToString()));
  EXPECT_EQ(out["metadata"]["annotations"]["a/b~c"], "v1");
  EXPECT_EQ(out["metadata"]["annotations"]["~1"], "v2");
  EXPECT_FALSE(out["metadata"]["annotations"].contains("/"));
  EXPECT_EQ(out["metadata"]["annotations"]["keep"], "changed");
  EXPECT_EQ(out["list"], json::array({1, 2}));
  EXPECT_EQ(out["metadata"]["labels"]["x/y"], "z");
}

TEST(JsonPatchBuilderTest, EmptyBuilderSerialisesToEmptyArray) {
  JsonPatchBuilder b;
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.ToString(), "[]");
}

TEST(JsonPatchBuilderTest, AppendToMissingArrayFailsToApplySoCallersMustAddItWhole) {
  JsonPatchBuilder b;
  b.Append({"spec", "volumes"}, json::object());
  EXPECT_THROW(json({{"spec", json::object()}}).patch(b.ops()), json::exception);
}

}  // namespace
}  // namespace zroute::webhook
