#include "model/niche/niche_text.h"

#include <gtest/gtest.h>

namespace sphere::niche {
namespace {

TEST(NicheText, LowerCasesAndSplitsHashtags) {
  EXPECT_EQ(NicheText("Love my #OOTD!! #Fashion_Week", ""), "love my ootd fashion_week");
}

TEST(NicheText, UrlsAndMentionsBecomeTokens) {
  EXPECT_EQ(NicheText("shop at https://x.co/a?b=1 with @Jane.Doe now", ""),
            "shop at __url__ with __mention__ @jane.doe now");
  EXPECT_EQ(NicheText("mail me: a@b", ""), "mail me a __mention__ @b");
}

TEST(NicheText, EmojiAreTokensWithoutModifiers) {
  // U+1F44D U+1F3FD (thumbs up, medium skin tone), U+2764 U+FE0F (red heart).
  EXPECT_EQ(NicheText("great\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD day \xE2\x9D\xA4\xEF\xB8\x8F", ""),
            "great \xF0\x9F\x91\x8D day \xE2\x9D\xA4");
}

TEST(NicheText, KeepsLettersOfOtherScriptsInWords) {
  EXPECT_EQ(NicheText("Café déjà", ""), "café déjà");
}

TEST(NicheText, ImageDescriptionWordsArePrefixed) {
  EXPECT_EQ(NicheText("Dinner", "Image may contain: 2 people, food"),
            "dinner img_2 img_people img_food");
  EXPECT_EQ(NicheText("", "No photo description available."), "img_none");
}

TEST(NicheText, EmptyInputIsEmpty) { EXPECT_EQ(NicheText("", ""), ""); }

TEST(NicheText, TruncatedUtf8DoesNotReadPastTheEnd) {
  EXPECT_EQ(NicheText("ok \xF0\x9F", ""), "ok \xF0\x9F");
}

TEST(Tokens, SplitsOnSpaces) {
  auto tokens = Tokens("a bb  c");
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[1], "bb");
}

}  // namespace
}  // namespace sphere::niche
