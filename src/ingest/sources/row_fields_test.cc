#include "ingest/sources/row_fields.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sphere::ingest {
namespace {

TEST(Columns, RequireRemembersTheFirstMissingName) {
  Columns columns({" Likes ", "Time since\nposted", "rank"});
  EXPECT_EQ(columns.Require("likes"), 0u);
  EXPECT_EQ(columns.Require("time since posted"), 1u);
  EXPECT_TRUE(columns.Check("f.csv", 1).ok());
  columns.Require("followers");
  columns.Require("country");
  Status status = columns.Check("f.csv", 1);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.message(), "f.csv:1: missing column followers");
  EXPECT_EQ(columns.name(0), "Likes");
  EXPECT_EQ(columns.size(), 3u);
}

class RowFieldsTest : public ::testing::Test {
 protected:
  Columns columns_{std::vector<std::string>{"a", "b", "c"}};
  CsvRecord Record(std::vector<std::string> fields) { return {.line = 7, .fields = fields}; }
};

TEST_F(RowFieldsTest, ParsesCellsAndNamesTheFirstBadColumn) {
  CsvRecord record = Record({"1,234", "3.3k", "1.5%"});
  RowFields row(record, columns_);
  EXPECT_EQ(row.Integer(0), 1234);
  EXPECT_EQ(row.Count(1), 3300);
  EXPECT_DOUBLE_EQ(*row.Percent(2), 0.015);
  EXPECT_TRUE(row.ok());
  EXPECT_EQ(row.Integer(1), std::nullopt);
  EXPECT_EQ(row.Bool(2), std::nullopt);
  EXPECT_FALSE(row.ok());
  EXPECT_EQ(row.error(), "b: '3.3k' is not an integer");
}

TEST_F(RowFieldsTest, MissingCellsAreNulloptAndAnErrorOnlyWhenRequired) {
  CsvRecord record = Record({"N/A", "", "NaN%"});
  RowFields row(record, columns_);
  EXPECT_EQ(row.Integer(0, Need::kOptional), std::nullopt);
  EXPECT_EQ(row.Count(1, Need::kOptional), std::nullopt);
  EXPECT_EQ(row.Percent(2, Need::kOptional), std::nullopt);
  EXPECT_EQ(row.Bool(1, Need::kOptional), std::nullopt);
  EXPECT_TRUE(row.ok());
  EXPECT_EQ(row.Percent(2), std::nullopt);
  EXPECT_EQ(row.error(), "c: missing");
}

TEST_F(RowFieldsTest, NegativeNumbersNeedPermission) {
  CsvRecord record = Record({"-5", "-2k", "-0.5"});
  RowFields row(record, columns_);
  EXPECT_EQ(row.Integer(0, Need::kRequired, Sign::kAny), -5);
  EXPECT_EQ(row.Count(1, Need::kRequired, Sign::kAny), -2000);
  EXPECT_EQ(row.Decimal(2), -0.5);
  EXPECT_TRUE(row.ok());
  EXPECT_EQ(row.Count(1), std::nullopt);
  EXPECT_EQ(row.error(), "b: '-2k' is negative");
}

TEST_F(RowFieldsTest, BoolsAndShortRecords) {
  CsvRecord record = Record({"True", "false"});
  RowFields row(record, columns_);
  EXPECT_EQ(row.Bool(0), true);
  EXPECT_EQ(row.Bool(1), false);
  EXPECT_EQ(row.Text(2), "");
  EXPECT_EQ(row.Bool(2), std::nullopt);
  EXPECT_EQ(row.error(), "c: missing");
  row.Fail(0, "ignored, the first problem is kept");
  EXPECT_EQ(row.error(), "c: missing");
}

TEST(FieldCountProblem, ComparesWithTheHeader) {
  Columns columns({"a", "b"});
  EXPECT_EQ(FieldCountProblem({.line = 2, .fields = {"1", "2"}}, columns), "");
  EXPECT_EQ(FieldCountProblem({.line = 2, .fields = {"1"}}, columns),
            "row has 1 fields; the header has 2");
}

TEST(InstagramHandleProblem, AcceptsOnlyInstagramUsernames) {
  EXPECT_EQ(InstagramHandleProblem("cristiano"), "");
  EXPECT_EQ(InstagramHandleProblem("lalalalisa_m"), "");
  EXPECT_EQ(InstagramHandleProblem("5.min.crafts"), "");
  EXPECT_EQ(InstagramHandleProblem(""), "missing");
  EXPECT_NE(InstagramHandleProblem("5-minute crafts girly"), "");
  EXPECT_NE(InstagramHandleProblem("Upper"), "");  // handles arrive normalised
  EXPECT_NE(InstagramHandleProblem(std::string(31, 'a')), "");
  EXPECT_EQ(InstagramHandleProblem(std::string(30, 'a')), "");
}

TEST(UndoDoubleEncodedUtf8, RepairsUtf8ReadAsLatin1Only) {
  EXPECT_EQ(UndoDoubleEncodedUtf8("C\xC3\x83\xC2\xB4te d'Ivoire"), "C\xC3\xB4te d'Ivoire");
  EXPECT_EQ(UndoDoubleEncodedUtf8("S\xC3\x83\xC2\xA3o Paulo"), "S\xC3\xA3o Paulo");
  EXPECT_EQ(UndoDoubleEncodedUtf8("plain"), std::nullopt);
  EXPECT_EQ(UndoDoubleEncodedUtf8("C\xC3\xB4te d'Ivoire"), std::nullopt);  // already right
  EXPECT_EQ(UndoDoubleEncodedUtf8("Cura\xC3\xA7"
                                  "ao"),
            std::nullopt);                                         // real Latin-1 text
  EXPECT_EQ(UndoDoubleEncodedUtf8("\xE2\x82\xAC"), std::nullopt);  // beyond Latin-1
  EXPECT_EQ(UndoDoubleEncodedUtf8("\xFF"), std::nullopt);          // not UTF-8 at all
  EXPECT_EQ(UndoDoubleEncodedUtf8("\xC3\x83"), std::nullopt);      // truncated sequence
}

}  // namespace
}  // namespace sphere::ingest
