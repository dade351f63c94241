// `sphere train value`, `sphere value` and `sphere rank` through the binary, on the real
// smi2022 months and Social Blade weeks, and the errors an operator or a scout can run into.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "testing/testing.h"

namespace sphere {
namespace {

using testing::RunSphere;
using testing::SourceDir;
using testing::TempDir;

bool Has(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

class ValueCli : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = "sqlite:" + (dir_.path() / "sphere.db").string();
    models_ = (dir_.path() / "models").string();
    auto r = RunSphere({"--store", store_, "import", (SourceDir() / "data/multi/smi2022").string(),
                        (SourceDir() / "data/youtube/socialblade_weekly.csv").string()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  std::vector<std::string> Sphere(std::vector<std::string> rest) const {
    std::vector<std::string> args = {"--store", store_};
    args.insert(args.end(), rest.begin(), rest.end());
    return args;
  }
  std::string RateCard() const { return (SourceDir() / "config/rate_card.json").string(); }

  TempDir dir_;
  std::string store_, models_;
};

TEST_F(ValueCli, TrainsValuesEveryCreatorAndRanks) {
  auto train = RunSphere(Sphere({"train", "value", "--models", models_, "--max-rounds", "100"}));
  ASSERT_EQ(train.exit_code, 0) << train.output;
  EXPECT_TRUE(Has(train.output, "| snapshots | engagement |")) << train.output;
  EXPECT_TRUE(Has(train.output, "registered"));
  auto again = RunSphere(Sphere({"train", "value", "--models", models_, "--if-absent"}));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(Has(again.output, "nothing to do"));

  const std::string csv = (dir_.path() / "values.csv").string();
  auto value = RunSphere(Sphere({"value", "--out", csv, "--rate-card", RateCard()}));
  ASSERT_EQ(value.exit_code, 0) << value.output;
  EXPECT_TRUE(Has(value.output, "creators valued")) << value.output;
  std::ifstream in(csv);
  std::string header;
  std::getline(in, header);
  for (const char* column :
       {"platform", "handle", "as_of", "horizon_days", "forecast_engagement_per_post",
        "forecast_views_per_post", "forecast_follower_gain", "fee_low", "fee_mid", "fee_high",
        "score", "tier", "momentum"}) {
    EXPECT_TRUE(Has(header, column)) << column;
  }
  int rows = 0;
  for (std::string line; std::getline(in, line);) ++rows;
  EXPECT_GT(rows, 4000);

  auto one = RunSphere(Sphere({"value", "--creator", "youtube/pewdiepie", "--horizon", "60",
                               "--rate-card", RateCard(), "--json", "--no-store"}));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const auto values = nlohmann::json::parse(one.output);
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0]["handle"], "pewdiepie");
  EXPECT_EQ(values[0]["horizon_days"], 60);
  EXPECT_EQ(values[0]["evidence"]["comparables"].size(), 5u);
  EXPECT_FALSE(values[0]["evidence"]["inputs"]["observations"].empty());

  // Two stored valuations of one creator: the history lists both, oldest as-of first.
  auto earlier = RunSphere(Sphere({"value", "--creator", "youtube/pewdiepie", "--as-of",
                                   "2022-07-01", "--rate-card", RateCard()}));
  ASSERT_EQ(earlier.exit_code, 0) << earlier.output;
  auto history =
      RunSphere(Sphere({"value", "--creator", "youtube/pewdiepie", "--history", "--json"}));
  ASSERT_EQ(history.exit_code, 0) << history.output;
  const auto stored = nlohmann::json::parse(history.output);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0]["as_of"], "2022-07-01T00:00:00Z");
  EXPECT_LT(stored[0]["as_of"].get<std::string>(), stored[1]["as_of"].get<std::string>());
  auto no_creator = RunSphere(Sphere({"value", "--history"}));
  EXPECT_EQ(no_creator.exit_code, 1);
  EXPECT_TRUE(Has(no_creator.output, "--creator")) << no_creator.output;

  auto rank = RunSphere(Sphere({"rank", "--platform", "tiktok", "--min-followers", "1000000",
                                "--sort", "momentum", "--limit", "5", "--json"}));
  ASSERT_EQ(rank.exit_code, 0) << rank.output;
  const auto ranked = nlohmann::json::parse(rank.output);
  ASSERT_EQ(ranked.size(), 5u);
  for (size_t i = 0; i < ranked.size(); ++i) {
    EXPECT_EQ(ranked[i]["platform"], "tiktok");
    EXPECT_GE(ranked[i]["followers"].get<int64_t>(), 1'000'000);
    if (i > 0)
      EXPECT_GE(ranked[i - 1]["momentum"].get<double>(), ranked[i]["momentum"].get<double>());
  }
}

TEST_F(ValueCli, ErrorsNameTheProblem) {
  auto no_model = RunSphere(Sphere({"value", "--rate-card", RateCard()}));
  EXPECT_EQ(no_model.exit_code, 1);
  EXPECT_TRUE(Has(no_model.output, "sphere train value")) << no_model.output;

  const std::string bad_card = (dir_.path() / "card.json").string();
  std::ofstream(bad_card) << R"({"currency": "USD", "platforms": {"myspace": {}}})";
  auto card = RunSphere(Sphere({"value", "--rate-card", bad_card}));
  EXPECT_EQ(card.exit_code, 1);
  EXPECT_TRUE(Has(card.output, "card.json")) << card.output;

  auto horizon = RunSphere(Sphere({"value", "--horizon", "0"}));
  EXPECT_EQ(horizon.exit_code, 2);
  EXPECT_TRUE(Has(horizon.output, "--horizon")) << horizon.output;

  auto niche = RunSphere(Sphere({"rank", "--niche", "astrology"}));
  EXPECT_EQ(niche.exit_code, 1);
  EXPECT_TRUE(Has(niche.output, "niche")) << niche.output;
  auto bounds = RunSphere(Sphere({"rank", "--min-followers", "10", "--max-followers", "5"}));
  EXPECT_EQ(bounds.exit_code, 1);
  EXPECT_TRUE(Has(bounds.output, "followers")) << bounds.output;
  auto platform = RunSphere(Sphere({"rank", "--platform", "myspace"}));
  EXPECT_EQ(platform.exit_code, 1);
  EXPECT_TRUE(Has(platform.output, "--platform")) << platform.output;
  auto as_of = RunSphere(Sphere({"value", "--as-of", "yesterday"}));
  EXPECT_NE(as_of.exit_code, 0);
  EXPECT_TRUE(Has(as_of.output, "--as-of")) << as_of.output;
}

}  // namespace
}  // namespace sphere
