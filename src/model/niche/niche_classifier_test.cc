#include "model/niche/niche_classifier.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model/niche/niche_text.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::niche {
namespace {

using ::testing::HasSubstr;

// Three niches with their own words, 90 creators of 3 posts each: enough creators that
// every split of the by-creator hash gets some.
std::vector<LabelledText> SmallCorpus() {
  const std::map<std::string, std::vector<std::string>> words = {
      {"food", {"pasta recipe dinner", "homemade pizza cheese", "brunch pancakes coffee"}},
      {"travel", {"beach sunset island", "mountain hike trip", "airport flight paris"}},
      {"fitness", {"gym workout squat", "protein training legs", "yoga run cardio"}},
  };
  std::vector<LabelledText> examples;
  int n = 0;
  for (int round = 0; round < 30; ++round) {
    for (const auto& [niche, captions] : words) {
      const std::string creator = "instagram/" + niche + std::to_string(n++);
      for (const std::string& caption : captions) {
        examples.push_back({creator, caption + " #love", "Image may contain: 1 person", niche});
      }
    }
  }
  return examples;
}

NicheTrainOptions SmallOptions(const testing::TempDir& dir) {
  NicheTrainOptions options;
  options.grid = "small";
  options.max_epochs = 20;
  options.now = 1'714'521'600;  // 2024-05-01
  options.work_dir = dir.path();
  return options;
}

TEST(SplitOf, IsByCreatorAndRoughly70_15_15) {
  EXPECT_EQ(SplitOf("instagram/alice"), SplitOf("instagram/alice"));
  std::map<Split, int> counts;
  for (int i = 0; i < 10'000; ++i) ++counts[SplitOf("instagram/user" + std::to_string(i))];
  EXPECT_NEAR(counts[Split::kTrain], 7'000, 300);
  EXPECT_NEAR(counts[Split::kValidation], 1'500, 200);
  EXPECT_NEAR(counts[Split::kTest], 1'500, 200);
}

TEST(NicheClassifier, LearnsSeparableNichesAndReportsEveryModel) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(TrainedNiche trained,
                       TrainNicheClassifier(SmallCorpus(), SmallOptions(dir)));
  EXPECT_EQ(trained.classifier.classes(), (std::vector<std::string>{"fitness", "food", "travel"}));
  EXPECT_EQ(trained.classifier.version(), "niche-20240501T000000Z");
  ASSERT_OK_AND_ASSIGN(NichePrediction p, trained.classifier.Predict("Pasta for dinner", ""));
  EXPECT_EQ(p.niche, "food");
  ASSERT_EQ(p.probabilities.size(), 3u);
  EXPECT_EQ(p.probabilities[1].first, "food");
  EXPECT_EQ(p.confidence, p.probabilities[1].second);
  EXPECT_GT(p.confidence, 1.0 / 3);

  auto manifest = nlohmann::json::parse(trained.manifest_json);
  EXPECT_EQ(manifest["kind"], "niche");
  EXPECT_EQ(manifest["text_normalisation_version"], kNicheTextVersion);
  EXPECT_EQ(manifest["training_data_sha256"].get<std::string>().size(), 64u);
  for (const char* model : {"classifier", "fasttext", "tfidf_lr", "char_tfidf_lr", "majority"}) {
    EXPECT_TRUE(manifest["metrics"][model]["post"].contains("macro_f1")) << model;
    EXPECT_TRUE(manifest["metrics"][model]["creator"].contains("confusion")) << model;
  }
  EXPECT_GT(manifest["metrics"]["classifier"]["creator"]["accuracy"].get<double>(), 0.9);
  EXPECT_LT(manifest["metrics"]["majority"]["creator"]["accuracy"].get<double>(), 0.6);
  EXPECT_THAT(trained.report, HasSubstr("majority"));
  EXPECT_THAT(trained.report, HasSubstr("char tf-idf"));
}

TEST(TfidfVectorizer, CharNgramsStayWithinPaddedTokens) {
  // "ab" -> "<ab>": <a ab b> <ab ab> <ab>; 12 terms for two tokens, so no n-gram spans
  // the space between them.
  TfidfVectorizer v = TfidfVectorizer::Fit({"ab cd"}, 1, TfidfTerms::kChars);
  EXPECT_EQ(v.size(), 12);
  EXPECT_EQ(v.Transform("ab").size(), 6u);
  EXPECT_TRUE(v.Transform("ba").empty());  // the padding marks where a word starts and ends
  testing::TempDir dir;
  ASSERT_OK(v.Save(dir.path() / "v.tsv"));
  ASSERT_OK_AND_ASSIGN(TfidfVectorizer loaded,
                       TfidfVectorizer::Load(dir.path() / "v.tsv", TfidfTerms::kChars));
  EXPECT_EQ(loaded.Transform("ab cd"), v.Transform("ab cd"));
}

TEST(NicheClassifier, SavedModelLoadsAndPredictsTheSame) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(TrainedNiche trained,
                       TrainNicheClassifier(SmallCorpus(), SmallOptions(dir)));
  const auto model_dir = NicheModelDir(dir.path() / "models", trained.classifier.version());
  ASSERT_OK(SaveNicheModel(trained, model_dir));
  ASSERT_OK_AND_ASSIGN(NicheClassifier loaded, NicheClassifier::Load(model_dir));
  EXPECT_EQ(loaded.classes(), trained.classifier.classes());
  EXPECT_EQ(loaded.tfidf_weight(), trained.classifier.tfidf_weight());
  EXPECT_EQ(loaded.char_tfidf_weight(), trained.classifier.char_tfidf_weight());
  for (const char* caption : {"gym legs day", "sunset on the island", "nothing to see"}) {
    ASSERT_OK_AND_ASSIGN(std::vector<double> a,
                         trained.classifier.Probabilities(NicheText(caption, "")));
    ASSERT_OK_AND_ASSIGN(std::vector<double> b, loaded.Probabilities(NicheText(caption, "")));
    ASSERT_EQ(a.size(), b.size());
    for (size_t c = 0; c < a.size(); ++c) EXPECT_NEAR(a[c], b[c], 1e-6) << caption;
  }
}

TEST(NicheClassifier, SameSeedTrainsTheSameModel) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(TrainedNiche a, TrainNicheClassifier(SmallCorpus(), SmallOptions(dir)));
  ASSERT_OK_AND_ASSIGN(TrainedNiche b, TrainNicheClassifier(SmallCorpus(), SmallOptions(dir)));
  EXPECT_EQ(a.metrics_json, b.metrics_json);
  ASSERT_OK_AND_ASSIGN(std::vector<double> pa, a.classifier.Probabilities("gym pizza beach"));
  ASSERT_OK_AND_ASSIGN(std::vector<double> pb, b.classifier.Probabilities("gym pizza beach"));
  EXPECT_EQ(pa, pb);
}

TEST(NicheClassifier, MissingModelIsNotFoundNamingTheCommand) {
  testing::TempDir dir;
  EXPECT_THAT(NicheClassifier::Load(dir.path() / "nope").status(),
              IsError(Code::kNotFound, HasSubstr("sphere train niche")));
}

TEST(NicheClassifier, OtherNormalisationVersionIsRefused) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(TrainedNiche trained,
                       TrainNicheClassifier(SmallCorpus(), SmallOptions(dir)));
  auto manifest = nlohmann::json::parse(trained.manifest_json);
  manifest["text_normalisation_version"] = kNicheTextVersion + 1;
  trained.manifest_json = manifest.dump();
  ASSERT_OK(SaveNicheModel(trained, dir.path() / "m"));
  EXPECT_THAT(NicheClassifier::Load(dir.path() / "m").status(),
              IsError(Code::kFailedPrecondition, HasSubstr("text_normalisation_version")));
}

TEST(NicheClassifier, IncompleteModelDirectoryIsDataLoss) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(TrainedNiche trained,
                       TrainNicheClassifier(SmallCorpus(), SmallOptions(dir)));
  ASSERT_OK(SaveNicheModel(trained, dir.path() / "m"));
  std::filesystem::remove(dir.path() / "m" / "fasttext.bin");
  EXPECT_THAT(NicheClassifier::Load(dir.path() / "m").status(),
              IsError(Code::kDataLoss, HasSubstr("fasttext.bin")));
}

