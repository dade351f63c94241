#include "features/text/utf8_repair.h"

#include <gtest/gtest.h>

#include <string>

namespace sphere::features::text {
namespace {

struct Case {
  std::string bytes;
  std::string repaired;  // expected UTF-8
  int64_t invalid_bytes;
};
std::ostream& operator<<(std::ostream& os, const Case& c) {
  for (unsigned char b : c.bytes) os << std::hex << static_cast<int>(b) << ' ';
  return os;
}

const std::string kFffd = "\xEF\xBF\xBD";

class Utf8Repair : public ::testing::TestWithParam<Case> {};

TEST_P(Utf8Repair, ReplacesEachMaximalIllFormedSubpartOnce) {
  const RepairedText r = RepairUtf8(GetParam().bytes);
  EXPECT_EQ(r.utf8, GetParam().repaired) << GetParam();
  EXPECT_EQ(r.invalid_bytes, GetParam().invalid_bytes) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    Table, Utf8Repair,
    ::testing::Values(Case{"", "", 0}, Case{"plain", "plain", 0},
                      Case{"h\xC3\xA9llo \xF0\x9F\x98\x8D", "h\xC3\xA9llo \xF0\x9F\x98\x8D", 0},
                      Case{"a\x80"
                           "b",
                           "a" + kFffd + "b", 1},                      // stray continuation
                      Case{"\xC0\xAF", kFffd + kFffd, 2},              // overlong '/'
                      Case{"\xE0\x80\x80", kFffd + kFffd + kFffd, 3},  // overlong, 3 subparts
                      Case{"\xED\xA0\x80", kFffd + kFffd + kFffd, 3},  // a surrogate
                      Case{"\xF4\x90\x80\x80", kFffd + kFffd + kFffd + kFffd, 4},  // > U+10FFFF
                      Case{"\xF5x", kFffd + "x", 1},
                      Case{"\xE2\x82", kFffd, 2},         // truncated at the end
                      Case{"\xE2\x82x", kFffd + "x", 2},  // truncated mid-text
                      Case{"\xF0\x9F\x98", kFffd, 3}, Case{"\xFF\xFE", kFffd + kFffd, 2},
                      Case{std::string("a\0b", 3), std::string("a\0b", 3), 0}));

TEST(Utf8Repair, CountsCodePointsAndBuildsUtf16) {
  const RepairedText r = RepairUtf8("a\xC3\xA9\xF0\x9F\x98\x8D\x80");
  EXPECT_EQ(r.code_points, 4);
  EXPECT_EQ(r.utf16, std::u16string(u"a\u00E9\U0001F60D\uFFFD"));
}

}  // namespace
}  // namespace sphere::features::text
