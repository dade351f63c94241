// `sphere train plep`, `sphere predict-posts` and `sphere diagnose` through the binary, on
// a tenth of the real Kim et al. creators (chosen by the split hash, so every split has
// some), and the errors an operator or a creator can run into.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "testing/kim_subset.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere {
namespace {

using testing::RunSphere;
using testing::SourceDir;
using testing::TempDir;

bool Has(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

std::vector<std::string> Lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class PlepCli : public ::testing::Test {
 protected:
  void SetUp() override {
    // A seventh of the creators: buckets 3, 10, ..., 73 (validation A), 80 (B), 87, 94 (test).
    auto subset = testing::WriteKimSubset(dir_.path() / "kim_subset.jsonl", 7, 3);
    ASSERT_OK(subset.status());
    file_ = subset->file;
    posts_ = static_cast<int>(subset->records.posts.size());
    posts_of_ = subset->posts_of;
    store_ = "sqlite:" + (dir_.path() / "sphere.db").string();
    models_ = (dir_.path() / "models").string();
    auto r = RunSphere({"--store", store_, "import", file_.string()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  std::vector<std::string> Sphere(std::vector<std::string> rest) const {
    std::vector<std::string> args = {"--store", store_};
    args.insert(args.end(), rest.begin(), rest.end());
    return args;
  }
  std::string Assets() const { return (SourceDir() / "var/assets").string(); }

  TempDir dir_;
  std::filesystem::path file_;
  std::string store_, models_;
  int posts_ = 0;
  std::map<std::string, int> posts_of_;
};

TEST_F(PlepCli, TrainsThenScoresAFileAndDiagnosesADraft) {
  auto trained = RunSphere(Sphere({"train", "plep", "--models", models_, "--assets", Assets(),
                                   "--grid", "small", "--max-rounds", "300", "--threads", "1"}));
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  EXPECT_TRUE(Has(trained.output, "held-out creators (test)")) << trained.output;
  EXPECT_TRUE(Has(trained.output, "registered")) << trained.output;
  auto again = RunSphere(
      Sphere({"train", "plep", "--models", models_, "--assets", Assets(), "--if-absent"}));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(Has(again.output, "nothing to do")) << again.output;

  // predict-posts: one row per post of the file, in file order.
  const std::filesystem::path out = dir_.path() / "scored.csv";
  auto scored = RunSphere(Sphere(
      {"predict-posts", "--in", file_.string(), "--out", out.string(), "--assets", Assets()}));
  ASSERT_EQ(scored.exit_code, 0) << scored.output;
  const std::vector<std::string> lines = Lines(out);
  ASSERT_EQ(static_cast<int>(lines.size()), posts_ + 1);
  EXPECT_EQ(lines[0],
            "post_id,platform,creator,posted_at,predicted_likes,predicted_comments,"
            "predicted_engagement,predicted_engagement_rate,range_low,range_high,likes,comments");
  EXPECT_TRUE(Has(scored.output, "Spearman")) << scored.output;

  // diagnose: a real photo with three faces for a creator with earlier posts.
  std::string handle;
  for (const auto& [h, n] : posts_of_) {
    if (n >= 3) handle = h;
  }
  ASSERT_FALSE(handle.empty());
  const std::string image = (SourceDir() / "tests/data/images/three_women_1080.jpg").string();
  auto diagnosed = RunSphere(
      Sphere({"diagnose", "--creator", handle, "--caption", "Girls night out ✨ #friends #fun",
              "--image", image, "--at", "2019-05-20T18:00:00Z", "--assets", Assets(), "--json"}));
  ASSERT_EQ(diagnosed.exit_code, 0) << diagnosed.output;
  const nlohmann::json d = nlohmann::json::parse(diagnosed.output);
  const double engagement = d["prediction"]["engagement"].get<double>();
  EXPECT_GT(engagement, 0);
  EXPECT_LE(d["prediction"]["range"]["low"].get<double>(), engagement);
  EXPECT_GE(d["prediction"]["range"]["high"].get<double>(), engagement);
  EXPECT_EQ(d["prediction"]["range"]["level"], 0.8);
  EXPECT_FALSE(d["drivers"].empty());
  std::map<std::string, nlohmann::json> what_ifs;
  for (const auto& w : d["what_ifs"]) what_ifs[w["edit"].get<std::string>()] = w;
  EXPECT_TRUE(what_ifs.count("carousel")) << d.dump(2);
  EXPECT_TRUE(what_ifs.count("hashtags_remove")) << d.dump(2);
  EXPECT_TRUE(what_ifs.count("people_0")) << d.dump(2);  // the photo has people in it
  double sum = d["bias"].get<double>();
  for (const auto& driver : d["drivers"]) sum += driver["contribution"].get<double>();
  EXPECT_NEAR(sum, d["prediction"]["log_engagement"].get<double>(), 1e-4);

  auto text = RunSphere(
      Sphere({"diagnose", "--creator", handle, "--caption", "Hello", "--assets", Assets()}));
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_TRUE(Has(text.output, "what-ifs")) << text.output;
  EXPECT_TRUE(Has(text.output, "80% range")) << text.output;

  // A model whose manifest names another feature schema is refused.
  std::string version_dir;
  for (const auto& e :
       std::filesystem::directory_iterator(std::filesystem::path(models_) / "plep")) {
    version_dir = e.path().string();
  }
  std::ifstream manifest_in(std::filesystem::path(version_dir) / "manifest.json");
  nlohmann::json manifest = nlohmann::json::parse(manifest_in);
  manifest["feature_fingerprint"] = "ffffffffffffffff";
  std::ofstream(std::filesystem::path(version_dir) / "manifest.json") << manifest.dump();
  auto refused = RunSphere(Sphere(
      {"predict-posts", "--in", file_.string(), "--out", out.string(), "--model", version_dir}));
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_TRUE(Has(refused.output, "retrain")) << refused.output;
}

TEST_F(PlepCli, ErrorsNameTheProblem) {
  // No model yet.
  auto no_model = RunSphere(
      Sphere({"predict-posts", "--in", file_.string(), "--out", (dir_.path() / "x.csv").string()}));
  EXPECT_EQ(no_model.exit_code, 1) << no_model.output;
  EXPECT_TRUE(Has(no_model.output, "sphere train plep")) << no_model.output;

  auto bad_at =
      RunSphere(Sphere({"diagnose", "--creator", "x", "--caption", "c", "--at", "next tuesday"}));
  EXPECT_EQ(bad_at.exit_code, 1) << bad_at.output;
  EXPECT_TRUE(Has(bad_at.output, "--at")) << bad_at.output;

  auto bad_format =
      RunSphere(Sphere({"diagnose", "--creator", "x", "--caption", "c", "--format", "hologram"}));
  EXPECT_EQ(bad_format.exit_code, 1) << bad_format.output;
  EXPECT_TRUE(Has(bad_format.output, "--format")) << bad_format.output;

  TempDir empty;
  auto nothing = RunSphere({"--store", "sqlite:" + (empty.path() / "db").string(), "train", "plep",
                            "--models", (empty.path() / "m").string(), "--assets", Assets()});
  EXPECT_EQ(nothing.exit_code, 1) << nothing.output;
  EXPECT_TRUE(Has(nothing.output, "kim_posts")) << nothing.output;

  auto missing = RunSphere(
      Sphere({"predict-posts", "--in", (dir_.path() / "nope.csv").string(), "--out",
              (dir_.path() / "x.csv").string(), "--model", (dir_.path() / "no-model").string()}));
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_TRUE(Has(missing.output, "no-model")) << missing.output;
}

}  // namespace
}  // namespace sphere