TEST(NicheClassifier, CharWeightWithoutItsFilesIsDataLoss) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(TrainedNiche trained,
                       TrainNicheClassifier(SmallCorpus(), SmallOptions(dir)));
  auto manifest = nlohmann::json::parse(trained.manifest_json);
  manifest["parameters"]["tfidf_weight"] = 0.25;
  manifest["parameters"]["char_tfidf_weight"] = 0.25;
  manifest["files"].erase("char_tfidf_vocabulary");
  manifest["files"].erase("char_tfidf_lr");
  trained.manifest_json = manifest.dump();
  ASSERT_OK(SaveNicheModel(trained, dir.path() / "m"));
  EXPECT_THAT(NicheClassifier::Load(dir.path() / "m").status(),
              IsError(Code::kDataLoss, HasSubstr("char_tfidf_weight")));
}

TEST(NicheClassifier, LabelOutsideTheTaxonomyIsInvalidArgument) {
  testing::TempDir dir;
  std::vector<LabelledText> examples = SmallCorpus();
  examples[0].niche = "interior";  // a raw Kim category, not a taxonomy id
  EXPECT_THAT(TrainNicheClassifier(examples, SmallOptions(dir)).status(),
              IsError(Code::kInvalidArgument, HasSubstr("interior")));
}

TEST(NicheClassifier, SingleNicheIsInvalidArgument) {
  testing::TempDir dir;
  std::vector<LabelledText> examples = SmallCorpus();
  for (auto& e : examples) e.niche = "food";
  EXPECT_THAT(TrainNicheClassifier(examples, SmallOptions(dir)).status(),
              IsError(Code::kInvalidArgument, HasSubstr("two niches")));
}

}  // namespace
}  // namespace sphere::niche
