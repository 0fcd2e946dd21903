#include "common/cloudevents/base64.h"

#include <gtest/gtest.h>

namespace zroute {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    StatusOr<std::string> decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64Test, AcceptsMissingPadding) {
  EXPECT_EQ(Base64Decode("Zg").value(), "f");
  EXPECT_EQ(Base64Decode("Zm8").value(), "fo");
}

TEST(Base64Test, RoundTripsEveryByteValue) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= bytes.size(); n += 37) {
    std::string slice = bytes.substr(0, n);
    EXPECT_EQ(Base64Decode(Base64Encode(slice)).value(), slice);
  }
}

TEST(Base64Test, RejectsMalformedText) {
  for (const char* text : {"Z", "Zg=", "Z===", "====", "Zm9v\n", "Zm 9v", "Zm9v!A==", "Zh==", "Zm9=",
                           "=Zm9", "Zg==Zg=="}) {
    EXPECT_FALSE(Base64Decode(text).ok()) << text;
  }
}

}  // namespace
}  // namespace zroute
