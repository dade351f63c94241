#include "core/status.h"

#include <gtest/gtest.h>

namespace sphere {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("x: odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  SPHERE_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(Status, DefaultIsOk) {
  EXPECT_TRUE(Status().ok());
  EXPECT_EQ(Status().ToString(), "OK");
}

TEST(Status, ToStringNamesCodeAndMessage) {
  EXPECT_EQ(NotFound("creator 7").ToString(), "NOT_FOUND: creator 7");
}

TEST(Status, WithContextPrefixesMessageAndKeepsCode) {
  Status s = InvalidArgument("not a number").WithContext("data/x.csv:12");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "data/x.csv:12: not a number");
  EXPECT_TRUE(Status::Ok().WithContext("ignored").ok());
}

TEST(Result, AssignOrReturnPropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);  // 6 -> 3 -> odd
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "x: odd");
  EXPECT_EQ(Quarter(5).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace sphere
