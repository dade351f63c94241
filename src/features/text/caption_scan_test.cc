#include "features/text/caption_scan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace sphere::features::text {
namespace {

struct Case {
  std::string caption;
  int64_t expected;
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << '"' << c.caption << '"'; }

// ---- emoji: one per grapheme cluster, whatever it is made of --------------------------------

class EmojiCount : public ::testing::TestWithParam<Case> {};
TEST_P(EmojiCount, CountsEachRgiClusterOnce) {
  EXPECT_EQ(CountCaptionFeatures(GetParam().caption).emoji, GetParam().expected) << GetParam();
}
INSTANTIATE_TEST_SUITE_P(
    Table, EmojiCount,
    ::testing::Values(
        Case{"", 0}, Case{"plain text", 0}, Case{"😍", 1},
        Case{"\U0001F1EB\U0001F1F7", 1},                        // 🇫🇷 flag: 2 RIs
        Case{"1\uFE0F\u20E3", 1},                               // 1️⃣ keycap
        Case{"#\uFE0F\u20E3", 1},                               // #️⃣ keycap
        Case{"\U0001F468\u200D\U0001F469\u200D\U0001F467", 1},  // 👨‍👩‍👧 ZWJ family
        Case{"\U0001F44D\U0001F3FD", 1},                        // 👍🏽 skin tone
        Case{"\u2764\uFE0F", 1},                                // ❤️
        Case{"\u2764", 1},                                      // ❤ without VS16
        Case{"\u270C\U0001F3FC", 1},                            // ✌🏼
        Case{"\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F",
             1},                                              // 🏴󠁧󠁢󠁳󠁣󠁴󠁿
        Case{"\U0001F1EB\U0001F1F7\U0001F1E9\U0001F1EA", 2},  // two flags
        Case{"😍😍😍", 3}, Case{"a😍b 🎮", 2}, Case{"\u00A9 \u00AE \u2122", 0},   // © ® ™ as text
        Case{"\u2661", 0},                                                   // ♡ is not an emoji
        Case{"\u2764\uFE0E", 0},                                             // explicit text style
        Case{"123 #1 *", 0}, Case{"\U0001F1EB", 0}, Case{"a\U0001F3FB", 0},  // modifier on a letter
        Case{"1\u20E3", 0},                                                  // keycap without VS16
        Case{"\U0001F44D\U0001F3FD\U0001F44D", 2},
        Case{"x\u2764\uFE0Fy\u2764\uFE0F", 2}));  // a lone RI is no flag

// ---- hashtags ------------------------------------------------------------------------------

class HashtagCount : public ::testing::TestWithParam<Case> {};
TEST_P(HashtagCount, FollowsInstagramRules) {
  EXPECT_EQ(CountCaptionFeatures(GetParam().caption).hashtags, GetParam().expected) << GetParam();
}
INSTANTIATE_TEST_SUITE_P(
    Table, HashtagCount,
    ::testing::Values(Case{"#love", 1}, Case{"#love #ootd #fit_fam", 3},
                      Case{"#love#instagood", 2},             // Instagram links both
                      Case{"#café #東京 #москва #ñandú", 4},  // any script
                      Case{"#हिन्दी", 1},                      // combining marks inside
                      Case{"#2018", 0}, Case{"we're #1", 0},  // digits only
                      Case{"#100daysofcode", 1}, Case{"C# and F#", 0}, Case{"abc#def", 0},
                      Case{"&#39;", 0}, Case{"# love", 0}, Case{"#", 0}, Case{"##tag", 1},
                      Case{"\uFF03tag", 1},  // full-width sign
                      Case{"#tag.", 1}, Case{"(#tag)", 1}, Case{"#😍", 0},
                      Case{"\u2764\uFE0F#halloween", 1}));  // a selector does not glue

// ---- mentions ------------------------------------------------------------------------------

class MentionCount : public ::testing::TestWithParam<Case> {};
TEST_P(MentionCount, FollowsInstagramHandleRules) {
  EXPECT_EQ(CountCaptionFeatures(GetParam().caption).mentions, GetParam().expected) << GetParam();
}
INSTANTIATE_TEST_SUITE_P(
    Table, MentionCount,
    ::testing::Values(Case{"@nike", 1}, Case{"thanks @_bearded.man!", 1}, Case{"@a @b.c @d_e", 3},
                      Case{"mail me: me@example.com", 0}, Case{"@", 0}, Case{"@ nike", 0},
                      Case{"by @nike.", 1}, Case{"@@nike", 0},
                      Case{"@abcdefghijklmnopqrstuvwxyz01234", 0},  // 31 chars: too long
                      Case{"@abcdefghijklmnopqrstuvwxyz0123", 1},   // 30 chars
                      Case{"\uFF20nike", 1}, Case{"(@nike)", 1}, Case{"@nike@adidas", 2},
                      Case{"@hairsalon...Follow us", 1}));  // no handle has ".."

// ---- URLs ----------------------------------------------------------------------------------

class UrlCount : public ::testing::TestWithParam<Case> {};
TEST_P(UrlCount, FindsLinksWithAndWithoutScheme) {
  EXPECT_EQ(CountCaptionFeatures(GetParam().caption).urls, GetParam().expected) << GetParam();
}
INSTANTIATE_TEST_SUITE_P(
    Table, UrlCount,
    ::testing::Values(Case{"https://example.com/a?b=c", 1}, Case{"http://x.io", 1},
                      Case{"HTTPS://EXAMPLE.COM", 1}, Case{"www.example.org", 1},
                      Case{"shop at shop.com/x now", 1}, Case{"bit.ly/3abc", 1},
                      Case{"visit goo.gl", 1}, Case{"site.co.uk/path.", 1},
                      Case{"(see https://a.com/x)", 1}, Case{"https://", 0}, Case{"http:/x", 0},
                      Case{"Detroit... tomorrow", 0}, Case{"log.in or just.do.it", 0},
                      Case{"me@example.com", 0}, Case{"@shop.com", 0}, Case{"#shop.com", 0},
                      Case{"3.5 stars", 0}, Case{"example.com.", 1}, Case{"a.com b.net", 2},
                      Case{"end.Then", 0}, Case{"shop.comfy", 0}));

// ---- calls to action -----------------------------------------------------------------------

class CallsToAction : public ::testing::TestWithParam<Case> {};
TEST_P(CallsToAction, MatchesWholePhrasesIgnoringCase) {
  EXPECT_EQ(CountCaptionFeatures(GetParam().caption).calls_to_action, GetParam().expected)
      << GetParam();
}
INSTANTIATE_TEST_SUITE_P(
    Table, CallsToAction,
    ::testing::Values(Case{"Link in bio!", 1}, Case{"LINK IN MY BIO", 1},
                      Case{"tag a friend who needs this", 1}, Case{"Comment below 👇", 1},
                      Case{"swipe ➡️ for more", 1}, Case{"Shop now, use code LOVE20", 2},
                      Case{"#giveaway time", 1}, Case{"giveaways", 1}, Case{"#linkinbio", 1},
                      Case{"Don\u2019t miss it", 1}, Case{"dont miss", 1}, Case{"swiped right", 0},
                      Case{"subscribed", 0}, Case{"blinking bio", 0}, Case{"shopnow", 0},
                      Case{"", 0}));

// ---- questions and exclamations ------------------------------------------------------------

struct PunctCase {
  std::string caption;
  int64_t questions;
  int64_t exclamations;
};
std::ostream& operator<<(std::ostream& os, const PunctCase& c) {
  return os << '"' << c.caption << '"';
}
class Punctuation : public ::testing::TestWithParam<PunctCase> {};
TEST_P(Punctuation, CountsRunsOfMarks) {
  const CaptionFeatures f = CountCaptionFeatures(GetParam().caption);
  EXPECT_EQ(f.questions, GetParam().questions) << GetParam();
  EXPECT_EQ(f.exclamations, GetParam().exclamations) << GetParam();
}
INSTANTIATE_TEST_SUITE_P(Table, Punctuation,
                         ::testing::Values(PunctCase{"Really?", 1, 0}, PunctCase{"Really???", 1, 0},
                                           PunctCase{"What?! No!", 1, 2},
                                           PunctCase{"Wow! Wow!!", 0, 2},
                                           PunctCase{"¿Qué? ¡Sí!", 1, 1}, PunctCase{"なに？", 1, 0},
                                           PunctCase{"go ❓❗", 1, 1},
                                           PunctCase{"see https://a.com/x?y=1", 0, 0},
                                           PunctCase{"", 0, 0}));

// ---- words, line breaks, case, characters ---------------------------------------------------

TEST(CaptionScan, WordsAreIcuWordsWithoutEmojiOrPunctuation) {
  EXPECT_EQ(CountCaptionFeatures("Hello, world!").words, 2);
  EXPECT_EQ(CountCaptionFeatures("don't stop 3.5 times").words, 4);
  EXPECT_EQ(CountCaptionFeatures("😍 1\uFE0F\u20E3 \U0001F1EB\U0001F1F7 ...").words, 0);
  EXPECT_EQ(CountCaptionFeatures("日本語です").words, 2);  // dictionary segmentation
  EXPECT_EQ(CountCaptionFeatures("").words, 0);
}

TEST(CaptionScan, CrLfIsOneLineBreak) {
  EXPECT_EQ(CountCaptionFeatures("a\nb\r\nc\rd\u2028e").line_breaks, 4);
  EXPECT_EQ(CountCaptionFeatures("\n\n\n").line_breaks, 3);
  EXPECT_EQ(CountCaptionFeatures("one line").line_breaks, 0);
  // U+1000A's low 16 bits are '\n'; a supplementary code point is never a break.
  EXPECT_EQ(CountCaptionFeatures("\U0001000A \U0001000D").line_breaks, 0);
}

TEST(CaptionScan, UppercaseShareIgnoresEntitiesAndIsMissingWithoutLetters) {
  EXPECT_DOUBLE_EQ(CountCaptionFeatures("ABcd").uppercase_share, 0.5);
  EXPECT_DOUBLE_EQ(CountCaptionFeatures("WOW #lowercase @handle https://x.com/abc").uppercase_share,
                   1.0);
  EXPECT_DOUBLE_EQ(CountCaptionFeatures("ÉTÉ été").uppercase_share, 0.5);
  EXPECT_TRUE(std::isnan(CountCaptionFeatures("123 😍 !!").uppercase_share));
  EXPECT_TRUE(std::isnan(CountCaptionFeatures("日本語").uppercase_share));  // uncased letters
  EXPECT_TRUE(std::isnan(CountCaptionFeatures("").uppercase_share));
}

TEST(CaptionScan, CharsAreCodePoints) {
  EXPECT_EQ(CountCaptionFeatures("héllo").chars, 5);
  EXPECT_EQ(CountCaptionFeatures("\U0001F468\u200D\U0001F469\u200D\U0001F467").chars, 5);
  EXPECT_EQ(CountCaptionFeatures("").chars, 0);
}

TEST(CaptionScan, EntitiesAreOrderedAndDoNotOverlap) {
  const std::u16string s = u"#a @b https://c.com/#d www.e.com f.io #g#h";
  const std::vector<Entity> e = FindEntities(s);
  const std::vector<EntityKind> kinds = {
      EntityKind::kHashtag, EntityKind::kMention, EntityKind::kUrl,    EntityKind::kUrl,
      EntityKind::kUrl,     EntityKind::kHashtag, EntityKind::kHashtag};
  ASSERT_EQ(e.size(), kinds.size());
  for (size_t k = 0; k < e.size(); ++k) {
    EXPECT_EQ(e[k].kind, kinds[k]) << k;
    EXPECT_LT(e[k].begin, e[k].end) << k;
    if (k + 1 < e.size()) {
      EXPECT_LE(e[k].end, e[k + 1].begin) << k;
    }
  }
  EXPECT_EQ(s.substr(e[2].begin, e[2].end - e[2].begin), u"https://c.com/#d");
}

TEST(CaptionScan, LanguageTextDropsEntitiesEmojiAndLineBreaks) {
  CaptionFeatures f;
  const CaptionScan scan = ScanCaption("Bonjour 😍\n#paris @ami https://a.fr/x\ntout le monde", &f);
  EXPECT_EQ(LanguageIdText(scan), "Bonjour     tout le monde");
}

}  // namespace
}  // namespace sphere::features::text
