#include "api/json_input.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "api/errors.h"
#include "testing/status_matchers.h"

namespace sphere::api {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;
using ::testing::StartsWith;

TEST(ParseJsonObject, ReadsAnObject) {
  ASSERT_OK_AND_ASSIGN(nlohmann::json body,
                       ParseJsonObject(R"( {"a": 1, "b": [true, null], "c": {"d": "é"}} )"));
  EXPECT_EQ(body["a"], 1);
  EXPECT_EQ(body["c"]["d"], "é");
}

struct BadBody {
  std::string body;
  std::string message;  // the whole message, or its start when `prefix_only`
  bool prefix_only = false;
  friend void PrintTo(const BadBody& c, std::ostream* out) { *out << c.message; }
};

class ParseJsonObjectRejects : public ::testing::TestWithParam<BadBody> {};

TEST_P(ParseJsonObjectRejects, WithAMessageNamingTheBodyOrThePath) {
  const BadBody& c = GetParam();
  Result<nlohmann::json> result = ParseJsonObject(c.body);
  if (c.prefix_only) {
    EXPECT_THAT(result.status(), IsError(Code::kInvalidArgument, StartsWith(c.message)));
  } else {
    EXPECT_THAT(result.status(), IsError(Code::kInvalidArgument, c.message));
  }
}

INSTANTIATE_TEST_SUITE_P(
    BadBodies, ParseJsonObjectRejects,
    ::testing::Values(
        BadBody{"", "body: is empty, expected a JSON object"},
        BadBody{"   ", "body: malformed JSON at byte 4"},
        BadBody{R"({"a": 1,})", "body: malformed JSON at byte 9"},
        BadBody{R"({"a": tru})", "body: malformed JSON at byte", true},
        BadBody{R"({"a": 1} x)", "body: malformed JSON at byte 10"},
        BadBody{"{\"a\": \"\xFF\"}", "body: malformed JSON at byte", true},
        BadBody{R"({"a": "\ud800"})", "body: malformed JSON at byte", true},
        BadBody{R"({"a": 1e400})", "body: number out of range"},
        BadBody{"[1, 2]", "body: must be a JSON object, got array"},
        BadBody{"\"text\"", "body: must be a JSON object, got string"},
        BadBody{"null", "body: must be a JSON object, got null"},
        BadBody{R"({"a": 1, "a": 2})", "a: duplicate key"},
        BadBody{R"({"creator": {"handle": "x", "handle": "y"}})", "creator.handle: duplicate key"},
        BadBody{R"({"posts": [{"id": 1}, {"id": 2, "id": 3}]})", "posts[1].id: duplicate key"},
        BadBody{R"({"m": [[0], [1, {"k": 1, "k": 2}]]})", "m[1][1].k: duplicate key"}));

std::string Nested(int levels) {
  return std::string(levels - 1, '[') + std::string("{}") + std::string(levels - 1, ']');
}

TEST(ParseJsonObject, ThirtyTwoLevelsAreAccepted) {
  ASSERT_OK(ParseJsonObject("{\"a\":" + Nested(31) + "}").status());
  EXPECT_THAT(ParseJsonObject("{\"a\":" + Nested(32) + "}").status(),
              IsError(Code::kInvalidArgument, "body: nested deeper than 32 levels"));
}

TEST(ParseJsonObject, AVeryDeepArrayIsRefusedWithoutRecursing) {
  // 100k levels would overflow the stack of a recursive parser under ASan.
  const std::string deep = "{\"a\":" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  EXPECT_THAT(ParseJsonObject(deep).status(),
              IsError(Code::kInvalidArgument, "body: nested deeper than 32 levels"));
  const std::string unclosed = "{\"a\":" + std::string(100'000, '[');
  EXPECT_THAT(ParseJsonObject(unclosed).status(),
              IsError(Code::kInvalidArgument, "body: nested deeper than 32 levels"));
}

TEST(ParseJsonObject, ANamedDocumentUsesItsNameInsteadOfBody) {
  EXPECT_THAT(ParseJsonObject("{", "draft").status(),
              IsError(Code::kInvalidArgument, "draft: malformed JSON at byte 2"));
  EXPECT_THAT(ParseJsonObject("[]", "draft").status(),
              IsError(Code::kInvalidArgument, "draft: must be a JSON object, got array"));
  EXPECT_THAT(ParseJsonObject(R"({"c": {"h": 1, "h": 2}})", "draft").status(),
              IsError(Code::kInvalidArgument, "draft.c.h: duplicate key"));
  EXPECT_THAT(ParseJsonObject("", "draft").status(),
              IsError(Code::kInvalidArgument, StartsWith("draft: is empty")));
}

TEST(ParseJsonObject, SameKeyInDifferentObjectsIsFine) {
  ASSERT_OK(
      ParseJsonObject(R"({"a": {"id": 1}, "b": {"id": 2}, "c": [{"id": 1}, {"id": 2}]})").status());
}

nlohmann::json Doc() {
  return nlohmann::json::parse(R"({
    "handle": "ana", "empty": "", "nothing": null, "count": 42, "three": 3.0, "half": 0.5,
    "big": 18446744073709551615, "neg": -7, "yes": true, "text_num": "5", "list": [1, 2],
    "tags": ["a", "b"], "scores": [0.5, null, 2], "creator": {"handle": "bo", "age": "x"}
  })");
}

TEST(JsonFields, HasMeansPresentAndNotNull) {
  const nlohmann::json doc = Doc();
  JsonFields fields(doc);
  EXPECT_TRUE(fields.Has("handle"));
  EXPECT_TRUE(fields.Has("empty"));
  EXPECT_FALSE(fields.Has("nothing"));
  EXPECT_FALSE(fields.Has("missing"));
}

TEST(JsonFields, ReadsStrings) {
  const nlohmann::json doc = Doc();
  JsonFields fields(doc);
  EXPECT_EQ(*fields.RequiredString("handle", 10), "ana");
  EXPECT_EQ(*fields.RequiredString("empty", 10), "");
  EXPECT_THAT(*fields.OptionalString("handle", 10), Optional(std::string("ana")));
  EXPECT_EQ(*fields.OptionalString("nothing", 10), std::nullopt);
  EXPECT_EQ(*fields.OptionalString("missing", 10), std::nullopt);
}

TEST(JsonFields, ReadsIntegersIncludingFloatsWithoutAFraction) {
  const nlohmann::json doc = Doc();
  JsonFields fields(doc);
  EXPECT_EQ(*fields.RequiredInt("count", 0, 100), 42);
  EXPECT_EQ(*fields.RequiredInt("three", 0, 100), 3);
  EXPECT_EQ(*fields.RequiredInt("neg", -10, 0), -7);
  EXPECT_THAT(*fields.OptionalInt("count", 0, 100), Optional(42));
  EXPECT_EQ(*fields.OptionalInt("missing", 0, 100), std::nullopt);
}

TEST(JsonFields, ReadsNumbersAndBools) {
  const nlohmann::json doc = Doc();
  JsonFields fields(doc);
  EXPECT_EQ(*fields.RequiredNumber("half", 0, 1), 0.5);
  EXPECT_EQ(*fields.RequiredNumber("count", 0, 100), 42.0);
  EXPECT_THAT(*fields.OptionalNumber("half", 0, 1), Optional(0.5));
  EXPECT_EQ(*fields.OptionalNumber("nothing", 0, 1), std::nullopt);
  EXPECT_TRUE(*fields.RequiredBool("yes"));
  EXPECT_THAT(*fields.OptionalBool("yes"), Optional(true));
  EXPECT_EQ(*fields.OptionalBool("missing"), std::nullopt);
}

TEST(JsonFields, IntegerGivenAsStringNamesTheField) {
  const nlohmann::json doc = Doc();
  JsonFields fields(doc);
  EXPECT_THAT(fields.RequiredInt("text_num", 0, 10).status(),
              IsError(Code::kInvalidArgument, "text_num: must be an integer, got string"));
  EXPECT_THAT(fields.OptionalInt("text_num", 0, 10).status(),
              IsError(Code::kInvalidArgument, "text_num: must be an integer, got string"));
}

struct FieldError {
  std::string what;     // which getter, for the test's output
  Status status;        // what it returned
  std::string message;  // what it must say
};

std::vector<FieldError> FieldErrors() {
  static const nlohmann::json doc = Doc();
  JsonFields f(doc);
  std::vector<FieldError> cases = {
      {"missing string", f.RequiredString("missing", 10).status(), "missing: is required"},
      {"null string", f.RequiredString("nothing", 10).status(), "nothing: is required"},
      {"number as string", f.RequiredString("count", 10).status(),
       "count: must be a string, got number"},
      {"long string", f.RequiredString("handle", 2).status(), "handle: longer than 2 bytes"},
      {"long optional", f.OptionalString("handle", 2).status(), "handle: longer than 2 bytes"},
      {"missing int", f.RequiredInt("missing", 0, 1).status(), "missing: is required"},
      {"int above", f.RequiredInt("count", 0, 10).status(),
       "count: must be an integer between 0 and 10, got 42"},
      {"fraction", f.RequiredInt("half", 0, 10).status(),
       "half: must be an integer between 0 and 10, got 0.5"},
      {"uint64 max", f.RequiredInt("big", 0, std::numeric_limits<int64_t>::max()).status(),
       "big: must be an integer between 0 and 9223372036854775807, got 18446744073709551615"},
      {"bool as int", f.RequiredInt("yes", 0, 1).status(), "yes: must be an integer, got boolean"},
      {"number below", f.RequiredNumber("neg", 0, 1.5).status(),
       "neg: must be a number between 0 and 1.5, got -7"},
      {"string as number", f.OptionalNumber("text_num", 0, 10).status(),
       "text_num: must be a number, got string"},
      {"missing number", f.RequiredNumber("missing", 0, 1).status(), "missing: is required"},
      {"array as bool", f.RequiredBool("list").status(), "list: must be a boolean, got array"},
      {"missing bool", f.RequiredBool("nothing").status(), "nothing: is required"},
      {"string as bool", f.OptionalBool("handle").status(),
       "handle: must be a boolean, got string"},
      {"not an array", f.StringArray("handle", 5, 5).status(),
       "handle: must be an array, got string"},
      {"too many", f.StringArray("tags", 1, 5).status(), "tags: more than 1 items"},
      {"bad element", f.StringArray("list", 5, 5).status(),
       "list[0]: must be a string, got number"},
      {"long element", f.StringArray("tags", 5, 0).status(), "tags[0]: longer than 0 bytes"},
      {"null element", f.NumberArray("scores", 5, 0, 10).status(),
       "scores[1]: must be a number, got null"},
      {"element range", f.NumberArray("list", 5, 0, 1).status(),
       "list[1]: must be a number between 0 and 1, got 2"},
      {"nullable range", f.NullableNumberArray("scores", 5, 0, 1).status(),
       "scores[2]: must be a number between 0 and 1, got 2"},
      {"nullable count", f.NullableNumberArray("scores", 2, 0, 9).status(),
       "scores: more than 2 items"},
      {"object type", f.OptionalObject("tags").status(), "tags: must be an object, got array"},
  };
  return cases;
}

TEST(JsonFields, ErrorsStartWithTheFieldPath) {
  for (const FieldError& c : FieldErrors()) {
    EXPECT_THAT(c.status, IsError(Code::kInvalidArgument, c.message)) << c.what;
  }
}

TEST(JsonFields, ErrorBodyNamesTheFieldPath) {
  ASSERT_OK_AND_ASSIGN(nlohmann::json doc, ParseJsonObject(R"({"creator": {"handle": 7}})"));
  ASSERT_OK_AND_ASSIGN(std::optional<JsonFields> creator,
                       JsonFields(doc).OptionalObject("creator"));
  ASSERT_TRUE(creator.has_value());
  const Response response = ErrorResponse(creator->RequiredString("handle", 30).status());
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(nlohmann::json::parse(response.body)["error"]["field"], "creator.handle");
}

TEST(JsonFields, NestedObjectsCarryTheirPath) {
  const nlohmann::json doc = Doc();
  JsonFields fields(doc);
  ASSERT_OK_AND_ASSIGN(std::optional<JsonFields> creator, fields.OptionalObject("creator"));
  ASSERT_TRUE(creator.has_value());
  EXPECT_EQ(creator->path(), "creator");
  EXPECT_EQ(*creator->RequiredString("handle", 10), "bo");
  EXPECT_THAT(creator->RequiredInt("age", 0, 150).status(),
              IsError(Code::kInvalidArgument, "creator.age: must be an integer, got string"));
  EXPECT_THAT(creator->RequiredString("name", 10).status(),
              IsError(Code::kInvalidArgument, "creator.name: is required"));
  ASSERT_OK_AND_ASSIGN(std::optional<JsonFields> absent, fields.OptionalObject("missing"));
  EXPECT_FALSE(absent.has_value());
}

TEST(JsonFields, ArraysAbsentOrNullAreEmpty) {
  const nlohmann::json doc = Doc();
  JsonFields fields(doc);
  EXPECT_THAT(*fields.StringArray("tags", 5, 5), ElementsAre("a", "b"));
  EXPECT_THAT(*fields.NumberArray("list", 5, 0, 5), ElementsAre(1.0, 2.0));
  EXPECT_THAT(*fields.NullableNumberArray("scores", 5, 0, 5),
              ElementsAre(Optional(0.5), std::nullopt, Optional(2.0)));
  EXPECT_TRUE(fields.StringArray("missing", 5, 5)->empty());
  EXPECT_TRUE(fields.NumberArray("nothing", 5, 0, 1)->empty());
  EXPECT_TRUE(fields.NullableNumberArray("missing", 5, 0, 1)->empty());
}

TEST(JsonFields, IntegerBoundsAreExact) {
  const nlohmann::json doc = nlohmann::json::parse(
      R"({"min": -9223372036854775808, "max": 9223372036854775807, "two63": 9223372036854775808.0,
          "minus_two63": -9223372036854775808.0})");
  JsonFields f(doc);
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(*f.RequiredInt("min", kMin, kMax), kMin);
  EXPECT_EQ(*f.RequiredInt("max", kMin, kMax), kMax);
  EXPECT_EQ(*f.RequiredInt("minus_two63", kMin, kMax), kMin);
  EXPECT_THAT(f.RequiredInt("two63", kMin, kMax).status(),
              IsError(Code::kInvalidArgument, StartsWith("two63: must be an integer between")));
}

TEST(JsonFields, NonFiniteNumbersBuiltInCodeAreRejected) {
  nlohmann::json doc = {{"x", std::nan("")}, {"y", std::numeric_limits<double>::infinity()}};
  JsonFields f(doc);
  EXPECT_THAT(f.RequiredNumber("x", -1e300, 1e300).status(),
              IsError(Code::kInvalidArgument, StartsWith("x: must be a number between")));
  EXPECT_THAT(f.RequiredInt("y", 0, 1).status(),
              IsError(Code::kInvalidArgument, StartsWith("y: must be an integer between")));
}

TEST(JsonFields, InvalidUtf8BuiltInCodeIsRejected) {
  nlohmann::json doc = {{"s", std::string("\xC0\xAF")}};
  EXPECT_THAT(JsonFields(doc).RequiredString("s", 10).status(),
              IsError(Code::kInvalidArgument, "s: is not valid UTF-8"));
}

TEST(JsonFields, NotAnObjectFailsEveryGetterWithItsPath) {
  const nlohmann::json array = nlohmann::json::array({1});
  EXPECT_FALSE(JsonFields(array).Has("a"));
  EXPECT_THAT(JsonFields(array).RequiredString("a", 1).status(),
              IsError(Code::kInvalidArgument, "body: must be an object, got array"));
  EXPECT_THAT(JsonFields(array, "creator").OptionalInt("a", 0, 1).status(),
              IsError(Code::kInvalidArgument, "creator: must be an object, got array"));
}

}  // namespace
}  // namespace sphere::api
