// GoogleTest helpers for Status and Result<T>.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "core/status.h"

namespace sphere {

// Readable failure output: "NOT_FOUND: creator 7" instead of raw bytes.
inline void PrintTo(const Status& status, std::ostream* out) { *out << status.ToString(); }

// Matches a non-OK Status with this code whose message matches `message_matcher`:
//   EXPECT_THAT(result.status(), IsError(Code::kInvalidArgument, HasSubstr("likes")));
MATCHER_P2(IsError, code, message_matcher,
           "is a " + std::string(CodeName(code)) + " status whose message " +
               ::testing::DescribeMatcher<std::string>(message_matcher)) {
  const Status& status = arg;
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, status.message(), result_listener);
}

}  // namespace sphere

// Binds the value of a Result or fails the test with its status.
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                         \
  auto SPHERE_CONCAT(result_, __LINE__) = (expr);                               \
  ASSERT_TRUE(SPHERE_CONCAT(result_, __LINE__).ok())                            \
      << #expr << ": " << SPHERE_CONCAT(result_, __LINE__).status().ToString(); \
  lhs = std::move(SPHERE_CONCAT(result_, __LINE__)).value()

#define ASSERT_OK(expr)                                               \
  do {                                                                \
    ::sphere::Status status_ = (expr);                                \
    ASSERT_TRUE(status_.ok()) << #expr << ": " << status_.ToString(); \
  } while (0)

#define EXPECT_OK(expr)                                               \
  do {                                                                \
    ::sphere::Status status_ = (expr);                                \
    EXPECT_TRUE(status_.ok()) << #expr << ": " << status_.ToString(); \
  } while (0)
