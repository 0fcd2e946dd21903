#include "common/security/bearer_token.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace zroute::security {
namespace {

TEST(BearerToken, MatchesOnlyTheExactBearerToken) {
  EXPECT_TRUE(BearerTokenMatches("Bearer s3cret", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("Bearer s3cre", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("Bearer s3cret2", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("Bearer s3creT", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("bearer s3cret", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("Basic s3cret", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("s3cret", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("", "s3cret"));
  EXPECT_FALSE(BearerTokenMatches("Bearer ", ""));  // no token configured never matches
  EXPECT_FALSE(BearerTokenMatches(std::string("Bearer s3cret\0", 14), "s3cret"));
}

TEST(BearerToken, TokenFileIsItsFirstLineTrimmed) {
  auto dir = std::filesystem::temp_directory_path() / ("zroute-token-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "token").string();
  std::ofstream(path) << "abc-123\r\nsecond line ignored\n";
  auto t = ReadTokenFile(path);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, "abc-123");

  std::ofstream(path, std::ios::trunc) << "\n";
  EXPECT_FALSE(ReadTokenFile(path).ok());  // empty
  std::ofstream(path, std::ios::trunc) << "has space\n";
  EXPECT_FALSE(ReadTokenFile(path).ok());
  std::ofstream(path, std::ios::trunc) << std::string("a\x01z", 3);
  EXPECT_FALSE(ReadTokenFile(path).ok());
  std::ofstream(path, std::ios::trunc) << std::string(5000, 'a');
  EXPECT_FALSE(ReadTokenFile(path).ok());  // too long
  std::ofstream(path, std::ios::trunc) << std::string(4096, 'a');
  EXPECT_TRUE(ReadTokenFile(path).ok());
  EXPECT_FALSE(ReadTokenFile((dir / "absent").string()).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zroute::security
