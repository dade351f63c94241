#include "api/query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "api/errors.h"
#include "testing/status_matchers.h"

namespace sphere::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::Pair;
using ::testing::StartsWith;

TEST(QueryParams, PlusIsSpace) {
  ASSERT_OK_AND_ASSIGN(QueryParams params, ParseQuery("q=hello+world&x=a%2Bb"));
  EXPECT_THAT(params.Get("q"), Optional(std::string_view("hello world")));
  EXPECT_THAT(params.Get("x"), Optional(std::string_view("a+b")));
}

TEST(QueryParams, DecodesNamesAndValuesInOrder) {
  ASSERT_OK_AND_ASSIGN(QueryParams params,
                       ParseQuery("b=2&a%5B0%5D=%C3%A9t%C3%A9&flag&empty=&b=3"));
  EXPECT_THAT(params.items, ElementsAre(Pair("b", "2"), Pair("a[0]", "été"), Pair("flag", ""),
                                        Pair("empty", ""), Pair("b", "3")));
  EXPECT_THAT(params.Get("b"), Optional(std::string_view("2")));
  EXPECT_THAT(params.GetAll("b"), ElementsAre("2", "3"));
  EXPECT_EQ(params.Get("missing"), std::nullopt);
  EXPECT_TRUE(params.GetAll("missing").empty());
}

TEST(QueryParams, EmptyPiecesAreSkipped) {
  ASSERT_OK_AND_ASSIGN(QueryParams params, ParseQuery("&&a=1&&b=2&"));
  EXPECT_THAT(params.items, ElementsAre(Pair("a", "1"), Pair("b", "2")));
  ASSERT_OK_AND_ASSIGN(QueryParams none, ParseQuery(""));
  EXPECT_TRUE(none.items.empty());
}

TEST(QueryParams, OnlyTheFirstEqualsSplits) {
  ASSERT_OK_AND_ASSIGN(QueryParams params, ParseQuery("expr=a%3Db=c"));
  EXPECT_THAT(params.items, ElementsAre(Pair("expr", "a=b=c")));
}

struct BadQuery {
  std::string raw;
  std::string message;  // the start of the error message
  friend void PrintTo(const BadQuery& c, std::ostream* out) { *out << c.message; }
};

class QueryParamsRejects : public ::testing::TestWithParam<BadQuery> {};

TEST_P(QueryParamsRejects, WithAMessageNamingTheQuery) {
  Result<QueryParams> result = ParseQuery(GetParam().raw);
  EXPECT_THAT(result.status(), IsError(Code::kInvalidArgument, StartsWith(GetParam().message)));
}

INSTANTIATE_TEST_SUITE_P(
    BadInputs, QueryParamsRejects,
    ::testing::Values(BadQuery{"a=%zz", "query: bad percent-escape '%zz' at byte 2"},
                      BadQuery{"a=1&b=%4", "query: bad percent-escape '%4' at byte 6"},
                      BadQuery{"a%=1", "query: bad percent-escape '%' at byte 1"},
                      BadQuery{"a=%", "query: bad percent-escape"},
                      BadQuery{"a=%4&b=1", "query: bad percent-escape '%4' at byte 2"},
                      BadQuery{"a=%FF", "query: the value of 'a' is not valid UTF-8"},
                      BadQuery{"%C0%AF=1", "query: a parameter name is not valid UTF-8"},
                      BadQuery{"a=%ED%A0%80", "query: the value of 'a' is not valid UTF-8"},
                      BadQuery{"=1", "query: a parameter has an empty name"},
                      BadQuery{std::string(8193, 'a'), "query: longer than 8192 bytes"}));

TEST(QueryParams, AtMost64Parameters) {
  std::string raw;
  for (int i = 0; i < 64; ++i) raw += "p" + std::to_string(i) + "=1&";
  ASSERT_OK_AND_ASSIGN(QueryParams params, ParseQuery(raw));
  EXPECT_EQ(params.items.size(), 64u);
  EXPECT_THAT(ParseQuery(raw + "one=more").status(),
              IsError(Code::kInvalidArgument, StartsWith("query: more than 64 parameters")));
}

TEST(QueryParams, ExactlyTheByteLimitIsAccepted) {
  ASSERT_OK_AND_ASSIGN(QueryParams params, ParseQuery("a=" + std::string(8190, 'x')));
  EXPECT_EQ(params.Get("a")->size(), 8190u);
}

