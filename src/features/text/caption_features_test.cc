#include "features/text/caption_features.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "ingest/collecting_sink.h"
#include "ingest/formats.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::features {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::filesystem::path RealAssetRoot() { return sphere::testing::SourceDir() / "var/assets"; }

std::unique_ptr<CaptionFeaturizer> MustCreate(const AssetDir& assets) {
  Result<std::unique_ptr<CaptionFeaturizer>> f = CaptionFeaturizer::Create(assets);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() ? std::move(f).value() : nullptr;
}

// An asset directory with VADER and wink but no lid.176.ftz.
void CopyLexicons(const std::filesystem::path& to) {
  for (const char* rel : {"vader-sentiment/vader_lexicon.txt", "wink-sentiment/src/emojis.js"}) {
    std::filesystem::create_directories((to / rel).parent_path());
    std::filesystem::copy_file(RealAssetRoot() / rel, to / rel);
  }
}

bool Same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

void ExpectSame(const CaptionFeatures& a, const CaptionFeatures& b) {
  EXPECT_EQ(a.chars, b.chars);
  EXPECT_EQ(a.words, b.words);
  EXPECT_EQ(a.hashtags, b.hashtags);
  EXPECT_EQ(a.mentions, b.mentions);
  EXPECT_EQ(a.urls, b.urls);
  EXPECT_EQ(a.emoji, b.emoji);
  EXPECT_TRUE(Same(a.uppercase_share, b.uppercase_share));
  EXPECT_EQ(a.questions, b.questions);
  EXPECT_EQ(a.exclamations, b.exclamations);
  EXPECT_EQ(a.line_breaks, b.line_breaks);
  EXPECT_EQ(a.calls_to_action, b.calls_to_action);
  EXPECT_EQ(a.language, b.language);
  EXPECT_TRUE(Same(a.language_confidence, b.language_confidence));
  EXPECT_EQ(a.language_detector, b.language_detector);
  EXPECT_TRUE(Same(a.sentiment, b.sentiment));
  EXPECT_TRUE(Same(a.emoji_valence, b.emoji_valence));
  EXPECT_EQ(a.invalid_bytes, b.invalid_bytes);
}

// Rules every result keeps, whatever the input.
void ExpectInvariants(const CaptionFeatures& f, std::string_view caption) {
  EXPECT_GE(f.chars, 0);
  EXPECT_LE(f.chars, static_cast<int64_t>(caption.size()));
  EXPECT_GE(f.emoji, 0);
  EXPECT_LE(f.emoji, f.chars);
  EXPECT_LE(f.words + f.emoji, f.chars);
  EXPECT_LE(f.hashtags + f.mentions + f.urls, f.chars);
  EXPECT_LE(f.invalid_bytes, static_cast<int64_t>(caption.size()));
  if (!std::isnan(f.uppercase_share)) {
    EXPECT_GE(f.uppercase_share, 0.0);
    EXPECT_LE(f.uppercase_share, 1.0);
  }
  if (!std::isnan(f.sentiment)) {
    EXPECT_EQ(f.language, "en");
    EXPECT_GE(f.sentiment, -1.0);
    EXPECT_LE(f.sentiment, 1.0);
  }
  if (!std::isnan(f.emoji_valence)) {
    EXPECT_GT(f.emoji, 0);
    EXPECT_GE(f.emoji_valence, -5.0);
    EXPECT_LE(f.emoji_valence, 5.0);
  }
}

std::vector<std::string> KimCaptions() {
  ingest::CollectingSink sink;
  const auto path = sphere::testing::DataFile("instagram/kim_posts.csv.gz");
  ingest::ImportReport report(path.string(), "kim_posts");
  const Status s = ingest::KimPostsFormat().run(path, sink, report);
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::vector<std::string> captions;
  captions.reserve(sink.posts.size());
  for (Post& p : sink.posts) captions.push_back(std::move(p.caption));
  return captions;
}

TEST(CaptionFeaturizer, UsesFastTextWhenItsModelIsPresent) {
  auto featurizer = MustCreate(AssetDir(RealAssetRoot()));
  ASSERT_NE(featurizer, nullptr);
  EXPECT_EQ(featurizer->language_detector(), "fasttext-lid.176");
  EXPECT_EQ(featurizer->Extract("hello").language_detector, "fasttext-lid.176");
}

