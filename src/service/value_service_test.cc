// The Market Value use cases on real time series: the smi2022 months and Social Blade's weekly
// gains imported into a SQLite store, the forecaster trained on them, every creator valued,
// stored and ranked, end to end.
#include "service/value_service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

#include "core/time.h"
#include "market/rate_card.h"
#include "service/import_service.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::service {
namespace {

using sphere::testing::SourceDir;
using sphere::testing::TempDir;
using ::testing::HasSubstr;

class ValueServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto store = OpenStore("sqlite:" + (dir_->path() / "sphere.db").string());
    ASSERT_OK(store.status());
    store_ = store->release();
    auto files = ExpandImportPaths({SourceDir() / "data/multi/smi2022",
                                    SourceDir() / "data/youtube/socialblade_weekly.csv",
                                    SourceDir() / "data/youtube/socialblade_channels.csv"});
    ASSERT_OK(files.status());
    for (const auto& file : *files) {
      ASSERT_OK(ImportFile(*store_, file, {}).status());
    }
    TrainValueOptions options;
    options.models_dir = dir_->path() / "models";
    options.train.max_rounds = 150;
    options.train.now = DaysFromCivil(2026, 11, 26);
    auto trained = TrainValueModel(*store_, options);
    ASSERT_OK(trained.status());
    report_ = new TrainValueReport(*trained);
    auto card = market::LoadRateCard(SourceDir() / "config/rate_card.json");
    ASSERT_OK(card.status());
    card_ = new market::RateCard(*card);
  }
  static void TearDownTestSuite() {
    delete card_;
    delete report_;
    delete store_;
    delete dir_;
  }

  static inline TempDir* dir_ = nullptr;
  static inline Store* store_ = nullptr;
  static inline TrainValueReport* report_ = nullptr;
  static inline market::RateCard* card_ = nullptr;
};

TEST_F(ValueServiceTest, TrainsOnEveryFamilyAndRegisters) {
  ASSERT_NE(store_, nullptr);
  EXPECT_GT(report_->examples, 5000);
  EXPECT_THAT(report_->report, HasSubstr("| snapshots | engagement |"));
  EXPECT_THAT(report_->report, HasSubstr("| weekly | followers |"));
  EXPECT_TRUE(std::filesystem::exists(report_->model_dir / "backtest.md"));
  ASSERT_OK_AND_ASSIGN(auto model, LoadCurrentValueModel(*store_));
  EXPECT_EQ(model->version(), report_->version);
  const auto manifest = nlohmann::json::parse(model->manifest_json());
  EXPECT_EQ(manifest["kind"], "market_value");
  EXPECT_FALSE(manifest["metrics"]["backtest"].empty());
}

TEST_F(ValueServiceTest, ValuesEveryCreatorWithRangesEvidenceAndStoresThem) {
  ASSERT_OK_AND_ASSIGN(auto model, LoadCurrentValueModel(*store_));
  ValueOptions options;
  options.now = DaysFromCivil(2026, 11, 26);
  ASSERT_OK_AND_ASSIGN(ValueRun run, ValueCreators(*store_, *model, *card_, options));
  EXPECT_GT(run.valued, 4000);
  EXPECT_EQ(run.values.size(), static_cast<size_t>(run.valued));
  int with_five = 0;
  for (const MarketValue& v : run.values) {
    SCOPED_TRACE(v.creator_handle);
    ASSERT_LE(v.fee_low, v.fee_mid);
    ASSERT_LE(v.fee_mid, v.fee_high);
    ASSERT_LE(v.engagement_low, v.engagement_per_post);
    ASSERT_LE(v.engagement_per_post, v.engagement_high);
    ASSERT_GE(v.score, 0);
    ASSERT_LE(v.score, 100);
    ASSERT_TRUE(std::isfinite(v.momentum));
    EXPECT_EQ(v.model_version, model->version());
    if (v.platform != Platform::kInstagram) EXPECT_TRUE(v.views_per_post || v.fee_mid >= 0);
    const auto evidence = nlohmann::json::parse(v.evidence_json);
    ASSERT_TRUE(evidence["inputs"]["observations"].is_array());
    for (const auto& o : evidence["inputs"]["observations"]) {
      EXPECT_LE(ParseIsoTime(o["at"].get<std::string>()).value(), v.as_of);
    }
    with_five += evidence["comparables"].size() == 5;
    for (const auto& c : evidence["comparables"]) EXPECT_NE(c["handle"], v.creator_handle);
    EXPECT_FALSE(evidence["contributions"].empty());
  }
  EXPECT_GT(with_five, run.valued / 2);
  EXPECT_EQ(run.cross_checks.size(), 0u);  // no Global YouTube or top200 rows imported here

  // Stored: the history of one creator has this value, and rank reads the latest ones.
  const MarketValue& first = run.values.front();
  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> history, store_->MarketValuesOf(first.creator_id));
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.back().model_version, model->version());

  market::RankQuery query;
  query.platform = Platform::kYouTube;
  query.min_followers = 1'000'000;
  query.limit = 10;
  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> top, RankStoredValues(*store_, query));
  ASSERT_EQ(top.size(), 10u);
  for (size_t i = 0; i < top.size(); ++i) {
    EXPECT_EQ(top[i].platform, Platform::kYouTube);
    EXPECT_GE(*top[i].followers, 1'000'000);
    if (i > 0) EXPECT_GE(top[i - 1].fee_mid, top[i].fee_mid);
  }
  query.sort = market::RankSort::kMomentum;
  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> rising, RankStoredValues(*store_, query));
  for (size_t i = 1; i < rising.size(); ++i) EXPECT_GE(rising[i - 1].momentum, rising[i].momentum);
  query.niche = "not-a-niche";
  EXPECT_THAT(RankStoredValues(*store_, query).status(),
              IsError(Code::kInvalidArgument, HasSubstr("niche")));
}

