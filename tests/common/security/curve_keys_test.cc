#include "common/security/curve_keys.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace zroute::security {
namespace {

std::string TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "zroute-keys-XXXXXX").string();
  return mkdtemp(tmpl.data());
}

TEST(CurveKeys, GeneratedPairIsValidAndUnique) {
  auto a = GenerateCurveKeyPair();
  auto b = GenerateCurveKeyPair();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(ValidateKeyPair(*a).ok());
  EXPECT_NE(a->public_key, b->public_key);
  EXPECT_NE(a->secret_key, b->secret_key);
}

TEST(CurveKeys, RejectsMalformedKeys) {
  EXPECT_FALSE(IsValidCurveKey(""));
  EXPECT_FALSE(IsValidCurveKey(std::string(39, 'a')));
  EXPECT_FALSE(IsValidCurveKey(std::string(41, 'a')));
  EXPECT_FALSE(IsValidCurveKey(std::string(40, '"')));  // not in the Z85 alphabet
  EXPECT_FALSE(IsValidCurveKey(std::string(39, 'a') + '\0'));
}

TEST(CurveKeys, PairWhosePublicKeyIsNotDerivedFromTheSecretIsRejected) {
  auto a = GenerateCurveKeyPair();
  auto b = GenerateCurveKeyPair();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(ValidateKeyPair({a->public_key, b->secret_key}).ok());
}

TEST(CurveKeys, KeyFileRoundTrips) {
  auto a = GenerateCurveKeyPair();
  ASSERT_TRUE(a.ok());
  auto back = ParseKeyFile(FormatKeyFile(*a));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->public_key, a->public_key);
  EXPECT_EQ(back->secret_key, a->secret_key);
  auto pub = ParsePublicKeyFile(FormatKeyFile(*a));
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(*pub, a->public_key);
}

TEST(CurveKeys, HostileKeyFilesAreRejected) {
  auto a = GenerateCurveKeyPair();
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(ParseKeyFile("").ok());
  EXPECT_FALSE(ParseKeyFile("public-key = \"" + a->public_key + "\"\n").ok());  // no secret
  EXPECT_FALSE(ParseKeyFile("public-key = \"" + a->public_key + "\"\nsecret-key = \"short\"\n").ok());
  EXPECT_FALSE(ParseKeyFile("secret-key = \"" + a->secret_key + "\n").ok());  // unterminated
  EXPECT_FALSE(ParsePublicKeyFile("not a key\n").ok());
  EXPECT_FALSE(ParsePublicKeyFile(std::string(1 << 20, 'x')).ok());
}

TEST(CurveKeys, BarePublicKeyFileIsAccepted) {
  auto a = GenerateCurveKeyPair();
  ASSERT_TRUE(a.ok());
  auto pub = ParsePublicKeyFile(a->public_key + "\r\n");
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(*pub, a->public_key);
}

TEST(CurveKeys, LoadOrCreateWritesAPrivateFileAndReadsItBack) {
  std::string dir = TempDir();
  std::string path = dir + "/operator.key";
  auto made = LoadOrCreateKeyFile(path);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto again = LoadOrCreateKeyFile(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->secret_key, made->secret_key);
  auto pub = ReadPublicKeyFile(path);
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(*pub, made->public_key);

  std::ofstream(path, std::ios::trunc) << "garbage\n";
  EXPECT_FALSE(LoadOrCreateKeyFile(path).ok());  // an unreadable key is never silently replaced
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zroute::security
