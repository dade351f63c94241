#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/time.h"
#include "model/value/value_dataset.h"
#include "model/value/value_features.h"
#include "model/value/value_model.h"
#include "model/value/value_train.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::value {
namespace {

constexpr UnixSeconds kDay = kSecondsPerDay;
const UnixSeconds kT0 = DaysFromCivil(2022, 3, 15);

Observation Level(UnixSeconds at, double followers, double engagement, std::string source = "smi2022") {
  Observation o;
  o.at = at;
  o.source = std::move(source);
  o.followers = followers;
  o.engagement_per_post = engagement;
  return o;
}

Observation Gain(UnixSeconds at, double gain) {
  Observation o;
  o.at = at;
  o.source = "socialblade";
  o.followers_gain = gain;
  o.period_days = 7;
  return o;
}

TEST(ValueHistory, SummaryReadsNothingAfterAsOf) {
  CreatorHistory h;
  h.platform = Platform::kInstagram;
  h.observations = {Level(kT0, 1000, 50), Level(kT0 + 92 * kDay, 1200, 60),
                    Level(kT0 + 184 * kDay, 5000, 900)};
  const Summary s = Summarize(h, kT0 + 100 * kDay);
  ASSERT_TRUE(s.followers);
  EXPECT_EQ(s.followers->value, 1200);
  EXPECT_EQ(*s.followers_prev, 1000);
  EXPECT_DOUBLE_EQ(*s.followers_prev_days, 92);
  EXPECT_EQ(s.engagement->value, 60);
  EXPECT_EQ(s.observations, 2);
  ASSERT_TRUE(s.daily_gain);
  EXPECT_EQ(s.gain_kind, GainKind::kLevels);
  EXPECT_NEAR(*s.daily_gain, 200.0 / 92, 1e-12);
}

TEST(ValueHistory, ProfileFollowersOnlyWithoutAnyObservedCount) {
  Creator c;
  c.platform = Platform::kInstagram;
  c.handle = "kim";
  c.followers = 40'000;
  Post p;
  p.posted_at = kT0;
  p.likes = 900;
  p.comments = 100;
  Post q = p;
  q.posted_at = kT0 + 10 * kDay;
  q.likes = 1900;
  const CreatorHistory h = BuildHistory(c, "fashion", {}, {p, q});
  ASSERT_TRUE(h.profile_followers);
  const Summary s = Summarize(h, kT0 + 20 * kDay);
  EXPECT_TRUE(s.followers_from_profile);
  EXPECT_EQ(s.posts, 2);
  EXPECT_EQ(s.engagement->source, "posts");
  EXPECT_EQ(s.engagement->value, 1500);  // median of 1000 and 2000

  Snapshot snap;
  snap.taken_at = kT0 + 400 * kDay;  // after as_of: still, a dated count exists
  snap.followers = 50'000;
  snap.source = "top200_instagram";
  const CreatorHistory h2 = BuildHistory(c, "fashion", {snap}, {p, q});
  EXPECT_FALSE(h2.profile_followers);
  EXPECT_FALSE(Summarize(h2, kT0 + 20 * kDay).followers);
}

TEST(ValueHistory, WeeklyGainsGiveARateVolatilityAndAcceleration) {
  CreatorHistory h;
  h.platform = Platform::kYouTube;
  for (int w = 0; w < 12; ++w) h.observations.push_back(Gain(kT0 + 7 * w * kDay, w < 8 ? 700 : 1400));
  const Summary s = Summarize(h, kT0 + 77 * kDay);  // weeks 8..11 are the last 28 days
  ASSERT_TRUE(s.daily_gain);
  EXPECT_EQ(s.gain_kind, GainKind::kGainSeries);
  EXPECT_DOUBLE_EQ(*s.daily_gain, 200);
  EXPECT_DOUBLE_EQ(*s.daily_gain_prev_28d, 100);
  EXPECT_TRUE(s.gain_volatility);
  EXPECT_DOUBLE_EQ(*s.negative_gain_share, 0);
}

TEST(ValueHistory, InstagramSmiEngagementComesFromExtraJson) {
  Snapshot s;
  s.source = "smi2022";
  s.authentic_engagement = 10;
  s.extra_json = R"({"avg_engagement": 25.5})";
  EXPECT_EQ(SnapshotEngagement(Platform::kInstagram, s), 25.5);
  s.extra_json = "{}";
  EXPECT_FALSE(SnapshotEngagement(Platform::kInstagram, s));
  Snapshot t;
  t.avg_likes = 100;
  t.avg_comments = 5;
  EXPECT_EQ(SnapshotEngagement(Platform::kTikTok, t), 105);
}

TEST(ValueDataset, CutsPairsWeeksAndPosts) {
  std::vector<CreatorHistory> histories(3);
  histories[0].handle = "a";
  histories[0].observations = {Level(kT0, 1000, 50), Level(kT0 + 92 * kDay, 1100, 55),
                               Level(kT0 + 300 * kDay, 1200, 60)};  // 300 days: too far
  histories[1].handle = "b";
  histories[1].platform = Platform::kYouTube;
  for (int w = 0; w < 20; ++w) histories[1].observations.push_back(Gain(kT0 + 7 * w * kDay, 100));
  histories[2].handle = "c";
  for (int k = 0; k < 4; ++k) histories[2].posts.push_back({kT0 + k * kDay, 100.0 * k, {}, MediaType::kImage});
  const ValueDataset data = BuildValueDataset(std::move(histories));
  int snapshots = 0, weekly = 0, posts = 0;
  for (const ValueExample& e : data.examples) {
    snapshots += e.family == Family::kSnapshots;
    weekly += e.family == Family::kWeekly;
    posts += e.family == Family::kPosts;
    if (e.family == Family::kWeekly) {
      EXPECT_EQ(e.horizon_days, 28);
      EXPECT_DOUBLE_EQ(*e.daily_gain, 100.0 / 7);
      EXPECT_EQ(e.summary.as_of, e.as_of);
    }
  }
  EXPECT_EQ(snapshots, 1);  // 0->92; 92->300 (208 days) and 0->300 are too far apart
  // origins at weeks 7, 9, 11, 13, 15 (each needs 4 later weeks)
  EXPECT_EQ(weekly, 5);
  EXPECT_EQ(posts, 3);
  EXPECT_EQ(data.Sha256().size(), 64u);
}

TEST(ValueFeatures, VectorMatchesTheSchema) {
  CreatorHistory h;
  h.observations = {Level(kT0, 1000, 50)};
  const Summary s = Summarize(h, kT0);
  const features::FeatureVector x = ValueFeatures(Platform::kInstagram, "", s, 30, Priors{});
  ASSERT_EQ(x.size(), ValueFeatureNames().size());
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i].name, ValueFeatureNames()[i]);
  EXPECT_EQ(*x.Get("horizon.days"), 30);
  EXPECT_TRUE(std::isnan(*x.Get("niche.engagement_rate")));
}

