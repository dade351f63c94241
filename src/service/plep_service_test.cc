// The PLEP use cases on real data: a tenth of the Kim et al. creators (by the split hash,
// so every split has some), written as a canonical JSONL file and imported into a SQLite
// store. Training, registration, diagnosis and file scoring run on it end to end.
#include "service/plep_service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "ingest/collecting_sink.h"
#include "model/xgboost/xgboost_model.h"
#include "service/import_service.h"
#include "testing/kim_subset.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::service {
namespace {

using sphere::testing::TempDir;
using ::testing::HasSubstr;

std::vector<std::vector<std::string>> ReadCsv(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {  // the writer quotes nothing multi-line: ids and handles
    std::vector<std::string> fields;
    std::stringstream s(line);
    std::string f;
    while (std::getline(s, f, ',')) fields.push_back(f);
    if (!line.empty() && line.back() == ',') fields.push_back("");
    rows.push_back(fields);
  }
  return rows;
}

class PlepServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A tenth of the creators: buckets 3, 13, ..., 73 (validation A), 83 (B), 93 (test).
    auto subset = sphere::testing::WriteKimSubset(dir_.path() / "kim_subset.jsonl", 10, 3);
    ASSERT_OK(subset.status());
    subset_ = std::move(subset->records);
    file_ = subset->file;
    auto store = OpenStore("sqlite:" + (dir_.path() / "sphere.db").string());
    ASSERT_OK(store.status());
    store_ = std::move(*store);
    ASSERT_OK(ImportFile(*store_, file_, {}).status());
    auto featurizer = features::PostFeaturizer::Create(
        features::AssetDir(sphere::testing::SourceDir() / "var/assets"));
    ASSERT_OK(featurizer.status());
    featurizer_ = std::move(*featurizer);

    options_.models_dir = dir_.path() / "models";
    options_.train.grid = "small";
    // One thread: ctest runs two tests at once on two cores, and OpenMP's spinning
    // threads would fight over them.
    options_.train.threads = 1;
    options_.train.max_rounds = 400;
    options_.train.early_stopping_rounds = 40;
    options_.train.now = 1'764'000'000;
    auto trained = TrainPlep(*store_, *featurizer_, options_);
    ASSERT_OK(trained.status());
    report_ = *trained;
  }

  TempDir dir_;
  ingest::CollectingSink subset_;
  std::filesystem::path file_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<features::PostFeaturizer> featurizer_;
  TrainPlepOptions options_;
  TrainPlepReport report_;
};

TEST_F(PlepServiceTest, TrainsRegistersAndBeatsFollowersOnHeldOutRealCreators) {
  EXPECT_FALSE(report_.skipped);
  EXPECT_GT(report_.posts, 2000);
  EXPECT_EQ(report_.posts + report_.skipped_undated + report_.skipped_unscored,
            static_cast<int64_t>(subset_.posts.size()));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const plep::PlepModel> current, LoadCurrentPlep(*store_));
  EXPECT_EQ(current->version(), report_.version);
  EXPECT_TRUE(std::filesystem::exists(report_.model_dir / "manifest.json"));
  std::ifstream card(report_.model_dir / "model_card.md");
  std::stringstream card_text;
  card_text << card.rdbuf();
  EXPECT_THAT(card_text.str(), HasSubstr("## Held-out creators (test)"));
  EXPECT_THAT(card_text.str(), HasSubstr(report_.version));

  const nlohmann::json test = nlohmann::json::parse(current->manifest_json())["metrics"]["test"];
  EXPECT_LT(test["model"]["mae"].get<double>(), test["followers_only"]["mae"].get<double>())
      << test.dump(2);
  EXPECT_GT(test["model"]["spearman"].get<double>(), 0.8) << test.dump(2);
  EXPECT_GT(test["model"]["engagement_rate_spearman"].get<double>(),
            test["followers_only"]["engagement_rate_spearman"].get<double>());

  // The served contributions (trees::Forest) equal XGBoost's own pred_contribs on the same
  // model, on every real training row.
  ASSERT_OK_AND_ASSIGN(PlepTrainingSet set, BuildPlepTrainingSet(*store_, *featurizer_));
  std::ifstream engagement_file(report_.model_dir / "engagement.json");
  std::stringstream engagement_json;
  engagement_json << engagement_file.rdbuf();
  ASSERT_OK_AND_ASSIGN(xgb::Booster booster, xgb::Booster::Load(engagement_json.str()));
  xgb::DenseMatrix x{set.data.values(), set.data.size(), set.data.cols()};
  ASSERT_OK_AND_ASSIGN(std::vector<float> expected, booster.Contributions(x));
  double max_diff = 0;
  std::vector<double> got(set.data.cols() + 1);
  for (size_t i = 0; i < set.data.size(); ++i) {
    ASSERT_OK(current->engagement_forest().Contributions(set.data.Row(i), got));
    for (size_t k = 0; k <= set.data.cols(); ++k) {
      max_diff = std::max(max_diff, std::abs(got[k] - expected[i * (set.data.cols() + 1) + k]));
    }
  }
  EXPECT_LT(max_diff, 1e-4) << "over " << set.data.size() << " rows";
  EXPECT_GT(set.data.size(), 2000u);

  // --if-absent: a registered model that loads is kept.
  TrainPlepOptions again = options_;
  again.if_absent = true;
  ASSERT_OK_AND_ASSIGN(TrainPlepReport skipped, TrainPlep(*store_, *featurizer_, again));
  EXPECT_TRUE(skipped.skipped);
  EXPECT_EQ(skipped.version, report_.version);
}

