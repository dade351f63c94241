// `sphere train niche` as the main job runs it: after importing the bundled data.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "core/niche.h"
#include "store/store.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere {
namespace {

using testing::RunSphere;
using testing::SourceDir;
using testing::TempDir;

std::string CreatorKey(Platform platform, std::string_view handle) {
  return std::string(ToString(platform)) + "/" + std::string(handle);
}

TEST(NicheCli, TrainsOnTheBundledDataInfersEveryNicheAndSkipsWhenPresent) {
  TempDir dir;
  const std::string store_url = "sqlite:" + (dir.path() / "sphere.db").string();
  const std::string models = (dir.path() / "models").string();
  auto imported = RunSphere({"--store", store_url, "import", (SourceDir() / "data").string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.output;

  // The small grid and two epochs keep this under a minute in the sanitizer build; the
  // full grid is what `sphere train niche` runs by default (docs/niche-classifier.md).
  auto trained = RunSphere({"--store", store_url, "train", "niche", "--models", models, "--grid",
                            "small", "--max-epochs", "2"});
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  EXPECT_NE(trained.output.find("tf-idf + LR"), std::string::npos) << trained.output;
  EXPECT_NE(trained.output.find("majority"), std::string::npos) << trained.output;

  ASSERT_OK_AND_ASSIGN(auto store, OpenStore(store_url));
  ASSERT_OK_AND_ASSIGN(auto model, store->LatestModel("niche"));
  ASSERT_TRUE(model.has_value());
  std::ifstream in(std::filesystem::path(model->artifact_path) / "manifest.json");
  ASSERT_TRUE(in) << model->artifact_path;
  std::stringstream text;
  text << in.rdbuf();
  auto manifest = nlohmann::json::parse(text.str());
  EXPECT_EQ(manifest["kind"], "niche");
  EXPECT_EQ(manifest["training_data_sha256"], model->data_hash);
  EXPECT_GT(manifest["split"]["test"]["creators"].get<int>(), 1'000);
  for (const char* name : {"classifier", "fasttext", "tfidf_lr", "majority"}) {
    for (const char* level : {"post", "creator"}) {
      const auto& m = manifest["metrics"][name][level];
      EXPECT_TRUE(m.contains("accuracy") && m.contains("macro_f1") && m.contains("per_class_f1") &&
                  m.contains("confusion"))
          << name << " " << level;
    }
  }
  // Even two epochs learn something: well above the majority class on test creators.
  EXPECT_GT(manifest["metrics"]["classifier"]["creator"]["macro_f1"].get<double>(),
            manifest["metrics"]["majority"]["creator"]["macro_f1"].get<double>() + 0.2);

  // Every creator has an inferred niche: from their posts, else their category, else their
  // profile.
  std::set<std::string> with_text;
  ASSERT_OK(store->ForEachPost([&](const Post& p) {
    if (!p.caption.empty() || !p.image_description.empty()) {
      with_text.insert(CreatorKey(p.platform, p.creator_handle));
    }
    return Status::Ok();
  }));
  std::vector<Creator> creators;
  ASSERT_OK(store->ForEachCreator([&](const Creator& c) {
    creators.push_back(c);
    return Status::Ok();
  }));
  int64_t inferred = 0, by_profile = 0;
  for (const Creator& c : creators) {
    ASSERT_OK_AND_ASSIGN(std::optional<InferredNiche> n, store->InferredNicheOf(c.id));
    const bool has_text = with_text.count(CreatorKey(c.platform, c.handle)) > 0;
    const bool has_category = c.niche && NicheOfCategory(*c.niche);
    ASSERT_TRUE(n.has_value()) << CreatorKey(c.platform, c.handle);
    EXPECT_TRUE(IsNiche(n->niche));
    EXPECT_GT(n->confidence, 0) << c.handle;
    const char* method = has_text ? "classifier" : has_category ? "category" : "profile";
    EXPECT_EQ(n->method, method) << c.handle;
    EXPECT_EQ(n->model_version, has_category && !has_text ? "" : model->version) << c.handle;
    ++inferred;
    by_profile += !has_text && !has_category;
  }
  EXPECT_EQ(inferred, static_cast<int64_t>(creators.size()));
  EXPECT_GT(by_profile, 0);  // TikTok creators of smi2022 come with no category and no posts
  EXPECT_NE(trained.output.find("from their handle"), std::string::npos) << trained.output;
  EXPECT_TRUE(manifest["metrics"]["profile_only"]["creator"]["accuracy"].is_number());

  auto again =
      RunSphere({"--store", store_url, "train", "niche", "--models", models, "--if-absent"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("nothing to do"), std::string::npos) << again.output;
  ASSERT_OK_AND_ASSIGN(auto models_after, store->ListModels("niche"));
  EXPECT_EQ(models_after.size(), 1u);
}

TEST(NicheCli, TrainingAnEmptyStoreFailsNamingTheData) {
  TempDir dir;
  auto r = RunSphere({"--store", "sqlite:" + (dir.path() / "db").string(), "train", "niche",
                      "--models", (dir.path() / "models").string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("FAILED_PRECONDITION"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("kim_posts"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace sphere
