// PosixFileSystem's writable files: Append at the end, WriteAt anywhere, on real files.
#include "common/util/file_system.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace zroute {
namespace {

class PosixFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "fs_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Content(const std::string& path) {
    auto content = ReadFileToString(fs_, path);
    EXPECT_TRUE(content.ok()) << content.status();
    return content.ok() ? *content : "";
  }

  PosixFileSystem fs_;
  std::string dir_;
};

TEST_F(PosixFileSystemTest, OpenWritableAppendsAtTheEndOfAnExistingFile) {
  const std::string path = dir_ + "/f";
  ASSERT_TRUE(WriteFileAtomically(fs_, dir_, path, "abc").ok());
  auto file = fs_.OpenWritable(path);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->Append("def").ok());
  ASSERT_TRUE((*file)->Append("g").ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(Content(path), "abcdefg");
}

TEST_F(PosixFileSystemTest, WriteAtOverwritesInsideAndLeavesZerosInAGap) {
  const std::string path = dir_ + "/f";
  auto file = fs_.CreateTruncated(path);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->Append("0123456789").ok());
  ASSERT_TRUE((*file)->WriteAt(2, "ab").ok());
  ASSERT_TRUE((*file)->WriteAt(12, "xy").ok());  // two bytes past the end
  ASSERT_TRUE((*file)->Append("!").ok());         // the end moved past the gap
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(Content(path), std::string("01ab456789\0\0xy!", 15));
  EXPECT_EQ(*fs_.FileSize(path), 15u);
}

TEST_F(PosixFileSystemTest, WriteAtInsideLeavesTheEndWhereItWas) {
  const std::string path = dir_ + "/f";
  auto file = fs_.CreateTruncated(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append(std::string(8, '.')).ok());
  ASSERT_TRUE((*file)->WriteAt(0, "ab").ok());
  ASSERT_TRUE((*file)->Append("c").ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(Content(path), "ab......c");
}

TEST_F(PosixFileSystemTest, WritesAfterCloseFailAndOpeningInAMissingDirectoryIsNotFound) {
  auto file = fs_.CreateTruncated(dir_ + "/f");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_FALSE((*file)->WriteAt(0, "x").ok());
  EXPECT_EQ(fs_.OpenWritable(dir_ + "/missing/f").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace zroute
