#include "api/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

namespace sphere::api {
namespace {

TEST(JsonWriter, WritesNestedContainersWithCommas) {
  JsonWriter w;
  w.BeginObject()
      .Field("a", int64_t{1})
      .Key("list")
      .BeginArray()
      .Number(1.5)
      .BeginObject()
      .Field("x", true)
      .EndObject()
      .Null()
      .EndArray()
      .Field("s", "t")
      .Key("empty")
      .BeginObject()
      .EndObject()
      .EndObject();
  EXPECT_EQ(w.text(), R"({"a":1,"list":[1.5,{"x":true},null],"s":"t","empty":{}})");
  EXPECT_NO_THROW(static_cast<void>(nlohmann::json::parse(w.text())));
}

TEST(JsonWriter, EscapesControlCharactersQuotesAndBackslashes) {
  JsonWriter w;
  w.String(std::string("a\"b\\c\nd\x01", 8));
  EXPECT_EQ(w.text(), R"("a\"b\\c\nd\u0001")");
  EXPECT_EQ(nlohmann::json::parse(w.text()).get<std::string>(), std::string("a\"b\\c\nd\x01", 8));
}

TEST(JsonWriter, KeepsValidUtf8AndReplacesInvalidBytes) {
  JsonWriter w;
  w.BeginArray().String("caf\xC3\xA9 \xF0\x9F\x98\x80").String("bad\xC3(\xED\xA0\x80").EndArray();
  const nlohmann::json parsed = nlohmann::json::parse(w.text());
  EXPECT_EQ(parsed[0], "caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(parsed[1], "bad\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(JsonWriter, NonFiniteNumbersAreNullAndDoublesRoundTrip) {
  JsonWriter w;
  const double third = 1.0 / 3.0;
  w.BeginArray()
      .Number(std::numeric_limits<double>::quiet_NaN())
      .Number(std::numeric_limits<double>::infinity())
      .Number(third)
      .Int(-42)
      .Optional(std::optional<double>())
      .Optional(std::optional<int64_t>(7))
      .EndArray();
  const nlohmann::json parsed = nlohmann::json::parse(w.text());
  EXPECT_TRUE(parsed[0].is_null());
  EXPECT_TRUE(parsed[1].is_null());
  EXPECT_EQ(parsed[2].get<double>(), third);
  EXPECT_EQ(parsed[3], -42);
  EXPECT_TRUE(parsed[4].is_null());
  EXPECT_EQ(parsed[5], 7);
}

}  // namespace
}  // namespace sphere::api
