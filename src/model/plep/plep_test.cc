// The PLEP schema, dataset and model on synthetic rows with a known signal: training beats
// the followers-only baseline where the signal is not followers, the range covers about what
// it promises on held-out creators, the model round-trips through its files, explanations sum
// to the prediction, and a model of another schema is refused.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "core/niche.h"
#include "features/post/post_features.h"
#include "model/plep/plep_card.h"
#include "model/plep/plep_dataset.h"
#include "model/plep/plep_features.h"
#include "model/plep/plep_model.h"
#include "model/plep/plep_train.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::plep {
namespace {

using sphere::testing::TempDir;
using ::testing::HasSubstr;

constexpr double kNaN = features::kMissing;

TEST(PlepFeatures, AreThePostFeaturesThenOneIndicatorPerNiche) {
  const std::vector<std::string>& names = PlepFeatureNames();
  const std::vector<std::string>& post = features::PostFeatureNames();
  ASSERT_EQ(names.size(), post.size() + Niches().size());
  for (size_t i = 0; i < post.size(); ++i) EXPECT_EQ(names[i], post[i]);
  EXPECT_EQ(names[post.size()], "niche." + std::string(Niches()[0].id));
}

TEST(PlepFeatures, NicheIndicatorsAreOneHotOrAllMissing) {
  features::FeatureVector x;
  AppendNicheFeatures("fitness", x);
  ASSERT_EQ(x.size(), Niches().size());
  int ones = 0;
  for (const features::Feature& f : x.features()) ones += f.value == 1.0;
  EXPECT_EQ(ones, 1);
  EXPECT_EQ(x.Get("niche.fitness"), 1.0);
  EXPECT_EQ(NicheOfVector(x), "fitness");

  features::FeatureVector unknown;
  AppendNicheFeatures(std::nullopt, unknown);
  for (const features::Feature& f : unknown.features()) EXPECT_TRUE(std::isnan(f.value));
  features::FeatureVector bogus;
  AppendNicheFeatures("not-a-niche", bogus);
  for (const features::Feature& f : bogus.features()) EXPECT_TRUE(std::isnan(f.value));
  EXPECT_EQ(NicheOfVector(bogus), std::nullopt);
}

// A PLEP vector with every feature missing except the ones given.
features::FeatureVector Vector(std::initializer_list<std::pair<std::string_view, double>> set) {
  features::FeatureVector x;
  for (const std::string& name : PlepFeatureNames()) {
    double v = kNaN;
    for (const auto& [n, value] : set) {
      if (n == name) v = value;
    }
    x.Add(std::string_view(name), v);  // PlepFeatureNames() has static storage
  }
  return x;
}

TEST(PlepDataset, RefusesAVectorOfAnotherSchema) {
  PlepDataset data;
  features::FeatureVector wrong;
  wrong.Add("post.hour_utc", 3.0);
  EXPECT_THAT(data.Add(wrong, {}), IsError(Code::kInvalidArgument, HasSubstr("schema")));
  features::FeatureVector x = Vector({});
  EXPECT_OK(data.Add(x, {}));
  EXPECT_EQ(data.size(), 1u);
  EXPECT_EQ(data.Row(0).size(), PlepFeatureNames().size());
}

TEST(PlepDataset, HashChangesWithATarget) {
  PlepDataset a, b;
  PlepRow row;
  row.creator_key = "instagram/a";
  row.log_engagement = 1;
  ASSERT_OK(a.Add(Vector({}), row));
  row.log_engagement = 2;
  ASSERT_OK(b.Add(Vector({}), row));
  EXPECT_NE(a.Sha256(), b.Sha256());
  EXPECT_EQ(a.Sha256().size(), 64u);
}

// 1,500 creators with 1-4 posts: engagement = followers^0.7 x a creator effect x hashtags
// effect x noise; the creator effect shows in their earlier posts' median.
PlepDataset Synthetic(uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  std::uniform_int_distribution<int> posts_of(1, 4), hashtags_of(0, 20), hour_of(0, 23);
  PlepDataset data;
  for (int c = 0; c < 1500; ++c) {
    const double followers = std::exp(7 + 2 * std::abs(normal(rng)));
    const double creator_effect = 0.8 * normal(rng);
    const int n = posts_of(rng);
    std::vector<double> earlier;
    for (int k = 0; k < n; ++k) {
      const int hashtags = hashtags_of(rng);
      const double log_e = 0.7 * std::log1p(followers) + creator_effect -
                           0.04 * std::abs(hashtags - 8) + 0.35 * normal(rng) - 1.0;
      double median = kNaN;
      if (!earlier.empty()) {
        std::vector<double> sorted = earlier;
        std::sort(sorted.begin(), sorted.end());
        median = sorted[sorted.size() / 2];
      }
      PlepRow row;
      row.creator_key = "instagram/c" + std::to_string(c);
      row.post_id = row.creator_key + "/" + std::to_string(k);
      row.posted_at = 1'500'000'000 + k * 86'400 * 30 + c * 100;
      row.followers = followers;
      row.earlier_median_engagement = median;
      row.niche = c % 2 ? "fitness" : "food";
      row.log_engagement = std::max(0.0, log_e);
      row.log_comments = std::max(0.0, log_e - 3);
      features::FeatureVector x =
          Vector({{"creator.followers", followers},
                  {"caption.hashtags", hashtags},
                  {"post.hour_utc", hour_of(rng)},
                  {"history.scored_posts", static_cast<double>(earlier.size())},
                  {"history.median_engagement", median}});
      x = [&] {  // the niche indicators from the row's niche
        features::FeatureVector y;
        const size_t post_size = features::PostFeatureNames().size();
        for (size_t i = 0; i < post_size; ++i) y.Add(x[i].name, x[i].value);
        AppendNicheFeatures(*row.niche, y);
        return y;
      }();
      EXPECT_OK(data.Add(x, row));
      earlier.push_back(std::expm1(row.log_engagement));
    }
  }
  return data;
}

PlepTrainOptions Fast() {
  PlepTrainOptions o;
  o.grid = "small";
  o.max_rounds = 300;
  o.early_stopping_rounds = 30;
  o.threads = 1;  // ctest runs two tests at once on two cores
  o.now = 1'764'000'000;
  return o;
}

class PlepTrainTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new PlepDataset(Synthetic(7));
    auto trained = TrainPlep(*data_, Fast());
    ASSERT_TRUE(trained.ok()) << trained.status().ToString();
    trained_ = new TrainedPlep(std::move(*trained));
  }
  static void TearDownTestSuite() {
    delete trained_;
    delete data_;
  }
  static nlohmann::json Manifest() { return nlohmann::json::parse(trained_->model->manifest_json()); }
  static PlepDataset* data_;
  static TrainedPlep* trained_;
};
PlepDataset* PlepTrainTest::data_ = nullptr;
TrainedPlep* PlepTrainTest::trained_ = nullptr;

