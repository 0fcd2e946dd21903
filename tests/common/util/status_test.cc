#include "common/util/status.h"

#include <gtest/gtest.h>

namespace zroute {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd");
  return x / 2;
}

Status Quarter(int x, int* out) {
  ZR_ASSIGN_OR_RETURN(int h, Half(x));
  ZR_ASSIGN_OR_RETURN(*out, Half(h));
  return Status::OK();
}

TEST(StatusTest, OkHasNoMessageAndMapsTo200) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(s.HttpStatus(), 200);
}

TEST(StatusTest, ErrorsMapToHttpCodes) {
  EXPECT_EQ(Status::InvalidArgument("x").HttpStatus(), 400);
  EXPECT_EQ(Status::NotFound("x").HttpStatus(), 404);
  EXPECT_EQ(Status::TooLarge("x").HttpStatus(), 413);
  EXPECT_EQ(Status::ResourceExhausted("x").HttpStatus(), 429);
  EXPECT_EQ(Status::Unauthenticated("x").HttpStatus(), 401);
  EXPECT_EQ(Status::PermissionDenied("x").HttpStatus(), 403);
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCode) {
  Status s = Status::NotFound("no such key").WithContext("topic orders");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "topic orders: no such key");
  EXPECT_TRUE(Status::OK().WithContext("x").ok());
}

TEST(StatusTest, AssignOrReturnPropagatesFirstError) {
  int out = -1;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  Status s = Quarter(6, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "odd");
}

}  // namespace
}  // namespace zroute
