#include "ingest/numbers.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace sphere::ingest {
namespace {

template <typename T>
struct NumberCase {
  std::string cell;
  std::optional<T> expected;  // nullopt: the cell must be rejected
};

template <typename T>
std::ostream& operator<<(std::ostream& os, const NumberCase<T>& c) {
  return os << ::testing::PrintToString(c.cell);
}

template <typename T>
void ExpectParse(const NumberCase<T>& c, const Result<T>& parsed) {
  if (c.expected) {
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    if constexpr (std::is_floating_point_v<T>) {
      EXPECT_DOUBLE_EQ(*parsed, *c.expected);
    } else {
      EXPECT_EQ(*parsed, *c.expected);
    }
  } else {
    ASSERT_FALSE(parsed.ok()) << "parsed as " << *parsed;
    EXPECT_EQ(parsed.error().code(), Code::kInvalidArgument);
    // The message quotes the cell so a reject reason can show what was there.
    EXPECT_NE(parsed.error().message().find("'" + c.cell + "'"), std::string::npos)
        << parsed.error().message();
  }
}

class ParseCountCases : public ::testing::TestWithParam<NumberCase<int64_t>> {};
TEST_P(ParseCountCases, Parses) { ExpectParse(GetParam(), ParseCount(GetParam().cell)); }
const NumberCase<int64_t> kCountCases[] = {
    {"3.3k", 3'300},         {"0.89k", 890},
    {"475.8m", 475'800'000}, {"29.0b", 29'000'000'000},
    {"48.5M", 48'500'000},   {"383.1K", 383'100},
    {"1.4B", 1'400'000'000}, {" 12k ", 12'000},
    {"1,234", 1'234},        {"1,234.5k", 1'234'500},
    {"1234.0", 1'234},       {"0", 0},
    {"-3k", -3'000},         {"1,23", std::nullopt},
    {"48,5M", std::nullopt}, {"1.2,3k", std::nullopt},
    {"12.5", std::nullopt},  {"k", std::nullopt},
    {"3.3x", std::nullopt},  {"3.3 kk", std::nullopt},
    {"1.39%", std::nullopt}, {"20000000000b", std::nullopt},
    {"", std::nullopt},
};
INSTANTIATE_TEST_SUITE_P(Numbers, ParseCountCases, ::testing::ValuesIn(kCountCases));

class ParseIntegerCases : public ::testing::TestWithParam<NumberCase<int64_t>> {};
TEST_P(ParseIntegerCases, Parses) { ExpectParse(GetParam(), ParseInteger(GetParam().cell)); }
const NumberCase<int64_t> kIntegerCases[] = {
    {"1234", 1'234},
    {" 42\t", 42},
    {"+7", 7},
    {"-15", -15},
    {"1,234", 1'234},
    {"12,345,678", 12'345'678},
    {"-1,234", -1'234},
    {"1234.0", 1'234},
    {"1,234.00", 1'234},
    {"1557899245", 1'557'899'245},
    {"9223372036854775807", INT64_MAX},
    {"9223372036854775808", std::nullopt},
    {"1,23", std::nullopt},
    {"1,2345", std::nullopt},
    {"1234,567", std::nullopt},
    {",123", std::nullopt},
    {"1,234,", std::nullopt},
    {"1234.5", std::nullopt},
    {"1.234,0", std::nullopt},
    {"12x", std::nullopt},
    {"1 234", std::nullopt},
    {"0x10", std::nullopt},
    {"+-5", std::nullopt},
    {"-", std::nullopt},
    {".0", std::nullopt},
    {"3k", std::nullopt},
    {"", std::nullopt},
};
INSTANTIATE_TEST_SUITE_P(Numbers, ParseIntegerCases, ::testing::ValuesIn(kIntegerCases));

class ParseDecimalCases : public ::testing::TestWithParam<NumberCase<double>> {};
TEST_P(ParseDecimalCases, Parses) { ExpectParse(GetParam(), ParseDecimal(GetParam().cell)); }
const NumberCase<double> kDecimalCases[] = {
    {"12.5", 12.5},          {"-3", -3.0},          {"+0.25", 0.25},
    {"1e3", 1000.0},         {" 7 ", 7.0},          {"nan", std::nullopt},
    {"inf", std::nullopt},   {"+-1", std::nullopt}, {"1,5", std::nullopt},
    {"1.2.3", std::nullopt}, {"", std::nullopt},
};
INSTANTIATE_TEST_SUITE_P(Numbers, ParseDecimalCases, ::testing::ValuesIn(kDecimalCases));

class ParsePercentCases : public ::testing::TestWithParam<NumberCase<double>> {};
TEST_P(ParsePercentCases, Parses) { ExpectParse(GetParam(), ParsePercent(GetParam().cell)); }
const NumberCase<double> kPercentCases[] = {
    {"1.39%", 0.0139},      {"1.39", 0.0139},    {" 0.02% ", 0.0002},      {"100%", 1.0},
    {"NaN%", std::nullopt}, {"%", std::nullopt}, {"1.39%%", std::nullopt}, {"abc%", std::nullopt},
};
INSTANTIATE_TEST_SUITE_P(Numbers, ParsePercentCases, ::testing::ValuesIn(kPercentCases));

struct MissingCase {
  std::string cell;
  bool missing;
};
std::ostream& operator<<(std::ostream& os, const MissingCase& c) {
  return os << ::testing::PrintToString(c.cell);
}

class IsMissingCases : public ::testing::TestWithParam<MissingCase> {};
TEST_P(IsMissingCases, RecognisesTheSpellingsOfNoValue) {
  EXPECT_EQ(IsMissing(GetParam().cell), GetParam().missing);
}
const MissingCase kMissingCases[] = {
    {"", true},      {"   ", true},     {"nan", true},     {"NaN", true},     {"NA", true},
    {"N/A", true},   {"N/A'", true},    {" n/a ", true},   {"null", true},    {"None", true},
    {"-", true},     {"--", true},      {"#VALOR!", true}, {"#valor!", true}, {"#VALUE!", true},
    {"#N/A", true},  {"#DIV/0!", true}, {"0", false},      {"nano", false},   {"Nan Goldin", false},
    {"NaN%", false}, {"-1", false},     {"N/A''", false},  {"#VALOR", false},
};
INSTANTIATE_TEST_SUITE_P(Numbers, IsMissingCases, ::testing::ValuesIn(kMissingCases));

TEST(Trim, RemovesAsciiWhiteSpaceAtBothEnds) {
  EXPECT_EQ(Trim(" \t a b \r\n"), "a b");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim(" \n "), "");
  EXPECT_EQ(Trim("x"), "x");
}

}  // namespace
}  // namespace sphere::ingest
