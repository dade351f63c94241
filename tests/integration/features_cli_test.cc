// `sphere features` through the binary: a real caption, a real photo, a stored post, and
// the errors a user can make.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "testing/testing.h"

namespace sphere {
namespace {

using testing::RunSphere;
using testing::SourceDir;
using testing::TempDir;

// A real Kim post (food niche, a cat photo) with four earlier posts by the same creator.
constexpr const char* kCreator = "blondie_lili";
constexpr const char* kPostId = "BqEqWXLBT2C";
constexpr const char* kPostedAt = "2018-11-12T08:01:49Z";  // 1542009709
constexpr const char* kDescription = "Image may contain: cat, table and indoor";
constexpr const char* kCaption =
    "•» MONDAY ✨\nUne photo d’amour pour un #lundi tout doux.\nBelle semaine le #gangofunicorns "
    "❤️\n•••\n#mondaymorning #goodmorning #monday #cute #catslover #catsofinstagram "
    "#balousfriends #gingercat #redcat #frenchblogger #photooftheday #chaton #pets "
    "#mauricethecat #toulouse #mondaymotivation #goodvibes #moodoftheday #mondaymood "
    "#lundichaton";

nlohmann::json Features(const testing::ProcessResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return nlohmann::json::parse(r.output)["features"];
}

class FeaturesCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    store_ = new std::string("sqlite:" + (dir_->path() / "sphere.db").string());
    for (const char* file : {"instagram/kim_influencers.txt", "instagram/kim_posts.csv.gz"}) {
      auto r = RunSphere({"--store", *store_, "import", (SourceDir() / "data" / file).string()});
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
  }
  static void TearDownTestSuite() {
    delete store_;
    delete dir_;
  }
  static std::vector<std::string> Args(std::vector<std::string> rest) {
    std::vector<std::string> args = {"--store", *store_, "features", "--assets",
                                     (SourceDir() / "var/assets").string()};
    args.insert(args.end(), rest.begin(), rest.end());
    return args;
  }
  static TempDir* dir_;
  static std::string* store_;
};
TempDir* FeaturesCli::dir_ = nullptr;
std::string* FeaturesCli::store_ = nullptr;

// What training sees for a stored post equals what a user gets by typing that post in as
// a draft for the same creator and time.
TEST_F(FeaturesCli, StoredPostAndTheSameDraftGiveTheSameVector) {
  nlohmann::json stored =
      Features(RunSphere(Args({"--creator", kCreator, "--post", kPostId, "--json"})));
  EXPECT_EQ(stored["history.posts_before"], 4);
  EXPECT_EQ(stored["caption.hashtags"], 22);
  EXPECT_EQ(stored["creator.followers"], 15407);
  ASSERT_TRUE(stored["post.age_days"].is_number());

  nlohmann::json draft = Features(RunSphere(
      Args({"--creator", kCreator, "--caption", kCaption, "--image-description", kDescription,
            "--at", kPostedAt, "--age-days", stored["post.age_days"].dump(), "--json"})));
  EXPECT_EQ(stored, draft);
}

TEST_F(FeaturesCli, TablePrintsEveryGroup) {
  auto r = RunSphere(Args({"--creator", kCreator, "--caption", "Sunday brunch with the cat 🐱 #food",
                           "--at", "2019-06-01T10:00:00Z"}));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* group :
       {"\npost\n", "\ncreator\n", "\ncaption\n", "\nvisual\n", "\nhistory\n"}) {
    EXPECT_NE(("\n" + r.output).find(group), std::string::npos) << group << r.output;
  }
  EXPECT_NE(r.output.find("history.posts_before"), std::string::npos);
  EXPECT_NE(r.output.find("schema version"), std::string::npos);
}

TEST_F(FeaturesCli, RealPhotoGivesPixelFeatures) {
  const std::string photo = (SourceDir() / "tests/data/images/three_women_1080.jpg").string();
  auto r = RunSphere(Args({"--caption", "Team day out", "--image", photo, "--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["details"]["visual_source"], "pixels");
  EXPECT_GE(j["features"]["visual.people"].get<double>(), 1);
  EXPECT_TRUE(j["features"]["visual.brightness"].is_number());
  EXPECT_TRUE(j["features"]["creator.followers"].is_null());
}

TEST_F(FeaturesCli, UserErrorsAreClear) {
  struct Case {
    std::vector<std::string> args;
    const char* message;
  } cases[] = {
      {{"--creator", "no_such_creator_anywhere", "--caption", "x"},
       "creator: no instagram creator"},
      {{"--creator", kCreator, "--caption", "x", "--at", "yesterday"}, "--at:"},
      {{"--creator", kCreator, "--post", "nope"}, "post: no post 'nope'"},
      {{"--post", kPostId}, "--post: needs --creator"},
      {{"--caption", "x", "--format", "reel"}, "--format:"},
      {{"--caption", "x", "--platform", "myspace"}, "myspace"},
      {{"--caption", "x", "--image", "/no/such/photo.jpg"}, "--image /no/such/photo.jpg"},
      {{"--caption", "x", "--image", (SourceDir() / "README.md").string()}, "--image"},
  };
  for (const Case& c : cases) {
    auto r = RunSphere(Args(c.args));
    EXPECT_EQ(r.exit_code, 1) << c.message << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.message << "\n" << r.output;
  }
}

TEST_F(FeaturesCli, InvalidUtf8CaptionIsReplacedAndReported) {
  auto r = RunSphere(Args({"--caption", "caf\xC3 au lait \xFF\xFE", "--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["details"]["invalid_bytes_replaced"], 3);
}

}  // namespace
}  // namespace sphere
