#include "ingest/sources/source_util.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "testing/testing.h"

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

TEST(Columns, RequireAllKeepsTheOrderAndTheFirstMissingName) {
  Columns columns({"url", "name", "category"});
  constexpr std::string_view kNames[] = {"category", "url", "views", "likes"};
  EXPECT_EQ(columns.RequireAll(kNames), (std::vector<size_t>{2, 0, 0, 0}));
  EXPECT_EQ(columns.Check("f.csv", 1).message(), "f.csv:1: missing column views");
}

TEST(SourceCsv, RejectsRowsWhoseFieldCountDiffersFromTheHeader) {
  testing::TempDir dir;
  auto path = dir.Write("f.csv", "a,b\n1,2\n3\n4,5,6\n7,8\n");
  Result<SourceCsv> csv = SourceCsv::Open(path);
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  ASSERT_TRUE(csv->has_header());
  EXPECT_EQ(csv->header().fields, (std::vector<std::string>{"a", "b"}));
  csv->columns().Require("b");
  csv->columns().Require("c");
  EXPECT_EQ(csv->CheckColumns().message(), path.string() + ":1: missing column c");

  ImportReport report;
  CsvRecord record;
  std::vector<int64_t> lines;
  while (true) {
    Result<bool> more = csv->NextRow(record, report);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    lines.push_back(record.line);
  }
  EXPECT_EQ(lines, (std::vector<int64_t>{2, 5}));
  ASSERT_EQ(report.rows_rejected(), 2);
  EXPECT_EQ(report.rejected()[0].line, 3);
  EXPECT_EQ(report.rejected()[0].reason, "row has 1 fields; the header has 2");
  EXPECT_EQ(report.rejected()[1].reason, "row has 3 fields; the header has 2");

  Result<SourceCsv> empty = SourceCsv::Open(dir.Write("empty.csv", ""));
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_header());
  EXPECT_EQ(SourceCsv::Open(dir.path() / "absent.csv").status().code(), Code::kUnavailable);
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

TEST(ParseDigitTimestamp, ReadsFourteenLeadingDigitsAsUtc) {
  EXPECT_EQ(ParseDigitTimestamp("20220529040815/https://socialblade.com"),
            DaysFromCivil(2022, 5, 29) + 4 * 3600 + 8 * 60 + 15);
  EXPECT_EQ(ParseDigitTimestamp("2020122115574701019020909&vr="),
            DaysFromCivil(2020, 12, 21) + 15 * 3600 + 57 * 60 + 47);
  EXPECT_EQ(ParseDigitTimestamp("2022052904081"), std::nullopt);  // too short
  EXPECT_EQ(ParseDigitTimestamp("2022-05-29T04:08"), std::nullopt);
  EXPECT_EQ(ParseDigitTimestamp("20221329040815"), std::nullopt);  // month 13
}

TEST(ProfileSnapshot, CarriesTheProfileCountsAtItsTime) {
  Creator c;
  c.platform = Platform::kYouTube;
  c.handle = "tseries";
  c.followers = 10;
  c.posts_count = 3;
  c.country = "India";
  c.stats_as_of = 1'000;
  c.source = "x";
  Snapshot s = ProfileSnapshot(c);
  EXPECT_EQ(s.platform, Platform::kYouTube);
  EXPECT_EQ(s.creator_handle, "tseries");
  EXPECT_EQ(s.taken_at, 1'000);
  EXPECT_EQ(s.source, "x");
  EXPECT_EQ(s.followers, 10);
  EXPECT_EQ(s.following, std::nullopt);
  EXPECT_EQ(s.posts_count, 3);
  EXPECT_EQ(s.extra_json, "{}");
}

TEST(Recognition, HeaderLinesAndExtensions) {
  EXPECT_EQ(StripLineEnd("a,b\r\n"), "a,b");
  EXPECT_EQ(SplitHeaderLine("Rank, Followers \n"), (std::vector<std::string>{"rank", "followers"}));
  auto matches = MatchesHeader({"Username", "#Posts"}, '\t');
  EXPECT_TRUE(matches("any.txt", "username\t#posts\r\n"));
  EXPECT_FALSE(matches("any.txt", "username,#posts\n"));
  EXPECT_FALSE(matches("any.txt", "username\t#posts\tmore\n"));
  EXPECT_TRUE(HasExtension("data/x.csv", ".csv"));
  EXPECT_TRUE(HasExtension("data/x.csv.gz", ".csv"));
  EXPECT_FALSE(HasExtension("data/x.csv.zip", ".csv"));
  EXPECT_FALSE(HasExtension("data/x.json", ".csv"));
}

}  // namespace
}  // namespace sphere::ingest
