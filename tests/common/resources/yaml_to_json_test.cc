#include "common/resources/yaml_to_json.h"

#include <string>

#include <gtest/gtest.h>

namespace zroute {
namespace {

using nlohmann::json;

json One(const std::string& text) {
  YamlDocuments docs = YamlToJson(text);
  EXPECT_TRUE(docs.error.ok()) << docs.error;
  EXPECT_EQ(docs.documents.size(), 1u);
  return docs.documents.empty() ? json() : docs.documents[0];
}

TEST(YamlToJsonTest, TypesPlainScalarsByTheCoreSchema) {
  json doc = One("a: 1\nb: -7\nc: 1.5\nd: true\ne: False\nf: ~\ng: null\nh:\ni: hello\nj: 0x1F\nk: 0o17\n"
                 "l: 1e3\nm: 18446744073709551615\nn: yes\n");
  EXPECT_EQ(doc["a"], json(1));
  EXPECT_TRUE(doc["a"].is_number_integer());
  EXPECT_EQ(doc["b"], json(-7));
  EXPECT_EQ(doc["c"], json(1.5));
  EXPECT_EQ(doc["d"], json(true));
  EXPECT_EQ(doc["e"], json(false));
  EXPECT_TRUE(doc["f"].is_null());
  EXPECT_TRUE(doc["g"].is_null());
  EXPECT_TRUE(doc["h"].is_null());
  EXPECT_EQ(doc["i"], json("hello"));
  EXPECT_EQ(doc["j"], json(31));
  EXPECT_EQ(doc["k"], json(15));
  EXPECT_EQ(doc["l"], json(1000.0));
  EXPECT_TRUE(doc["m"].is_number_unsigned());
  EXPECT_EQ(doc["n"], json("yes"));  // YAML 1.2: only true/false are booleans
}

TEST(YamlToJsonTest, QuotedAndTaggedScalarsStayStrings) {
  json doc = One("a: \"1\"\nb: 'true'\nc: !!str 5\nd: |\n  text\ne: !!int \"42\"\n");
  EXPECT_EQ(doc["a"], json("1"));
  EXPECT_EQ(doc["b"], json("true"));
  EXPECT_EQ(doc["c"], json("5"));
  EXPECT_EQ(doc["d"], json("text\n"));
  EXPECT_EQ(doc["e"], json(42));
}

TEST(YamlToJsonTest, ConvertsNestedCollectionsAndAliases) {
  json doc = One("base: &b {x: 1, y: [a, b]}\ncopy: *b\nlist:\n  - 1\n  - {k: v}\n");
  EXPECT_EQ(doc["copy"], doc["base"]);
  EXPECT_EQ(doc["base"]["y"], json({"a", "b"}));
  EXPECT_EQ(doc["list"][1]["k"], json("v"));
}

TEST(YamlToJsonTest, SplitsDocumentsAndKeepsEmptyOnes) {
  YamlDocuments docs = YamlToJson("a: 1\n---\n---\nb: 2\n");
  ASSERT_TRUE(docs.error.ok()) << docs.error;
  ASSERT_EQ(docs.documents.size(), 3u);
  EXPECT_EQ(docs.documents[0]["a"], json(1));
  EXPECT_TRUE(docs.documents[1].is_null());
  EXPECT_EQ(docs.documents[2]["b"], json(2));
}

TEST(YamlToJsonTest, SyntaxErrorKeepsEarlierDocumentsAndNamesTheLine) {
  YamlDocuments docs = YamlToJson("a: 1\n---\nb: [1, 2\nc: 3\n");
  ASSERT_FALSE(docs.error.ok());
  EXPECT_EQ(docs.documents.size(), 1u);
  EXPECT_NE(docs.error.message().find("line "), std::string::npos) << docs.error;
}

TEST(YamlToJsonTest, RejectsDuplicateKeys) {
  YamlDocuments docs = YamlToJson("a: 1\nb: 2\na: 3\n");
  ASSERT_FALSE(docs.error.ok());
  EXPECT_NE(docs.error.message().find("duplicate key \"a\""), std::string::npos) << docs.error;
  EXPECT_NE(docs.error.message().find("line 3"), std::string::npos) << docs.error;
}

TEST(YamlToJsonTest, RejectsComplexKeysMergeKeysAndUnknownTags) {
  EXPECT_FALSE(YamlToJson("? [a, b]\n: 1\n").error.ok());
  EXPECT_FALSE(YamlToJson("? {a: 1}\n: 1\n").error.ok());
  EXPECT_FALSE(YamlToJson("base: &b {x: 1}\nm:\n  <<: *b\n").error.ok());
  EXPECT_FALSE(YamlToJson("a: !custom 5\n").error.ok());
  EXPECT_FALSE(YamlToJson("a: !!int five\n").error.ok());
}

TEST(YamlToJsonTest, RejectsDeepNesting) {
  std::string deep(10000, '[');
  YamlDocuments docs = YamlToJson(deep);
  ASSERT_FALSE(docs.error.ok());
  std::string nested;
  for (int i = 0; i < 100; ++i) nested += std::string(static_cast<size_t>(i) * 2, ' ') + "k:\n";
  docs = YamlToJson(nested);
  ASSERT_FALSE(docs.error.ok());
  EXPECT_EQ(docs.error.code(), StatusCode::kTooLarge) << docs.error;
  EXPECT_NE(docs.error.message().find("nesting"), std::string::npos) << docs.error;
}

TEST(YamlToJsonTest, StopsAliasBombs) {
  // Each level doubles the expanded size: 2^30 values if expanded naively.
  std::string bomb = "a0: &a0 [x, x]\n";
  for (int i = 1; i <= 30; ++i) {
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [*a" + std::to_string(i - 1) + ", *a" +
            std::to_string(i - 1) + "]\n";
  }
  YamlDocuments docs = YamlToJson(bomb);
  ASSERT_FALSE(docs.error.ok());
  EXPECT_EQ(docs.error.code(), StatusCode::kTooLarge) << docs.error;
}

TEST(YamlToJsonTest, StopsAStreamOfEndlessDocuments) {
  // Found by the resource_yaml fuzz target: 36 bytes on which yaml-cpp keeps yielding documents
  // without consuming input (it ran out of memory before the limit on documents).
  const std::string endless("A: &a /\376+\377]\np\203-\n---\n,\napi\032]zr\332uv2alp", 36);
  YamlDocuments docs = YamlToJson(endless);
  ASSERT_FALSE(docs.error.ok());
  EXPECT_EQ(docs.error.code(), StatusCode::kTooLarge) << docs.error;
  EXPECT_LE(docs.documents.size(), YamlLimits{}.max_documents);
}

TEST(YamlToJsonTest, LimitsTheNumberOfDocuments) {
  YamlLimits limits;
  limits.max_documents = 3;
  EXPECT_TRUE(YamlToJson("a: 1\n---\nb: 2\n---\nc: 3\n", limits).error.ok());
  YamlDocuments docs = YamlToJson("a: 1\n---\nb: 2\n---\nc: 3\n---\nd: 4\n", limits);
  EXPECT_EQ(docs.error.code(), StatusCode::kTooLarge) << docs.error;
  EXPECT_NE(docs.error.message().find("documents"), std::string::npos) << docs.error;
  EXPECT_EQ(docs.documents.size(), 3u) << "the documents before the limit stay usable";
}

TEST(YamlToJsonTest, RejectsOversizeStreams) {
  YamlLimits limits;
  limits.max_bytes = 64;
  YamlDocuments docs = YamlToJson("a: " + std::string(100, 'x') + "\n", limits);
  ASSERT_FALSE(docs.error.ok());
  EXPECT_EQ(docs.error.code(), StatusCode::kTooLarge);
  EXPECT_TRUE(docs.documents.empty());
}

TEST(YamlToJsonTest, SurvivesGarbage) {
  for (const std::string& text : {std::string("\0\x01\x02", 3), std::string("\xff\xfe\xfd"), std::string(": : :"),
                                 std::string("{{{{"), std::string("- - - ]"), std::string("&a *a"),
                                 std::string("a: *missing"), std::string("\t- x")}) {
    // Must not crash or hang; whether a value or an error comes out depends on the input.
    YamlDocuments docs = YamlToJson(text);
    EXPECT_LE(docs.documents.size(), 2u);
  }
  EXPECT_FALSE(YamlToJson("a: *missing\n").error.ok());
}

}  // namespace
}  // namespace zroute