TEST(PercentDecode, PlusIsLiteralInPathSegments) {
  ASSERT_OK_AND_ASSIGN(std::string segment, PercentDecode("a+b%20c", /*plus_is_space=*/false));
  EXPECT_EQ(segment, "a+b c");
  ASSERT_OK_AND_ASSIGN(std::string form, PercentDecode("a+b%20c", /*plus_is_space=*/true));
  EXPECT_EQ(form, "a b c");
}

TEST(PercentDecode, ErrorsCarryNoPrefixForTheCallerToAdd) {
  EXPECT_THAT(PercentDecode("ab%g1", false).status(),
              IsError(Code::kInvalidArgument, StartsWith("bad percent-escape '%g1' at byte 2")));
  EXPECT_THAT(PercentDecode("%80", false).status(),
              IsError(Code::kInvalidArgument, StartsWith("not valid UTF-8")));
  EXPECT_THAT(PercentDecode("%80", false).status().WithContext("handle"),
              IsError(Code::kInvalidArgument, StartsWith("handle: ")));
}

TEST(RequireKnownParams, NamesTheStrangerAndListsTheKnown) {
  ASSERT_OK_AND_ASSIGN(QueryParams params, ParseQuery("limit=1&lmit=2"));
  EXPECT_OK(RequireKnownParams(params, {"limit", "lmit"}));
  EXPECT_THAT(
      RequireKnownParams(params, {"limit", "offset"}),
      IsError(Code::kInvalidArgument, "lmit: unknown query parameter (known: limit, offset)"));
  EXPECT_THAT(RequireKnownParams(params, {}),
              IsError(Code::kInvalidArgument, StartsWith("limit: unknown query parameter")));
}

TEST(QueryInt, ReadsIntegersInRange) {
  ASSERT_OK_AND_ASSIGN(QueryParams params, ParseQuery("limit=50&neg=-3&zero=007"));
  ASSERT_OK_AND_ASSIGN(std::optional<int64_t> limit, QueryInt(params, "limit", 1, 500));
  EXPECT_THAT(limit, Optional(50));
  ASSERT_OK_AND_ASSIGN(std::optional<int64_t> neg, QueryInt(params, "neg", -10, 10));
  EXPECT_THAT(neg, Optional(-3));
  ASSERT_OK_AND_ASSIGN(std::optional<int64_t> zero, QueryInt(params, "zero", 0, 10));
  EXPECT_THAT(zero, Optional(7));
  ASSERT_OK_AND_ASSIGN(std::optional<int64_t> absent, QueryInt(params, "offset", 0, 10));
  EXPECT_EQ(absent, std::nullopt);
}

class QueryIntRejects : public ::testing::TestWithParam<std::string> {};

TEST_P(QueryIntRejects, NamingTheParameterAndTheRange) {
  QueryParams params;
  params.items.emplace_back("limit", GetParam());
  EXPECT_THAT(QueryInt(params, "limit", 1, 500).status(),
              IsError(Code::kInvalidArgument,
                      "limit: must be an integer between 1 and 500, got '" + GetParam() + "'"));
}

INSTANTIATE_TEST_SUITE_P(BadValues, QueryIntRejects,
                         ::testing::Values("", "x", "0", "501", "1.5", " 5", "5 ", "+5", "0x10",
                                           "99999999999999999999", "-", "5a"));

TEST(QueryInt, ErrorBodyNamesTheParameter) {
  ASSERT_OK_AND_ASSIGN(QueryParams params, ParseQuery("limit=lots"));
  const Response response = ErrorResponse(QueryInt(params, "limit", 1, 500).status());
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find(R"("field":"limit")"), std::string::npos) << response.body;
}

TEST(QueryInt, LongValuesAreCutInTheMessage) {
  QueryParams params;
  params.items.emplace_back("limit", std::string(1000, '9'));
  Result<std::optional<int64_t>> result = QueryInt(params, "limit", 1, 500);
  ASSERT_FALSE(result.ok());
  EXPECT_LT(result.error().message().size(), 150u);
  EXPECT_THAT(result.error().message(), HasSubstr("...'"));
}

