#include "synth/text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace sphere::synth {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

class Collect : public TokenVisitor {
 public:
  void Visit(TokenKind kind, std::string_view token) override {
    tokens.emplace_back(kind, std::string(token));
  }
  std::vector<std::pair<TokenKind, std::string>> tokens;
};

TEST(ScanCaption, CountsHashtagsMentionsAndEmoji) {
  Collect c;
  CaptionStats s = ScanCaption("Hello World! #Summer#fun @ana.b. 🎉🎉 don't", &c);
  EXPECT_EQ(s.hashtags, 2);
  EXPECT_EQ(s.mentions, 1);
  EXPECT_EQ(s.emoji, 2);
  EXPECT_EQ(s.chars, 41);
  EXPECT_THAT(c.tokens,
              ElementsAre(Pair(TokenKind::kWord, "hello"), Pair(TokenKind::kWord, "world"),
                          Pair(TokenKind::kHashtag, "summer"), Pair(TokenKind::kHashtag, "fun"),
                          Pair(TokenKind::kEmoji, "🎉"), Pair(TokenKind::kEmoji, "🎉"),
                          Pair(TokenKind::kWord, "don't")));
}

TEST(ScanCaption, CharsAreCodePointsAndEmojiAreWhatTheEyeSees) {
  // h é l l o, space, woman, ZWJ, cooking: 9 code points, one emoji (a woman cook).
  Collect c;
  CaptionStats s = ScanCaption("héllo 👩‍🍳", &c);
  EXPECT_EQ(s.chars, 9);
  EXPECT_EQ(s.emoji, 1);
  EXPECT_THAT(c.tokens,
              ElementsAre(Pair(TokenKind::kWord, "héllo"), Pair(TokenKind::kEmoji, "👩‍🍳")));
  // Skin tones and variation selectors belong to their emoji; a flag is two letters.
  EXPECT_EQ(ScanCaption("👍🏽 ❤️ 🇺🇸🇧🇷 🏃‍♀️x", nullptr).emoji, 5);
  EXPECT_EQ(ScanCaption("👍🏽 ❤️ 🇺🇸🇧🇷 🏃‍♀️x", nullptr).chars, 16);
}

TEST(ScanCaption, KeepsNonLatinWordsWhole) {
  Collect c;
  ScanCaption("Привет, café #日本 it’s", &c);
  EXPECT_THAT(c.tokens,
              ElementsAre(Pair(TokenKind::kWord, "Привет"), Pair(TokenKind::kWord, "café"),
                          Pair(TokenKind::kHashtag, "日本"), Pair(TokenKind::kWord, "it’s")));
}

TEST(ScanCaption, LoneSignsAreNotTagsAndBadBytesDoNotStall) {
  CaptionStats s = ScanCaption("# @ 100% \xff\xfe end", nullptr);
  EXPECT_EQ(s.hashtags, 0);
  EXPECT_EQ(s.mentions, 0);
  EXPECT_EQ(s.chars, 15);
  EXPECT_EQ(ScanCaption("", nullptr).chars, 0);
  EXPECT_EQ(ScanCaption("\xf0\x9f", nullptr).chars, 2);  // a truncated sequence
}

TEST(IsEmoji, CoversTheCommonBlocksOnly) {
  EXPECT_TRUE(IsEmoji(U'❤'));
  EXPECT_TRUE(IsEmoji(U'✨'));
  EXPECT_TRUE(IsEmoji(U'🔥'));
  EXPECT_TRUE(IsEmoji(U'⭐'));
  EXPECT_FALSE(IsEmoji(U'a'));
  EXPECT_FALSE(IsEmoji(U'é'));
  EXPECT_FALSE(IsEmoji(0x1F3FB));  // skin tone
  EXPECT_FALSE(IsEmoji(U'™'));
}

}  // namespace
}  // namespace sphere::synth
