#include "service/niche_service.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/niche.h"
#include "service/import_service.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::service {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

std::unique_ptr<Store> OpenTempStore(const TempDir& dir) {
  auto store = OpenStore("sqlite:" + (dir.path() / "sphere.db").string());
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

// The whole bundled data set, imported as `sphere import data` does.
void ImportBundledData(Store& store) {
  ASSERT_OK_AND_ASSIGN(auto files, ExpandImportPaths({testing::SourceDir() / "data"}));
  for (const auto& file : files) ASSERT_OK(ImportFile(store, file, {}).status());
}

TEST(NicheTaxonomyOnRealData, EveryCategoryInTheBundledDataMaps) {
  TempDir dir;
  auto store = OpenTempStore(dir);
  ASSERT_NE(store, nullptr);
  ImportBundledData(*store);
  std::set<std::string> raw;
  ASSERT_OK(store->ForEachCreator([&](const Creator& c) {
    if (c.niche) raw.insert(*c.niche);
    return Status::Ok();
  }));
  EXPECT_GE(raw.size(), 70u);  // Kim, smi2022, Social Blade and Global YouTube together
  for (const std::string& category : raw) {
    EXPECT_TRUE(NicheOfCategory(category).has_value()) << "'" << category << "' maps to nothing";
  }
}

TEST(NicheTrainingExamples, AreTheKimPostsLabelledThroughTheTaxonomy) {
  TempDir dir;
  auto store = OpenTempStore(dir);
  ASSERT_NE(store, nullptr);
  ImportBundledData(*store);
  ASSERT_OK_AND_ASSIGN(std::vector<niche::LabelledText> examples, NicheTrainingExamples(*store));
  EXPECT_GT(examples.size(), 29'000u);
  std::map<std::string, int> by_niche;
  for (const auto& e : examples) {
    ++by_niche[e.niche];
    EXPECT_EQ(e.creator.rfind("instagram/", 0), 0u) << e.creator;
  }
  EXPECT_EQ(by_niche.size(), 9u);  // Kim's nine categories
  EXPECT_TRUE(by_niche.count("home"));
  EXPECT_TRUE(by_niche.count("pets"));
  EXPECT_FALSE(by_niche.count("interior"));
  EXPECT_GT(by_niche["fashion"], by_niche["beauty"]);
}

// A small store: creators with labelled posts, one with a category but no posts, one
// with neither.
void FillSmallStore(Store& store) {
  const std::map<std::string, std::vector<std::string>> words = {
      {"food", {"pasta recipe dinner", "homemade pizza cheese"}},
      {"travel", {"beach sunset island", "mountain hike trip"}},
  };
  ImportBatch batch;
  int n = 0;
  for (int round = 0; round < 40; ++round) {
    for (const auto& [niche, captions] : words) {
      Creator c;
      c.handle = niche + std::to_string(n++);
      c.niche = niche;
      c.source = "kim_influencers";
      batch.creators.push_back(c);
      for (size_t i = 0; i < captions.size(); ++i) {
        Post p;
        p.creator_handle = c.handle;
        p.external_id = c.handle + "-" + std::to_string(i);
        p.caption = captions[i];
        p.source = "kim_posts";
        batch.posts.push_back(p);
      }
    }
  }
  Creator youtuber;
  youtuber.platform = Platform::kYouTube;
  youtuber.handle = "tubechef";
  youtuber.niche = "Food & Drinks";
  youtuber.source = "smi2022";
  batch.creators.push_back(youtuber);
  Creator unknown;
  unknown.platform = Platform::kTikTok;
  unknown.handle = "mystery";
  unknown.source = "smi2022";
  batch.creators.push_back(unknown);
  ASSERT_OK(store.WriteBatch(batch).status());
}

TrainNicheOptions SmallOptions(const TempDir& dir) {
  TrainNicheOptions options;
  options.models_dir = dir.path() / "models";
  options.grid = "small";
  options.max_epochs = 20;
  options.now = 1'714'521'600;
  return options;
}

TEST(TrainNiche, SavesRegistersAndInfersEveryCreator) {
  TempDir dir;
  auto store = OpenTempStore(dir);
  ASSERT_NE(store, nullptr);
  FillSmallStore(*store);
  ASSERT_OK_AND_ASSIGN(TrainNicheReport report, TrainNiche(*store, SmallOptions(dir)));
  EXPECT_FALSE(report.skipped);
  EXPECT_EQ(report.training_posts, 160);
  EXPECT_TRUE(std::filesystem::exists(report.model_dir / "manifest.json"));
  EXPECT_EQ(report.coverage.creators, 82);
  EXPECT_EQ(report.coverage.by_classifier, 80);
  EXPECT_EQ(report.coverage.by_category, 1);
  EXPECT_EQ(report.coverage.by_profile, 1);

  ASSERT_OK_AND_ASSIGN(auto latest, store->LatestModel("niche"));
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->version, report.version);
  EXPECT_EQ(latest->artifact_path, report.model_dir.string());
  EXPECT_NE(latest->metrics_json.find("macro_f1"), std::string::npos);

  ASSERT_OK_AND_ASSIGN(auto chef, store->FindCreator(Platform::kYouTube, "tubechef"));
  ASSERT_OK_AND_ASSIGN(auto chef_niche, store->InferredNicheOf(chef.value().id));
  ASSERT_TRUE(chef_niche.has_value());
  EXPECT_EQ(chef_niche->niche, "food");
  EXPECT_EQ(chef_niche->method, "category");
  EXPECT_EQ(chef_niche->confidence, kCategoryConfidence);

  ASSERT_OK_AND_ASSIGN(auto cook, store->FindCreator(Platform::kInstagram, "food0"));
  ASSERT_OK_AND_ASSIGN(auto cook_niche, store->InferredNicheOf(cook.value().id));
  ASSERT_TRUE(cook_niche.has_value());
  EXPECT_EQ(cook_niche->method, "classifier");
  EXPECT_EQ(cook_niche->model_version, report.version);
  EXPECT_EQ(cook_niche->niche, "food");

  ASSERT_OK_AND_ASSIGN(auto mystery, store->FindCreator(Platform::kTikTok, "mystery"));
  ASSERT_OK_AND_ASSIGN(auto mystery_niche, store->InferredNicheOf(mystery.value().id));
  ASSERT_TRUE(mystery_niche.has_value());  // no posts, no category: read from the handle
  EXPECT_EQ(mystery_niche->method, "profile");
  EXPECT_TRUE(IsNiche(mystery_niche->niche));
  EXPECT_GT(mystery_niche->confidence, 0);
  EXPECT_LE(mystery_niche->confidence, 1);
}

TEST(TrainNiche, IfAbsentDoesNothingWhenAModelExists) {
  TempDir dir;
  auto store = OpenTempStore(dir);
  ASSERT_NE(store, nullptr);
  FillSmallStore(*store);
  ASSERT_OK_AND_ASSIGN(TrainNicheReport first, TrainNiche(*store, SmallOptions(dir)));
  TrainNicheOptions again = SmallOptions(dir);
  again.if_absent = true;
  again.now += 3600;
  ASSERT_OK_AND_ASSIGN(TrainNicheReport second, TrainNiche(*store, again));
  EXPECT_TRUE(second.skipped);
  EXPECT_EQ(second.version, first.version);
  ASSERT_OK_AND_ASSIGN(auto models, store->ListModels("niche"));
  EXPECT_EQ(models.size(), 1u);
}

TEST(TrainNiche, EmptyStoreIsFailedPreconditionNamingTheData) {
  TempDir dir;
  auto store = OpenTempStore(dir);
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(TrainNiche(*store, SmallOptions(dir)).status(),
              IsError(Code::kFailedPrecondition, HasSubstr("kim_posts")));
}

}  // namespace
}  // namespace sphere::service
