#include "ingest/csv_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testing/testing.h"

namespace sphere::ingest {
namespace {

struct Row {
  int64_t line;
  std::vector<std::string> fields;
  bool operator==(const Row&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Row& row) {
  return os << row.line << ":" << ::testing::PrintToString(row.fields);
}

// Every record of the file, or the error that stopped the reader.
Result<std::vector<Row>> ReadAll(const std::filesystem::path& path, CsvOptions options = {}) {
  SPHERE_ASSIGN_OR_RETURN(auto reader, CsvReader::Open(path, options));
  std::vector<Row> rows;
  CsvRecord record;
  while (true) {
    SPHERE_ASSIGN_OR_RETURN(bool more, reader->Next(record));
    if (!more) return rows;
    rows.push_back({record.line, record.fields});
  }
}

struct CsvCase {
  std::string name;
  std::string contents;
  std::vector<Row> expected;
  CsvOptions options = {};
};

class CsvReaderCases : public ::testing::TestWithParam<CsvCase> {};

TEST_P(CsvReaderCases, ReadsRecordsWithTheLineTheyStartOn) {
  const CsvCase& c = GetParam();
  testing::TempDir dir;
  auto rows = ReadAll(dir.Write("in.csv", c.contents), c.options);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, c.expected);
}

const CsvOptions kTsv = {.delimiter = '\t', .trim_unquoted = false};

INSTANTIATE_TEST_SUITE_P(
    CsvReader, CsvReaderCases,
    ::testing::Values(
        CsvCase{"Simple", "a,b\n1,2\n", {{1, {"a", "b"}}, {2, {"1", "2"}}}},
        CsvCase{"Crlf", "a,b\r\n1,2\r\n", {{1, {"a", "b"}}, {2, {"1", "2"}}}},
        CsvCase{"NoFinalNewline", "a,b\n1,2", {{1, {"a", "b"}}, {2, {"1", "2"}}}},
        CsvCase{"EmptyFields", "a,,c\n,\n", {{1, {"a", "", "c"}}, {2, {"", ""}}}},
        CsvCase{"MultiLineQuotedField",
                "id,caption\n1,\"first\nsecond\r\nthird\"\n2,x\n",
                {{1, {"id", "caption"}}, {2, {"1", "first\nsecond\r\nthird"}}, {5, {"2", "x"}}}},
        CsvCase{"DoubledQuotes", "a\n\"say \"\"hi\"\"\"\n", {{1, {"a"}}, {2, {"say \"hi\""}}}},
        CsvCase{"QuotedDelimiter", "\"a,b\",c\n", {{1, {"a,b", "c"}}}},
        CsvCase{"BlankLinesAreSkippedButCounted",
                "h\n\n1\r\n\r\n\n\"2\n\n2\"\n\n3\n",
                {{1, {"h"}}, {3, {"1"}}, {6, {"2\n\n2"}}, {10, {"3"}}}},
        CsvCase{"BomBeforeTheHeader",
                "\xEF\xBB\xBFrank,name\r\n1,x\r\n",
                {{1, {"rank", "name"}}, {2, {"1", "x"}}}},
        CsvCase{"CsvTrimsUnquotedSpacesOnly", " a , \" b \" \n", {{1, {"a", " b "}}}},
        CsvCase{"QuoteInsideAnUnquotedFieldIsText", "5'10\",x\n", {{1, {"5'10\"", "x"}}}},
        CsvCase{"TsvKeepsSpacesAndCommas",
                "Username\tCategory\n a b \t x,y \n",
                {{1, {"Username", "Category"}}, {2, {" a b ", " x,y "}}},
                kTsv},
        CsvCase{"TsvEmptyFields", "a\t\tc\n", {{1, {"a", "", "c"}}}, kTsv},
        CsvCase{"Windows1252",
                "name\r\nCaf\xE9 \x80\r\n",
                {{1, {"name"}}, {2, {"Caf\xC3\xA9 \xE2\x82\xAC"}}},
                {.encoding = Encoding::kWindows1252}}),
    [](const ::testing::TestParamInfo<CsvCase>& info) { return info.param.name; });

TEST(CsvReader, UnterminatedQuoteAtEndOfFileNamesTheLineItStartedOn) {
  testing::TempDir dir;
  std::filesystem::path path = dir.Write("bad.csv", "a,b\n1,2\n3,\"never\nclosed\n\n");
  auto reader = CsvReader::Open(path);
  ASSERT_TRUE(reader.ok());
  CsvRecord record;
  ASSERT_TRUE(*(*reader)->Next(record));
  ASSERT_TRUE(*(*reader)->Next(record));
  EXPECT_EQ(record.line, 2);
  Result<bool> more = (*reader)->Next(record);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(more.error().message(),
            path.string() + ":3: unterminated quoted field (the file ends inside quotes)");
  // The reader stays finished rather than inventing a record.
  Result<bool> after = (*reader)->Next(record);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(*after);
}

TEST(CsvReader, QuoteClosedRightAtEndOfFileIsFine) {
  testing::TempDir dir;
  auto rows = ReadAll(dir.Write("ok.csv", "a\n\"x\ny\""));
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, (std::vector<Row>{{1, {"a"}}, {2, {"x\ny"}}}));
}

TEST(CsvReader, EmptyFileHasNoRecords) {
  testing::TempDir dir;
  auto rows = ReadAll(dir.Write("empty.csv", ""));
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE(rows->empty());
}

TEST(CsvReader, MissingFileIsUnavailable) {
  testing::TempDir dir;
  auto reader = CsvReader::Open(dir.path() / "missing.csv");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().code(), Code::kUnavailable);
}

TEST(CsvHeader, FoldsCaseAndWhiteSpace) {
  EXPECT_EQ(CsvHeader::Fold("  Authentic engagement\n"), "authentic engagement");
  EXPECT_EQ(CsvHeader::Fold("Time\t since\r\nposted"), "time since posted");
  EXPECT_EQ(CsvHeader::Fold(""), "");
}

TEST(CsvHeader, FindsColumnsByFoldedName) {
  CsvHeader header({"Name", "Followers", "Authentic engagement\n", "followers"});
  EXPECT_EQ(header.size(), 4u);
  EXPECT_EQ(header.Find("name"), 0u);
  EXPECT_EQ(header.Find("AUTHENTIC  ENGAGEMENT"), 2u);
  EXPECT_EQ(header.Find("followers"), 1u);
  EXPECT_EQ(header.FindAll("Followers"), (std::vector<size_t>{1, 3}));
  EXPECT_EQ(header.Find("country"), std::nullopt);
  EXPECT_TRUE(header.FindAll("country").empty());
  EXPECT_EQ(header.name(2), "authentic engagement");
}

}  // namespace
}  // namespace sphere::ingest