TEST(CaptionFeaturizer, FallsBackToCld2AndRecordsIt) {
  sphere::testing::TempDir dir;
  CopyLexicons(dir.path());
  auto featurizer = MustCreate(AssetDir(dir.path()));
  ASSERT_NE(featurizer, nullptr);
  EXPECT_EQ(featurizer->language_detector(), "cld2");
  const CaptionFeatures f =
      featurizer->Extract("What a wonderful day at the beach with my best friends! ☀️ #summer");
  EXPECT_EQ(f.language_detector, "cld2");
  EXPECT_EQ(f.language, "en");
  EXPECT_GT(f.sentiment, 0.5);
}

TEST(CaptionFeaturizer, MissingVaderLexiconIsNotFoundWithTheFix) {
  sphere::testing::TempDir dir;
  CopyLexicons(dir.path());
  std::filesystem::remove(dir.path() / "vader-sentiment/vader_lexicon.txt");
  EXPECT_THAT(CaptionFeaturizer::Create(AssetDir(dir.path())).status(),
              IsError(Code::kNotFound,
                      AllOf(HasSubstr("vader_lexicon.txt"), HasSubstr("scripts/fetch_assets.sh"))));
}

TEST(CaptionFeaturizer, MissingWinkEmojisIsNotFoundWithTheFix) {
  sphere::testing::TempDir dir;
  CopyLexicons(dir.path());
  std::filesystem::remove(dir.path() / "wink-sentiment/src/emojis.js");
  EXPECT_THAT(CaptionFeaturizer::Create(AssetDir(dir.path())).status(),
              IsError(Code::kNotFound,
                      AllOf(HasSubstr("emojis.js"), HasSubstr("scripts/fetch_assets.sh"))));
}

TEST(CaptionFeaturizer, ScoresAnEnglishCaption) {
  auto featurizer = MustCreate(AssetDir(RealAssetRoot()));
  ASSERT_NE(featurizer, nullptr);
  const std::string caption =
      "Happy birthday to my amazing husband ❤️ I love you so much!\n"
      "Link in bio for the recipe 👉 www.example.com #love #family @bestie";
  const CaptionFeatures f = featurizer->Extract(caption);
  EXPECT_EQ(f.language, "en");
  EXPECT_GE(f.language_confidence, 0.5);
  EXPECT_GT(f.sentiment, 0.8);
  EXPECT_EQ(f.emoji, 2);
  EXPECT_DOUBLE_EQ(f.emoji_valence, 3.0);  // (❤ 4 + 👉 2) / 2
  EXPECT_EQ(f.hashtags, 2);
  EXPECT_EQ(f.mentions, 1);
  EXPECT_EQ(f.urls, 1);
  EXPECT_EQ(f.calls_to_action, 1);
  EXPECT_EQ(f.exclamations, 1);
  EXPECT_EQ(f.line_breaks, 1);
  EXPECT_EQ(f.invalid_bytes, 0);
}

TEST(CaptionFeaturizer, SentimentIsOnlyForEnglish) {
  auto featurizer = MustCreate(AssetDir(RealAssetRoot()));
  ASSERT_NE(featurizer, nullptr);
  const CaptionFeatures f =
      featurizer->Extract("Quelle belle journée à la plage avec mes meilleurs amis 😍 #vacances");
  EXPECT_EQ(f.language, "fr");
  EXPECT_TRUE(std::isnan(f.sentiment));
  EXPECT_DOUBLE_EQ(f.emoji_valence, 3.0);  // 😍
}

TEST(CaptionFeaturizer, HashtagsAloneDoNotDecideTheLanguage) {
  auto featurizer = MustCreate(AssetDir(RealAssetRoot()));
  ASSERT_NE(featurizer, nullptr);
  const CaptionFeatures f = featurizer->Extract("#love #instagood @friend 😍 https://x.com");
  EXPECT_EQ(f.language, "");
  EXPECT_TRUE(std::isnan(f.language_confidence));
  EXPECT_TRUE(std::isnan(f.sentiment));
}