TEST_F(PlepServiceTest, DiagnosesADraftWithDriversAndWhatIfs) {
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const plep::PlepModel> model, LoadCurrentPlep(*store_));
  // A creator of the subset with at least two posts.
  std::map<std::string, int> posts;
  for (const Post& p : subset_.posts) ++posts[p.creator_handle];
  std::string handle;
  for (const auto& [h, n] : posts) {
    if (n >= 2) handle = h;
  }
  ASSERT_FALSE(handle.empty());

  DraftRequest request;
  request.platform = Platform::kInstagram;
  request.handle = handle;
  request.at = 1'558'000'000;  // May 2019, after the crawl's posts
  request.draft.posted_at = request.at;
  request.draft.age_days = 30;
  request.draft.caption = "Weekend vibes with the best people #weekend #friends #summer";
  request.draft.image_description = "Image may contain: 2 people, people smiling, outdoor";
  ASSERT_OK_AND_ASSIGN(Diagnosis d, Diagnose(*store_, *model, *featurizer_, request));

  const plep::PlepPrediction& p = d.explanation.prediction;
  EXPECT_GT(p.engagement, 0);
  EXPECT_LE(p.low, p.engagement);
  EXPECT_GE(p.high, p.engagement);
  double sum = d.explanation.bias;
  for (double c : d.explanation.contributions) sum += c;
  EXPECT_NEAR(sum, p.log_engagement, 1e-4);
  double grouped = d.explanation.bias;
  for (const explain::Driver& driver : d.drivers) grouped += driver.contribution;
  EXPECT_NEAR(grouped, p.log_engagement, 1e-4);
  ASSERT_OK_AND_ASSIGN(plep::PlepPrediction direct, model->Predict(d.vector));
  EXPECT_NEAR(direct.log_engagement, p.log_engagement, 1e-4);

  // What-ifs: re-scored edits, each differing from the draft in that edit only.
  std::map<std::string, WhatIf> by_edit;
  for (const WhatIf& w : d.what_ifs) by_edit[w.edit] = w;
  for (const char* edit : {"carousel", "hashtags_remove", "hashtags_add", "people_0"}) {
    ASSERT_TRUE(by_edit.count(edit)) << edit;
    EXPECT_FALSE(by_edit[edit].description.empty());
    EXPECT_NEAR(by_edit[edit].change, by_edit[edit].engagement / p.engagement - 1, 1e-9);
  }
  EXPECT_FALSE(by_edit.count("people_2"));  // the draft has 2 people already
  EXPECT_FALSE(by_edit.count("single_image"));
  // Kim's Instagram posts hold no videos: the model has never seen one on Instagram.
  EXPECT_EQ(model->TrainingPosts(Platform::kInstagram, MediaType::kVideo), 0);
  EXPECT_GT(model->TrainingPosts(Platform::kInstagram, MediaType::kCarousel), 100);
  EXPECT_FALSE(by_edit.count("video"));
  EXPECT_TRUE(d.warnings.empty());
  DraftRequest video = request;
  video.draft.media_type = MediaType::kVideo;
  ASSERT_OK_AND_ASSIGN(Diagnosis v, Diagnose(*store_, *model, *featurizer_, video));
  ASSERT_EQ(v.warnings.size(), 1u);
  EXPECT_THAT(v.warnings[0], HasSubstr("outside its experience"));
  for (size_t i = 1; i < d.what_ifs.size(); ++i) {
    EXPECT_GE(d.what_ifs[i - 1].change, d.what_ifs[i].change);
  }

  request.handle = "no-such-creator-here";
  EXPECT_THAT(Diagnose(*store_, *model, *featurizer_, request).status(),
              IsError(Code::kNotFound, HasSubstr("no-such-creator-here")));
}