void ExpectManifestComplete(const nlohmann::json& m, const PlepDataset& data);

// One test per trained fixture where possible: ctest runs every test in a process of its
// own, and the fixture trains.
TEST_F(PlepTrainTest, BeatsTheFollowersBaselineCoversWhatTheRangePromisesAndRecordsAll) {
  const nlohmann::json m = Manifest()["metrics"]["test"];
  const double model_mae = m["model"]["mae"].get<double>();
  const double followers_mae = m["followers_only"]["mae"].get<double>();
  EXPECT_LT(model_mae, followers_mae * 0.8) << m.dump(2);
  EXPECT_GT(m["model"]["spearman"].get<double>(), m["followers_only"]["spearman"].get<double>());
  // 80% promised; on ~700 held-out posts the sampling error alone is about 1.5 points.
  EXPECT_NEAR(m["range"]["coverage"].get<double>(), 0.80, 0.06) << m.dump(2);
  EXPECT_TRUE(m.contains("with_history"));
  EXPECT_TRUE(Manifest()["metrics"].contains("test_after_cutoff"));

  // The manifest records the schema, the data and the parameters.
  const nlohmann::json manifest = Manifest();
  ExpectManifestComplete(manifest, *data_);

  // The model card shows them for people.
  ASSERT_OK_AND_ASSIGN(std::string card, PlepModelCard(trained_->model->manifest_json()));
  EXPECT_THAT(card, HasSubstr("## Held-out creators (test), scored once"));
  EXPECT_THAT(card, HasSubstr("## Held out by creator AND time"));
  EXPECT_THAT(card, HasSubstr("## Calibration"));
  EXPECT_THAT(card, HasSubstr(trained_->model->version()));
  EXPECT_THAT(PlepModelCard("{}").status(), IsError(Code::kInvalidArgument, HasSubstr("PLEP")));
}

void ExpectManifestComplete(const nlohmann::json& m, const PlepDataset& data) {
  EXPECT_EQ(m["kind"], "plep");
  EXPECT_EQ(m["feature_schema_version"], features::kFeatureSchemaVersion);
  EXPECT_EQ(m["feature_fingerprint"], features::SchemaFingerprint(PlepFeatureNames()));
  EXPECT_EQ(m["data_sha256"], data.Sha256());
  EXPECT_EQ(m["created_at"], "2025-11-24T16:00:00Z");
  EXPECT_EQ(m["parameters"]["engagement"]["max_depth"], "6");
  EXPECT_GT(m["parameters"]["engagement_trees"].get<int>(), 10);
  EXPECT_EQ(m["data"]["posts"].get<size_t>(), data.size());
  EXPECT_EQ(m["training_formats"]["instagram"]["image"].get<size_t>(),
            m["data"]["train_posts"].get<size_t>());  // the synthetic rows are all images
  // Split by creator: the counts add up and no creator is in two splits.
  EXPECT_EQ(m["data"]["train_posts"].get<size_t>() + m["data"]["validation_posts"].get<size_t>() +
                m["data"]["test_posts"].get<size_t>(),
            data.size());
}