TEST(CaptionFeaturizer, EmptyCaptionIsValid) {
  auto featurizer = MustCreate(AssetDir(RealAssetRoot()));
  ASSERT_NE(featurizer, nullptr);
  const CaptionFeatures f = featurizer->Extract("");
  EXPECT_EQ(f.chars, 0);
  EXPECT_EQ(f.words, 0);
  EXPECT_EQ(f.emoji, 0);
  EXPECT_EQ(f.language, "");
  EXPECT_TRUE(std::isnan(f.uppercase_share));
  EXPECT_TRUE(std::isnan(f.language_confidence));
  EXPECT_TRUE(std::isnan(f.sentiment));
  EXPECT_TRUE(std::isnan(f.emoji_valence));
  EXPECT_EQ(f.language_detector, "fasttext-lid.176");
}

TEST(CaptionFeaturizer, InvalidUtf8IsReplacedAndCounted) {
  auto featurizer = MustCreate(AssetDir(RealAssetRoot()));
  ASSERT_NE(featurizer, nullptr);
  const std::string caption = "Great \xFF\xFE day at the beach \xC3 with friends \xED\xA0\x80!";
  const CaptionFeatures f = featurizer->Extract(caption);
  EXPECT_EQ(f.invalid_bytes, 6);
  // 3 + 1 + 3 replacement characters stand where the bytes were.
  EXPECT_EQ(f.chars, static_cast<int64_t>(caption.size()) - 6 + 6);
  EXPECT_EQ(f.language, "en");
  EXPECT_GT(f.sentiment, 0.5);
  ExpectInvariants(f, caption);
}

TEST(CaptionFeaturizer, EveryByteValueIsAccepted) {
  auto featurizer = MustCreate(AssetDir(RealAssetRoot()));
  ASSERT_NE(featurizer, nullptr);
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const CaptionFeatures f = featurizer->Extract(all);
  EXPECT_EQ(f.invalid_bytes, 128);  // 0x80..0xFF, each on its own
  ExpectInvariants(f, all);
}

TEST(CaptionFeaturizer, VeryLongCaptionsAreCountedInFull) {
  auto featurizer = MustCreate(AssetDir(RealAssetRoot()));
  ASSERT_NE(featurizer, nullptr);
  std::string caption;
  for (int i = 0; i < 20000; ++i) caption += "Love this place 😍 #travel @me! ";
  const CaptionFeatures f = featurizer->Extract(caption);
  EXPECT_EQ(f.hashtags, 20000);
  EXPECT_EQ(f.mentions, 20000);
  EXPECT_EQ(f.emoji, 20000);
  EXPECT_EQ(f.exclamations, 20000);
  EXPECT_EQ(f.words, 3 * 20000 + 2 * 20000);  // hashtag and handle texts are ICU words too
  EXPECT_EQ(f.language, "en");
  ExpectInvariants(f, caption);
}

TEST(CaptionFeaturizer, ExtractIsDeterministicAndAgreesWithCounting) {
  auto a = MustCreate(AssetDir(RealAssetRoot()));
  auto b = MustCreate(AssetDir(RealAssetRoot()));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const std::vector<std::string> captions = KimCaptions();
  ASSERT_GT(captions.size(), 1000u);
  for (size_t i = 0; i < 300; ++i) {
    const std::string& c = captions[i * 97 % captions.size()];
    const CaptionFeatures first = a->Extract(c);
    ExpectSame(first, a->Extract(c));
    ExpectSame(first, b->Extract(c));
    CaptionFeatures counted = CountCaptionFeatures(c);
    counted.language = first.language;
    counted.language_confidence = first.language_confidence;
    counted.language_detector = first.language_detector;
    counted.sentiment = first.sentiment;
    counted.emoji_valence = first.emoji_valence;
    ExpectSame(first, counted);
  }
}

TEST(CaptionFeaturizer, ThreadsSharingOneFeaturizerGetTheSequentialResults) {
  auto featurizer = MustCreate(AssetDir(RealAssetRoot()));
  ASSERT_NE(featurizer, nullptr);
  const std::vector<std::string> all = KimCaptions();
  std::vector<std::string> captions(all.begin(), all.begin() + std::min<size_t>(all.size(), 400));
  std::vector<CaptionFeatures> sequential;
  for (const std::string& c : captions) sequential.push_back(featurizer->Extract(c));
  constexpr int kThreads = 4;
  std::vector<std::vector<CaptionFeatures>> parallel(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (const std::string& c : captions) parallel[t].push_back(featurizer->Extract(c));
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(parallel[t].size(), sequential.size());
    for (size_t i = 0; i < sequential.size(); ++i) ExpectSame(parallel[t][i], sequential[i]);
  }
}