// Each post is scored from its creator's earlier posts only: raising the counts of every
// creator's FIRST post changes no prediction of that post itself and none of any post
// before it, but does change later posts of the same creator.
TEST_F(PlepServiceTest, PredictsAPostFileFromEarlierPostsOnly) {
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const plep::PlepModel> model, LoadCurrentPlep(*store_));
  const std::filesystem::path out = dir_.path() / "scored.csv";
  ASSERT_OK_AND_ASSIGN(PredictPostsReport r,
                       PredictPostsFile(*model, *featurizer_, store_.get(), file_, out));
  EXPECT_EQ(r.posts, static_cast<int64_t>(subset_.posts.size()));
  EXPECT_GT(r.scored_with_actuals, 2000);
  EXPECT_GT(r.spearman, 0.8);
  const auto rows = ReadCsv(out);
  ASSERT_EQ(rows.size(), subset_.posts.size() + 1);
  EXPECT_EQ(rows[0][0], "post_id");
  EXPECT_EQ(rows[0].size(), 12u);
  EXPECT_EQ(rows[1][0], subset_.posts[0].external_id);

  // The first post of every creator, by time, gets 50x the likes.
  ingest::CollectingSink changed = subset_;
  std::map<std::string, size_t> first;
  for (size_t i = 0; i < changed.posts.size(); ++i) {
    const Post& p = changed.posts[i];
    if (!p.posted_at) continue;
    auto it = first.find(p.creator_handle);
    if (it == first.end() || *p.posted_at < *changed.posts[it->second].posted_at) {
      first[p.creator_handle] = i;
    }
  }
  std::set<size_t> changed_rows;
  for (const auto& [handle, i] : first) {
    changed.posts[i].likes = changed.posts[i].likes.value_or(0) * 50 + 1000;
    changed_rows.insert(i);
  }
  const std::filesystem::path changed_file = dir_.path() / "changed.jsonl";
  ASSERT_OK(sphere::testing::WriteJsonl(changed_file, changed));
  const std::filesystem::path changed_out = dir_.path() / "changed.csv";
  ASSERT_OK(PredictPostsFile(*model, *featurizer_, store_.get(), changed_file, changed_out)
                .status());
  const auto after = ReadCsv(changed_out);
  ASSERT_EQ(after.size(), rows.size());
  int moved = 0;
  for (size_t i = 0; i < subset_.posts.size(); ++i) {
    const bool same = after[i + 1][6] == rows[i + 1][6];  // predicted_engagement
    if (changed_rows.count(i)) {
      EXPECT_TRUE(same) << "a post's own counts moved its prediction: " << rows[i + 1][0];
    }
    moved += !same;
  }
  EXPECT_GT(moved, 100);  // later posts read the first post in their history

  EXPECT_THAT(PredictPostsFile(*model, *featurizer_, store_.get(), dir_.path() / "missing.csv",
                               dir_.path() / "x.csv")
                  .status(),
              IsError(Code::kNotFound, ::testing::_));
}

}  // namespace
}  // namespace sphere::service