TEST_F(PlepTrainTest, ScoresExplainsRoundTripsAndRefusesWhatItCannotRead) {
  // The saved model loads and scores exactly the same.
  TempDir dir;
  ASSERT_OK(trained_->model->Save(dir.path() / "m"));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const PlepModel> loaded, PlepModel::Load(dir.path() / "m"));
  EXPECT_EQ(loaded->version(), trained_->model->version());
  for (size_t i = 0; i < data_->size(); i += 37) {
    const PlepPrediction a = trained_->model->PredictRow(data_->Row(i));
    const PlepPrediction b = loaded->PredictRow(data_->Row(i));
    EXPECT_EQ(a.log_engagement, b.log_engagement);
    EXPECT_EQ(a.low, b.low);
    EXPECT_EQ(a.high, b.high);
    EXPECT_LE(a.low, a.engagement);
    EXPECT_GE(a.high, a.engagement);
    EXPECT_NEAR(a.likes + a.comments, a.engagement, 1e-9);
    EXPECT_GE(a.likes, 0);
  }

  // Explanations sum, with the bias, to the prediction.
  const std::vector<std::string>& names = PlepFeatureNames();
  for (size_t i = 0; i < data_->size(); i += 101) {
    features::FeatureVector x;
    std::span<const float> row = data_->Row(i);
    for (size_t k = 0; k < names.size(); ++k) x.Add(std::string_view(names[k]), double{row[k]});
    ASSERT_OK_AND_ASSIGN(PlepExplanation e, trained_->model->Explain(x));
    ASSERT_OK_AND_ASSIGN(PlepPrediction p, trained_->model->Predict(x));
    ASSERT_EQ(e.contributions.size(), names.size());
    double sum = e.bias;
    for (double c : e.contributions) sum += c;
    EXPECT_NEAR(sum, p.log_engagement, 1e-4);
    EXPECT_NEAR(e.prediction.engagement, p.engagement, 1e-3 * (1 + p.engagement));
  }

  // A vector of another schema is refused.
  features::FeatureVector wrong;
  wrong.Add("post.hour_utc", 3.0);
  EXPECT_THAT(trained_->model->Predict(wrong).status(),
              IsError(Code::kInvalidArgument, ::testing::_));
  EXPECT_THAT(trained_->model->Explain(wrong).status(),
              IsError(Code::kInvalidArgument, ::testing::_));

  // A model trained on another feature schema is refused, naming the fix.
  const std::filesystem::path m_dir = dir.path() / "m";
  nlohmann::json m = Manifest();
  m["feature_fingerprint"] = "0123456789abcdef";
  std::ofstream(m_dir / "manifest.json") << m.dump();
  EXPECT_THAT(PlepModel::Load(m_dir).status(),
              IsError(Code::kFailedPrecondition, HasSubstr("sphere train plep")));
  m = Manifest();
  m["feature_schema_version"] = features::kFeatureSchemaVersion + 1;
  std::ofstream(m_dir / "manifest.json") << m.dump();
  EXPECT_THAT(PlepModel::Load(m_dir).status(),
              IsError(Code::kFailedPrecondition, HasSubstr("schema")));

  // Missing and damaged models.
  EXPECT_THAT(PlepModel::Load(dir.path() / "nothing").status(),
              IsError(Code::kNotFound, HasSubstr("sphere train plep")));
  ASSERT_OK(trained_->model->Save(dir.path() / "damaged"));
  std::ofstream(dir.path() / "damaged" / "engagement.json") << "{\"learner\": 3}";
  EXPECT_THAT(PlepModel::Load(dir.path() / "damaged").status(),
              IsError(Code::kDataLoss, HasSubstr("engagement")));
  std::ofstream(dir.path() / "damaged" / "manifest.json") << "not json";
  EXPECT_THAT(PlepModel::Load(dir.path() / "damaged").status(),
              IsError(Code::kDataLoss, ::testing::_));
}

TEST_F(PlepTrainTest, TrainingIsDeterministicForASeed) {
  ASSERT_OK_AND_ASSIGN(TrainedPlep again, TrainPlep(*data_, Fast()));
  EXPECT_EQ(again.metrics_json, trained_->metrics_json);
  EXPECT_EQ(again.model->PredictRow(data_->Row(3)).log_engagement,
            trained_->model->PredictRow(data_->Row(3)).log_engagement);
}

TEST(PlepTrain, TooFewCreatorsIsAClearError) {
  PlepDataset data;
  PlepRow row;
  row.creator_key = "instagram/only";
  ASSERT_OK(data.Add(Vector({}), row));
  EXPECT_THAT(TrainPlep(data, Fast()).status(),
              IsError(Code::kInvalidArgument, HasSubstr("split has")));
}

}  // namespace
}  // namespace sphere::plep