TEST(CaptionFeaturizer, KimCaptionsLookLikeInstagram) {
  auto featurizer = MustCreate(AssetDir(RealAssetRoot()));
  ASSERT_NE(featurizer, nullptr);
  sphere::testing::TempDir dir;
  CopyLexicons(dir.path());
  auto cld2 = MustCreate(AssetDir(dir.path()));
  ASSERT_NE(cld2, nullptr);
  const std::vector<std::string> captions = KimCaptions();
  ASSERT_GT(captions.size(), 20000u);
  int64_t with_hashtags = 0, with_emoji = 0, english = 0, determined = 0, agree = 0, both = 0;
  int64_t with_sentiment = 0, positive = 0, invalid = 0;
  // Every 5th caption keeps the sanitizer build quick; it is still thousands of real captions.
  for (size_t i = 0; i < captions.size(); i += 5) {
    const CaptionFeatures f = featurizer->Extract(captions[i]);
    ExpectInvariants(f, captions[i]);
    with_hashtags += f.hashtags > 0;
    with_emoji += f.emoji > 0;
    english += f.language == "en";
    determined += !f.language.empty();
    with_sentiment += !std::isnan(f.sentiment);
    positive += f.sentiment > 0.05;
    invalid += f.invalid_bytes;
    const CaptionFeatures g = cld2->Extract(captions[i]);
    if (!f.language.empty() && !g.language.empty()) {
      ++both;
      agree += f.language == g.language;
    }
  }
  const auto n = static_cast<double>((captions.size() + 4) / 5);
  // Influencer captions: mostly hashtagged, emoji-rich, largely English, and upbeat.
  EXPECT_GT(with_hashtags / n, 0.6);
  EXPECT_GT(with_emoji / n, 0.4);
  EXPECT_GT(english / n, 0.4);
  EXPECT_GT(determined / n, 0.8);
  EXPECT_EQ(with_sentiment, english);
  EXPECT_GT(static_cast<double>(positive) / static_cast<double>(english), 0.6);
  EXPECT_EQ(invalid, 0);  // the importer hands over valid UTF-8
  // Two unrelated detectors agree where both decide.
  EXPECT_GT(static_cast<double>(agree) / static_cast<double>(both), 0.9);
}

TEST(AppendCaptionFeatures, AppendsTheDocumentedNamesInOrder) {
  CaptionFeatures f = CountCaptionFeatures("Hello @you #tag 😍!");
  f.language = "de";
  f.language_confidence = 0.9;
  FeatureVector v;
  AppendCaptionFeatures(f, &v);
  EXPECT_THAT(
      v.Names(),
      ElementsAre("caption.chars", "caption.words", "caption.hashtags", "caption.mentions",
                  "caption.urls", "caption.emoji", "caption.uppercase_share", "caption.questions",
                  "caption.exclamations", "caption.line_breaks", "caption.calls_to_action",
                  "caption.is_english", "caption.language_confidence", "caption.sentiment",
                  "caption.emoji_valence", "caption.invalid_bytes"));
  EXPECT_EQ(v.Get("caption.hashtags"), 1.0);
  EXPECT_EQ(v.Get("caption.emoji"), 1.0);
  EXPECT_EQ(v.Get("caption.is_english"), 0.0);
  EXPECT_EQ(v.Get("caption.language_confidence"), 0.9);
  EXPECT_TRUE(std::isnan(*v.Get("caption.sentiment")));
}

TEST(AppendCaptionFeatures, UndeterminedLanguageIsMissingNotNonEnglish) {
  FeatureVector v;
  AppendCaptionFeatures(CaptionFeatures{}, &v);
  EXPECT_TRUE(std::isnan(*v.Get("caption.is_english")));
  EXPECT_EQ(v.Get("caption.chars"), 0.0);
}

}  // namespace
}  // namespace sphere::features
