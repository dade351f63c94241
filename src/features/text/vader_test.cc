#include "features/text/vader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <unordered_map>

#include "ingest/collecting_sink.h"
#include "ingest/formats.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::features::text {
namespace {

using ::testing::HasSubstr;

const VaderLexicon& Lexicon() {
  static const VaderLexicon kLexicon = [] {
    Result<VaderLexicon> loaded = VaderLexicon::Load(
        sphere::testing::SourceDir() / "var/assets/vader-sentiment/vader_lexicon.txt");
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status().ToString();
      return VaderLexicon();  // empty: every expectation below then fails too
    }
    return std::move(loaded).value();
  }();
  return kLexicon;
}

struct Expected {
  std::string text;
  double compound;  // vader-sentiment@1.1.3's polarity_scores(text).compound (4 decimals)
};
std::ostream& operator<<(std::ostream& os, const Expected& e) { return os << '"' << e.text << '"'; }

class VaderCompound : public ::testing::TestWithParam<Expected> {};

TEST_P(VaderCompound, MatchesTheReferenceImplementation) {
  // The reference prints compound.toFixed(4); ours is unrounded.
  EXPECT_NEAR(Lexicon().Compound(GetParam().text), GetParam().compound, 5.01e-5) << GetParam();
}

// The first block is the README's documented examples; the rest exercise each rule. All
// values were produced by running the npm package (node, build/vaderSentiment.bundle.js).
INSTANTIATE_TEST_SUITE_P(
    Reference, VaderCompound,
    ::testing::Values(
        Expected{"VADER is smart, handsome, and funny.", 0.8316},
        Expected{"VADER is smart, handsome, and funny!", 0.8439},
        Expected{"VADER is very smart, handsome, and funny.", 0.8545},
        Expected{"VADER is VERY SMART, handsome, and FUNNY.", 0.9227},
        Expected{"VADER is VERY SMART, handsome, and FUNNY!!!", 0.9342},
        Expected{"VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!", 0.9469},
        Expected{"VADER is not smart, handsome, nor funny.", -0.7424},
        Expected{"The book was good.", 0.4404},
        Expected{"At least it isn't a horrible book.", 0.431},
        Expected{"The book was only kind of good.", 0.3832},
        Expected{"The book was kind of good.", 0.3832},
        Expected{
            "The plot was good, but the characters are uncompelling and the dialog is not great.",
            -0.7042},
        Expected{"Today SUX!", -0.5461},
        Expected{"Today only kinda sux! But I'll get by, lol", 0.2228},
        Expected{"Make sure you :) or :D today!", 0.8633}, Expected{"Not bad at all", -0.5423},
        Expected{"A really bad, horrible book.", -0.8211},
        Expected{"I am never so happy as on a sunny day", 0.8863},
        Expected{"This party is the bomb", -0.128}, Expected{"You are the shit, honestly", 0.8402},
        Expected{"Yeah right, that was great", 0.743}, Expected{"He was at least happy", 0.5719},
        Expected{"It was least happy", -0.4585}, Expected{"Is it good?? Is it great???? ", 0.594},
        Expected{"I love it!!!!!! ", 0.7482}, Expected{"GREAT job everyone", 0.7034},
        Expected{"sort of happy today", 0.5719}, Expected{"this is hardly good", 0.3832},
        Expected{"I don't love this", -0.5216}, Expected{"Never this good before", 0.4404},
        Expected{"The food was not very good at all", -0.3865}, Expected{"LOVE LOVE LOVE", 0.9274},
        // Tokens listed twice in the lexicon: the later line wins, as in the JS object.
        Expected{"lol", 0.4215}, Expected{"ok", 0.296}, Expected{"xd", 0.5859},
        Expected{"sob", -0.25},
        Expected{"Happy birthday to my amazing husband ❤️ #love #family", 0.8176}));

// 1486 real captions (every 20th of the Kim posts) scored by the reference implementation.
TEST(Vader, MatchesTheReferenceOnRealKimCaptions) {
  ingest::CollectingSink sink;
  const auto data = sphere::testing::DataFile("instagram/kim_posts.csv.gz");
  ingest::ImportReport report(data.string(), "kim_posts");
  ASSERT_OK(ingest::KimPostsFormat().run(data, sink, report));
  std::unordered_map<std::string, std::string> caption_by_shortcode;
  for (const Post& p : sink.posts) caption_by_shortcode[p.external_id] = p.caption;

  std::ifstream in(sphere::testing::SourceDir() /
                   "src/features/text/testdata/kim_vader_reference.tsv");
  ASSERT_TRUE(in) << "testdata/kim_vader_reference.tsv";
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    const std::string shortcode = line.substr(0, tab);
    const double expected = std::stod(line.substr(tab + 1));
    auto it = caption_by_shortcode.find(shortcode);
    ASSERT_NE(it, caption_by_shortcode.end()) << shortcode;
    EXPECT_NEAR(Lexicon().Compound(it->second), expected, 5.01e-5)
        << shortcode << ": " << it->second;
    ++checked;
  }
  EXPECT_EQ(checked, 1486);
}

TEST(Vader, NothingToScoreIsZero) {
  EXPECT_EQ(Lexicon().Compound(""), 0.0);
  EXPECT_EQ(Lexicon().Compound("the table is in the kitchen"), 0.0);
  EXPECT_EQ(Lexicon().Compound("!!!! ????"), 0.0);
}

TEST(Vader, CompoundStaysWithinMinusOneAndOne) {
  std::string many;
  for (int i = 0; i < 200; ++i) many += "GREAT amazing wonderful!!! ";
  const double c = Lexicon().Compound(many);
  EXPECT_GT(c, 0.99);
  EXPECT_LE(c, 1.0);
}

TEST(Vader, NonBreakingSpaceSeparatesWordsLikeASpace) {
  EXPECT_DOUBLE_EQ(Lexicon().Compound("The book was\u00A0good."),
                   Lexicon().Compound("The book was good."));
}

TEST(Vader, LoadsTheWholeLexicon) {
  // 7517 lines, 14 of them repeat an earlier token.
  EXPECT_EQ(Lexicon().size(), 7503u);
}

TEST(Vader, MissingLexiconIsNotFound) {
  sphere::testing::TempDir dir;
  EXPECT_THAT(VaderLexicon::Load(dir.path() / "absent.txt").status(),
              IsError(Code::kNotFound, HasSubstr("absent.txt")));
}

TEST(Vader, MalformedLineIsDataLossWithItsLine) {
  sphere::testing::TempDir dir;
  const auto path = dir.Write("lex.txt", "good\t1.9\t0.9\t[2]\nbad line without tabs\n");
  EXPECT_THAT(VaderLexicon::Load(path).status(), IsError(Code::kDataLoss, HasSubstr("lex.txt:2")));
  const auto path2 = dir.Write("lex2.txt", "good\tnot-a-number\t0.9\t[2]\n");
  EXPECT_THAT(VaderLexicon::Load(path2).status(),
              IsError(Code::kDataLoss, HasSubstr("lex2.txt:1")));
}

}  // namespace
}  // namespace sphere::features::text