TEST(ValueFeatures, BasesFallBackToTheNichePrior) {
  Priors priors;
  priors.engagement_rate["instagram"] = 0.02;
  priors.engagement_rate["instagram/fitness"] = 0.05;
  priors.relative_daily_gain["instagram"] = 0.001;
  Summary s;
  s.followers = value::Level{10'000, kT0, "profile"};
  const Bases b = BasesOf(Platform::kInstagram, "fitness", s, priors);
  EXPECT_FALSE(b.engagement_from_level);
  EXPECT_DOUBLE_EQ(*b.niche_rate_engagement, 500);
  EXPECT_DOUBLE_EQ(*b.log_engagement, std::log1p(500.0));
  EXPECT_DOUBLE_EQ(b.slog_daily_gain, Slog(10.0));
  EXPECT_EQ(b.last_daily_gain, 0);  // last value of a gain nobody saw: no change
  EXPECT_NEAR(Unslog(Slog(-1234.5)), -1234.5, 1e-9);
  const auto round_trip = Priors::FromJson(priors.ToJson());
  ASSERT_OK(round_trip.status());
  EXPECT_EQ(round_trip->engagement_rate, priors.engagement_rate);
  EXPECT_FALSE(Priors::FromJson(nlohmann::json::array()).ok());
}

// Creators whose engagement grows 25% per snapshot: a model that learns the trend must beat
// the last value, and the forecast must survive a save and load.
ValueDataset GrowingCreators(int n) {
  std::vector<CreatorHistory> histories;
  for (int i = 0; i < n; ++i) {
    CreatorHistory h;
    h.handle = "c" + std::to_string(i);
    h.platform = static_cast<Platform>(i % 3);
    const double f = 1000.0 * (1 + i % 97);
    // One creator in five grows: the period's median move (which training removes as the
    // market's, value_train.cc) is then "no change", and growth is a creator's own.
    const double growth = i % 5 == 0 ? 1.25 : 1.0;
    double e = f * 0.03;
    for (int m = 0; m < 4; ++m) {
      Observation o = Level(kT0 + m * 92 * kDay, f * std::pow(growth, m), e);
      if (h.platform != Platform::kInstagram) o.views_per_post = e * 10;
      h.observations.push_back(o);
      e *= growth;
    }
    histories.push_back(std::move(h));
  }
  return BuildValueDataset(std::move(histories));
}

TEST(ValueTrain, LearnsATrendBeatsLastValueAndRoundTrips) {
  const ValueDataset data = GrowingCreators(900);
  ValueTrainOptions options;
  options.max_rounds = 200;
  options.now = kT0;
  ASSERT_OK_AND_ASSIGN(TrainedValue trained, TrainValue(data, options));
  const auto metrics = nlohmann::json::parse(trained.metrics_json);
  EXPECT_FALSE(metrics["backtest"].empty()) << trained.report;
  EXPECT_FALSE(metrics["held_out_creators"].empty());

  const ValueModel& model = *trained.model;
  EXPECT_TRUE(model.has(Target::kViews));
  EXPECT_TRUE(model.has(Target::kFollowers));
  const CreatorHistory& h = data.histories[5];  // growing
  const Summary s = Summarize(h, h.observations.back().at);
  ASSERT_OK_AND_ASSIGN(ValueForecast f, model.Forecast(h.platform, h.niche, s, 92, true));
  EXPECT_GT(f.engagement.mid, f.engagement_now * 1.1);  // the trend is learned
  const CreatorHistory& flat = data.histories[6];
  ASSERT_OK_AND_ASSIGN(ValueForecast still, model.Forecast(flat.platform, flat.niche,
                                                           Summarize(flat, flat.observations.back().at), 92));
  EXPECT_NEAR(still.engagement.mid / still.engagement_now, 1.0, 0.05);
  EXPECT_LE(f.engagement.low, f.engagement.mid);
  EXPECT_GE(f.engagement.high, f.engagement.mid);
  double sum = f.bias;
  for (const Contribution& c : f.contributions) sum += c.contribution;
  EXPECT_NEAR(sum + *f.bases.log_engagement, std::log1p(f.engagement.mid), 1e-4);

  testing::TempDir dir;
  ASSERT_OK(model.Save(dir.path() / "m"));
  ASSERT_OK_AND_ASSIGN(auto loaded, ValueModel::Load(dir.path() / "m"));
  ASSERT_OK_AND_ASSIGN(ValueForecast g, loaded->Forecast(h.platform, h.niche, s, 92));
  EXPECT_DOUBLE_EQ(g.engagement.mid, f.engagement.mid);
  EXPECT_EQ(loaded->version(), model.version());

  EXPECT_THAT(model.Forecast(h.platform, h.niche, s, 0).status(),
              IsError(Code::kInvalidArgument, ::testing::HasSubstr("horizon_days")));
  EXPECT_THAT(model.Forecast(h.platform, h.niche, Summary{}, 30).status(),
              IsError(Code::kFailedPrecondition, ::testing::HasSubstr("nothing to forecast")));
  EXPECT_THAT(ValueModel::Load(dir.path() / "absent").status(),
              IsError(Code::kNotFound, ::testing::HasSubstr("sphere train value")));
  std::ofstream(dir.path() / "m" / "engagement-snapshots.json") << "{\"learner\": 1}";
  EXPECT_THAT(ValueModel::Load(dir.path() / "m").status(),
              IsError(Code::kDataLoss, ::testing::HasSubstr("engagement")));
}

TEST(ValueTrain, RefusesTooFewExamples) {
  const ValueDataset data = GrowingCreators(5);
  EXPECT_THAT(TrainValue(data, ValueTrainOptions{}).status(),
              IsError(Code::kInvalidArgument, ::testing::HasSubstr("engagement")));
}

}  // namespace
}  // namespace sphere::value