TEST(QueryInt, RepeatedWithTheSameValueIsAccepted) {
  ASSERT_OK_AND_ASSIGN(QueryParams params, ParseQuery("limit=5&limit=5"));
  ASSERT_OK_AND_ASSIGN(std::optional<int64_t> limit, QueryInt(params, "limit", 1, 500));
  EXPECT_THAT(limit, Optional(5));
}

TEST(QueryInt, RepeatedWithDifferentValuesNamesTheParameter) {
  ASSERT_OK_AND_ASSIGN(QueryParams params, ParseQuery("limit=5&limit=6"));
  EXPECT_THAT(QueryInt(params, "limit", 1, 500).status(),
              IsError(Code::kInvalidArgument,
                      StartsWith("limit: given more than once with different values")));
  EXPECT_THAT(QueryString(params, "limit", 10).status(),
              IsError(Code::kInvalidArgument, StartsWith("limit: given more than once")));
}

TEST(QueryNumber, ReadsFiniteDecimalsInRange) {
  ASSERT_OK_AND_ASSIGN(QueryParams params, ParseQuery("r=2.5&e=-1e3&i=7"));
  ASSERT_OK_AND_ASSIGN(std::optional<double> r, QueryNumber(params, "r", 0, 10));
  EXPECT_THAT(r, Optional(2.5));
  ASSERT_OK_AND_ASSIGN(std::optional<double> e, QueryNumber(params, "e", -1e4, 0));
  EXPECT_THAT(e, Optional(-1000.0));
  ASSERT_OK_AND_ASSIGN(std::optional<double> i, QueryNumber(params, "i", 0, 10));
  EXPECT_THAT(i, Optional(7.0));
}

class QueryNumberRejects : public ::testing::TestWithParam<std::string> {};

TEST_P(QueryNumberRejects, NamingTheParameterAndTheRange) {
  QueryParams params;
  params.items.emplace_back("rate", GetParam());
  EXPECT_THAT(QueryNumber(params, "rate", 0, 1.5).status(),
              IsError(Code::kInvalidArgument,
                      "rate: must be a number between 0 and 1.5, got '" + GetParam() + "'"));
}

INSTANTIATE_TEST_SUITE_P(BadValues, QueryNumberRejects,
                         ::testing::Values("", "nan", "inf", "-inf", "infinity", "1e999", "2",
                                           "-0.1", "0x1p0", "1,5", " 1", "1 "));

TEST(QueryBool, AcceptsTrueFalseOneZero) {
  ASSERT_OK_AND_ASSIGN(QueryParams params, ParseQuery("a=true&b=false&c=1&d=0&e=TRUE&f="));
  EXPECT_THAT(*QueryBool(params, "a"), Optional(true));
  EXPECT_THAT(*QueryBool(params, "b"), Optional(false));
  EXPECT_THAT(*QueryBool(params, "c"), Optional(true));
  EXPECT_THAT(*QueryBool(params, "d"), Optional(false));
  EXPECT_EQ(*QueryBool(params, "z"), std::nullopt);
  EXPECT_THAT(QueryBool(params, "e").status(),
              IsError(Code::kInvalidArgument, "e: must be true, false, 1 or 0, got 'TRUE'"));
  EXPECT_THAT(QueryBool(params, "f").status(),
              IsError(Code::kInvalidArgument, StartsWith("f: must be true, false, 1 or 0")));
}

TEST(QueryString, LongerThanTheLimitNamesTheParameter) {
  ASSERT_OK_AND_ASSIGN(QueryParams params, ParseQuery("q=abcd&e="));
  EXPECT_THAT(*QueryString(params, "q", 4), Optional(std::string("abcd")));
  EXPECT_THAT(*QueryString(params, "e", 4), Optional(std::string()));
  EXPECT_EQ(*QueryString(params, "x", 4), std::nullopt);
  EXPECT_THAT(QueryString(params, "q", 3).status(),
              IsError(Code::kInvalidArgument, "q: longer than 3 bytes"));
}

TEST(IsValidUtf8, RejectsWhatUtf8Forbids) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));  // é € 😀
  EXPECT_FALSE(IsValidUtf8("\x80"));                                 // stray continuation
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));                             // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));                         // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));                     // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));                             // truncated
}

}  // namespace
}  // namespace sphere::api