TEST_F(ValueServiceTest, StreamedValuesEqualReturnedOnesAndASinkErrorStopsTheRun) {
  ASSERT_OK_AND_ASSIGN(auto model, LoadCurrentValueModel(*store_));
  ValueOptions options;
  options.now = DaysFromCivil(2026, 11, 27);
  options.write_store = false;
  ASSERT_OK_AND_ASSIGN(ValueRun returned, ValueCreators(*store_, *model, *card_, options));

  std::vector<MarketValue> streamed;
  options.on_value = [&](const MarketValue& v) {
    streamed.push_back(v);
    return Status::Ok();
  };
  ASSERT_OK_AND_ASSIGN(ValueRun run, ValueCreators(*store_, *model, *card_, options));
  EXPECT_TRUE(run.values.empty());
  EXPECT_EQ(run.valued, returned.valued);
  ASSERT_EQ(streamed.size(), returned.values.size());
  for (size_t i = 0; i < streamed.size(); ++i) {
    SCOPED_TRACE(streamed[i].creator_handle);
    EXPECT_EQ(streamed[i].creator_id, returned.values[i].creator_id);
    EXPECT_EQ(streamed[i].fee_mid, returned.values[i].fee_mid);
    EXPECT_EQ(streamed[i].score, returned.values[i].score);
    EXPECT_EQ(streamed[i].evidence_json, returned.values[i].evidence_json);
  }

  int seen = 0;
  options.on_value = [&](const MarketValue&) {
    return ++seen < 10 ? Status::Ok() : Unavailable("disk full");
  };
  EXPECT_THAT(ValueCreators(*store_, *model, *card_, options).status(),
              IsError(Code::kUnavailable, HasSubstr("disk full")));
  EXPECT_EQ(seen, 10);
}

TEST_F(ValueServiceTest, OneCreatorAsOfADateReadsNothingLater) {
  ASSERT_OK_AND_ASSIGN(auto model, LoadCurrentValueModel(*store_));
  ValueOptions options;
  options.creator = "instagram/cristiano";
  options.as_of = DaysFromCivil(2022, 7, 1);
  options.horizon_days = 60;
  options.write_store = false;
  ASSERT_OK_AND_ASSIGN(ValueRun run, ValueCreators(*store_, *model, *card_, options));
  ASSERT_EQ(run.values.size(), 1u);
  const MarketValue& v = run.values.front();
  EXPECT_EQ(v.creator_handle, "cristiano");
  EXPECT_EQ(v.as_of, DaysFromCivil(2022, 7, 1));
  EXPECT_EQ(v.horizon_days, 60);
  EXPECT_EQ(v.tier, "mega");
  const auto evidence = nlohmann::json::parse(v.evidence_json);
  ASSERT_EQ(evidence["inputs"]["observations"].size(), 2u);  // March and June only
  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> stored, store_->MarketValuesOf(v.creator_id));
  for (const MarketValue& s : stored) EXPECT_NE(s.as_of, v.as_of);  // --no-store kept out
}

TEST_F(ValueServiceTest, BadRequestsNameTheField) {
  ASSERT_OK_AND_ASSIGN(auto model, LoadCurrentValueModel(*store_));
  ValueOptions options;
  options.creator = "instagram/nobody-here";
  EXPECT_THAT(ValueCreators(*store_, *model, *card_, options).status(),
              IsError(Code::kNotFound, HasSubstr("creator")));
  options.creator = "myspace/x";
  EXPECT_THAT(ValueCreators(*store_, *model, *card_, options).status(),
              IsError(Code::kInvalidArgument, HasSubstr("myspace")));
  options.creator.reset();
  options.horizon_days = 0;
  EXPECT_THAT(ValueCreators(*store_, *model, *card_, options).status(),
              IsError(Code::kInvalidArgument, HasSubstr("horizon")));
  options.horizon_days = 30;
  options.creator = "instagram/cristiano";
  options.as_of = DaysFromCivil(2020, 1, 1);  // before any of their data
  EXPECT_THAT(ValueCreators(*store_, *model, *card_, options).status(),
              IsError(Code::kFailedPrecondition, HasSubstr("cannot be valued")));
}

TEST(ValueServiceEmpty, TrainingOnAnEmptyStoreSaysWhatToImport) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto store, OpenStore("sqlite:" + (dir.path() / "s.db").string()));
  EXPECT_THAT(TrainValueModel(*store, {}).status(),
              IsError(Code::kFailedPrecondition, HasSubstr("smi2022")));
  EXPECT_THAT(LoadCurrentValueModel(*store).status(),
              IsError(Code::kNotFound, HasSubstr("sphere train value")));
}

}  // namespace
}  // namespace sphere::service
