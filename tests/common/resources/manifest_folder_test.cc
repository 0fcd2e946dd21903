// LoadManifestFolder: standalone mode's folder of YAML files, and the demo manifests in examples/.
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/resources/resource_parser.h"
#include "tests/common/resources/resource_errors.h"

namespace zroute {
namespace {

using ::testing::HasSubstr;
using zroute::testing::Errors;

class ManifestFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("zroute_manifests_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

  std::filesystem::path dir_;
};

TEST_F(ManifestFolderTest, ReadsYamlFilesInNameOrder) {
  Write("b.yml", "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: second}\n");
  Write("a.yaml", "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: first}\n");
  Write("c.txt", "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: ignored}\n");
  std::filesystem::create_directories(dir_ / "sub.yaml");
  Write("sub.yaml/d.yaml", "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: nested}\n");
  auto set = LoadManifestFolder(dir_.string());
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE(set->errors.empty()) << Errors(*set);
  ASSERT_EQ(set->topics.size(), 2u);
  EXPECT_EQ(set->topics[0].meta.name, "first");
  EXPECT_EQ(set->topics[1].meta.name, "second");
}

TEST_F(ManifestFolderTest, ErrorsNameTheFileAndDuplicatesSpanFiles) {
  Write("a.yaml", "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: orders}\n");
  Write("b.yaml", "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: orders}\n---\n"
                  "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: x}\nspec: {maxEventBytes: 0}\n");
  auto set = LoadManifestFolder(dir_.string());
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->topics.size(), 1u);
  ASSERT_EQ(set->errors.size(), 2u) << Errors(*set);
  EXPECT_THAT(set->errors[0].message(), HasSubstr((dir_ / "b.yaml").string() + ": document 1"));
  EXPECT_THAT(set->errors[1].message(), HasSubstr("b.yaml: document 2 (Topic default/x): spec.maxEventBytes"));
}

TEST_F(ManifestFolderTest, MissingFolderIsAnError) {
  auto set = LoadManifestFolder((dir_ / "nope").string());
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), StatusCode::kNotFound);
  Write("file.yaml", "");
  EXPECT_FALSE(LoadManifestFolder((dir_ / "file.yaml").string()).ok());
}

TEST(ExampleManifestsTest, DemoManifestsParse) {
  auto set = LoadManifestFolder(std::string(ZROUTE_SOURCE_DIR) + "/examples/manifests");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE(set->errors.empty()) << Errors(*set);
  EXPECT_EQ(set->topics.size(), 2u);
  EXPECT_EQ(set->subscriptions.size(), 3u);
  ASSERT_EQ(set->scaling_policies.size(), 1u);
  EXPECT_EQ(set->scaling_policies[0].spec.scale_target_ref.name, "billing");
  EXPECT_DOUBLE_EQ(set->scaling_policies[0].spec.target_lag_per_replica, 50);
}

}  // namespace
}  // namespace zroute
