#include "features/text/emoji_valence.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::features::text {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

TEST(EmojiValences, LoadsTheWinkList) {
  ASSERT_OK_AND_ASSIGN(EmojiValences v,
                       EmojiValences::Load(sphere::testing::SourceDir() /
                                           "var/assets/wink-sentiment/src/emojis.js"));
  EXPECT_GT(v.size(), 200u);
  EXPECT_THAT(v.Find("😂"), Optional(1.0));
  EXPECT_THAT(v.Find("👿"), Optional(-3.0));
  EXPECT_THAT(v.Find("❤"), Optional(4.0));
}

TEST(EmojiValences, FindsBaseFormsOfSelectorAndSkinToneVariants) {
  ASSERT_OK_AND_ASSIGN(EmojiValences v,
                       EmojiValences::Parse("var e = { '❤': 4, '👍': 3 };", "inline"));
  EXPECT_THAT(v.Find("\u2764\uFE0F"), Optional(4.0));
  EXPECT_THAT(v.Find("\U0001F44D\U0001F3FD"), Optional(3.0));
  EXPECT_EQ(v.Find("\U0001F60D"), std::nullopt);
  EXPECT_EQ(v.Find(""), std::nullopt);
}

TEST(EmojiValences, ParsesJavaScriptLiteralsRobustly) {
  const char* source = R"(// header { with a brace in a comment }
/* block } comment */
var emojis = {
  "\ud83d\ude02": 1,   // escaped surrogate pair
  '\u{1F60D}': +3,
  'it\'s': -2.5,
  '😭' : 0,
};
module.exports = emojis;)";
  ASSERT_OK_AND_ASSIGN(EmojiValences v, EmojiValences::Parse(source, "inline"));
  EXPECT_EQ(v.size(), 4u);
  EXPECT_THAT(v.Find("😂"), Optional(1.0));
  EXPECT_THAT(v.Find("😍"), Optional(3.0));
  EXPECT_THAT(v.Find("it's"), Optional(-2.5));
  EXPECT_THAT(v.Find("😭"), Optional(0.0));
}

TEST(EmojiValences, MalformedSourceIsDataLossWithItsLine) {
  EXPECT_THAT(EmojiValences::Parse("var e = {\n  '😂': one,\n};", "e.js").status(),
              IsError(Code::kDataLoss, HasSubstr("e.js:2")));
  EXPECT_THAT(EmojiValences::Parse("var e = {\n  '😂' 1\n};", "e.js").status(),
              IsError(Code::kDataLoss, HasSubstr("e.js:2")));
  EXPECT_THAT(EmojiValences::Parse("var e = { '😂': 1", "e.js").status(),
              IsError(Code::kDataLoss, HasSubstr("e.js:1")));
  EXPECT_THAT(EmojiValences::Parse("nothing here", "e.js").status(),
              IsError(Code::kDataLoss, HasSubstr("object literal")));
  EXPECT_THAT(EmojiValences::Parse("var e = {};", "e.js").status(),
              IsError(Code::kDataLoss, HasSubstr("no entries")));
  EXPECT_THAT(EmojiValences::Parse("var e = { '\\ud83d': 1 };", "e.js").status(),
              IsError(Code::kDataLoss, HasSubstr("e.js:1")));
}

TEST(EmojiValences, MissingFileIsNotFound) {
  sphere::testing::TempDir dir;
  EXPECT_THAT(EmojiValences::Load(dir.path() / "emojis.js").status(),
              IsError(Code::kNotFound, HasSubstr("fetch_assets.sh")));
}

}  // namespace
}  // namespace sphere::features::text
