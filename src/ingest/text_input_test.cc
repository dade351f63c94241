#include "ingest/text_input.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "testing/testing.h"

namespace sphere::ingest {
namespace {

std::filesystem::path WriteGzip(const testing::TempDir& dir, std::string_view name,
                                std::string_view contents) {
  std::filesystem::path path = dir.path() / name;
  gzFile file = gzopen(path.c_str(), "wb");
  EXPECT_NE(file, nullptr);
  EXPECT_EQ(gzwrite(file, contents.data(), static_cast<unsigned>(contents.size())),
            static_cast<int>(contents.size()));
  EXPECT_EQ(gzclose(file), Z_OK);
  return path;
}

struct Line {
  int64_t number;
  std::string text;
  bool operator==(const Line&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Line& line) {
  return os << line.number << ":" << ::testing::PrintToString(line.text);
}

std::vector<Line> ReadAll(const std::filesystem::path& path, Encoding encoding = Encoding::kUtf8) {
  auto reader = LineReader::Open(path, encoding);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  std::vector<Line> lines;
  if (!reader.ok()) return lines;
  std::string_view line;
  while (true) {
    Result<bool> more = (*reader)->Next(line);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) break;
    lines.push_back({(*reader)->line_number(), std::string(line)});
  }
  return lines;
}

struct LineCase {
  std::string name;
  std::string contents;
  std::vector<Line> expected;
};

class LineReaderCases : public ::testing::TestWithParam<LineCase> {};

TEST_P(LineReaderCases, PlainAndGzipGiveTheSameLines) {
  const LineCase& c = GetParam();
  testing::TempDir dir;
  EXPECT_EQ(ReadAll(dir.Write("plain.txt", c.contents)), c.expected);
  // zlib recognises gzip by its magic bytes, so the name must not matter.
  EXPECT_EQ(ReadAll(WriteGzip(dir, "compressed.txt", c.contents)), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    TextInput, LineReaderCases,
    ::testing::Values(LineCase{"Empty", "", {}},
                      LineCase{"TerminatorsAreKept", "a\nb\r\n", {{1, "a\n"}, {2, "b\r\n"}}},
                      LineCase{"LastLineWithoutTerminator", "a\nb", {{1, "a\n"}, {2, "b"}}},
                      LineCase{"BlankLinesAreLinesToo",
                               "a\n\n\r\nb\n",
                               {{1, "a\n"}, {2, "\n"}, {3, "\r\n"}, {4, "b\n"}}},
                      LineCase{"LeadingBomIsDropped",
                               "\xEF\xBB\xBFh1,h2\r\nx\r\n",
                               {{1, "h1,h2\r\n"}, {2, "x\r\n"}}},
                      LineCase{"BomAfterTheStartIsContent",
                               "a\n\xEF\xBB\xBF"
                               "b\n",
                               {{1, "a\n"},
                                {2,
                                 "\xEF\xBB\xBF"
                                 "b\n"}}},
                      LineCase{"LoneCarriageReturnIsNotALineEnd", "a\rb\n", {{1, "a\rb\n"}}},
                      LineCase{"Utf8PassesThrough",
                               "caf\xC3\xA9 \xF0\x9F\x96\xA4\n",
                               {{1, "caf\xC3\xA9 \xF0\x9F\x96\xA4\n"}}}),
    [](const ::testing::TestParamInfo<LineCase>& info) { return info.param.name; });

TEST(LineReader, LinesLongerThanOneReadChunkArriveWhole) {
  testing::TempDir dir;
  std::string long_line(200'000, 'x');
  std::string contents = "\xEF\xBB\xBF" + long_line + "\nshort\n" + long_line;
  std::vector<Line> expected = {{1, long_line + "\n"}, {2, "short\n"}, {3, long_line}};
  EXPECT_EQ(ReadAll(dir.Write("long.txt", contents)), expected);
  EXPECT_EQ(ReadAll(WriteGzip(dir, "long.gz", contents)), expected);
}

TEST(LineReader, BytesReadCountsDecompressedBytesAfterTheBom) {
  testing::TempDir dir;
  auto reader = LineReader::Open(WriteGzip(dir, "x.gz",
                                           "\xEF\xBB\xBF"
                                           "ab\ncd\n"));
  ASSERT_TRUE(reader.ok());
  std::string_view line;
  ASSERT_TRUE(*(*reader)->Next(line));
  EXPECT_EQ((*reader)->bytes_read(), 3);
  ASSERT_TRUE(*(*reader)->Next(line));
  EXPECT_EQ((*reader)->bytes_read(), 6);
  EXPECT_FALSE(*(*reader)->Next(line));
  EXPECT_EQ((*reader)->line_number(), 2);
}

TEST(LineReader, MissingFileIsUnavailable) {
  testing::TempDir dir;
  auto reader = LineReader::Open(dir.path() / "nope.csv");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().code(), Code::kUnavailable);
  EXPECT_NE(reader.error().message().find("nope.csv"), std::string::npos);
}

TEST(LineReader, TruncatedGzipIsDataLoss) {
  testing::TempDir dir;
  std::string contents;
  for (int i = 0; i < 20'000; ++i) contents += "line " + std::to_string(i * 7919 % 10007) + "\n";
  std::filesystem::path full = WriteGzip(dir, "full.gz", contents);
  std::filesystem::resize_file(full, std::filesystem::file_size(full) / 2);

  auto reader = LineReader::Open(full);
  ASSERT_TRUE(reader.ok());
  std::string_view line;
  Result<bool> more = true;
  while (more.ok() && *more) more = (*reader)->Next(line);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.error().code(), Code::kDataLoss);
  EXPECT_NE(more.error().message().find("full.gz"), std::string::npos);
}

TEST(LineReader, ConvertsWindows1252LineByLine) {
  testing::TempDir dir;
  std::vector<Line> expected = {{1,
                                 "Caf\xC3\xA9 \xE2\x82\xAC"
                                 "5\r\n"},
                                {2, "\xEF\xBF\xBD\n"}};
  EXPECT_EQ(ReadAll(dir.Write("latin.csv",
                              "Caf\xE9 \x80"
                              "5\r\n\x81\n"),
                    Encoding::kWindows1252),
            expected);
}

struct Cp1252Case {
  std::string in;
  std::string out;
};

class Windows1252Cases : public ::testing::TestWithParam<Cp1252Case> {};

TEST_P(Windows1252Cases, ConvertsToUtf8) {
  EXPECT_EQ(Windows1252ToUtf8(GetParam().in), GetParam().out);
}

INSTANTIATE_TEST_SUITE_P(
    TextInput, Windows1252Cases,
    ::testing::Values(Cp1252Case{"", ""},                                  //
                      Cp1252Case{"plain ASCII, 1-2", "plain ASCII, 1-2"},  //
                      Cp1252Case{"\x80", "\xE2\x82\xAC"},                  // euro sign
                      Cp1252Case{"\x85", "\xE2\x80\xA6"},                  // ellipsis
                      Cp1252Case{"\x92", "\xE2\x80\x99"},                  // right single quote
                      Cp1252Case{"\x9F", "\xC5\xB8"},                      // Y with diaeresis
                      Cp1252Case{"\x81\x8D\x8F\x90\x9D",                   // the five undefined
                                 "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
                      Cp1252Case{"\xA0", "\xC2\xA0"},                  // no-break space
                      Cp1252Case{"S\xE3o Paulo", "S\xC3\xA3o Paulo"},  // Latin-1 range
                      Cp1252Case{"\xFF", "\xC3\xBF"}));

TEST(Sha256OfFile, HashesTheStoredBytes) {
  testing::TempDir dir;
  auto hash = Sha256OfFile(dir.Write("abc.txt", "abc"));
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(*hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto missing = Sha256OfFile(dir.path() / "missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace sphere::ingest
