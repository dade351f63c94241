// The alerts backtest's arithmetic on hand-made series (precision, recall, lead time, base
// rate exact), its replay through the real alerts engine (crossings, cooldown), and the one-
// creator valuation it replays with (ValueCreatorAt: growth, momentum, no future read), on a
// small Market Value model trained on synthetic histories.
#include "service/alert_backtest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "core/time.h"
#include "market/rate_card.h"
#include "market/score.h"
#include "model/value/value_dataset.h"
#include "model/value/value_train.h"
#include "service/creator_valuation.h"
#include "store/store.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::service {
namespace {

using ::testing::HasSubstr;

constexpr UnixSeconds kDay = kSecondsPerDay;
const UnixSeconds kT0 = DaysFromCivil(2022, 3, 15);

// A creator whose observed value is values[i] on day 7 * i.
ReplayedCreator Weekly(const std::vector<double>& values) {
  ReplayedCreator c;
  c.key = "instagram/weekly";
  for (size_t i = 0; i < values.size(); ++i) {
    ReplayPoint p;
    p.state.creator_id = 1;
    p.state.as_of = kT0 + static_cast<int64_t>(i) * 7 * kDay;
    p.observed = values[i];
    c.points.push_back(p);
  }
  return c;
}

UnixSeconds Week(int i) { return kT0 + i * 7 * kDay; }

TEST(AlertBacktestScore, PrecisionRecallAndLeadTimeOnAHandMadeSeries) {
  // Days 0..42. Followed by a +30% within 14 days: weeks 0, 1, 4, 5. Spike dates: week 2
  // (vs 0 and 1), week 3 (vs 1), week 6 (vs 4); onsets: weeks 2 and 6 (week 3 follows one).
  const ReplayedCreator c = Weekly({100, 100, 140, 140, 100, 100, 200});
  // Week 6 has nothing after it: not judgeable, its flag is not counted.
  const RuleScore s = ScoreCreator(c, {Week(0), Week(3), Week(5), Week(6)}, 0.3, 14);
  EXPECT_EQ(s.states, 6);
  EXPECT_EQ(s.flags, 3);
  EXPECT_EQ(s.hits, 2);  // weeks 0 and 5; week 3 is followed by a fall
  EXPECT_DOUBLE_EQ(s.precision(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(s.flag_rate(), 3.0 / 6);
  EXPECT_EQ(s.onsets, 2);
  EXPECT_EQ(s.caught, 2);
  EXPECT_DOUBLE_EQ(s.recall(), 1.0);
  ASSERT_EQ(s.leads_days.size(), 2u);
  EXPECT_DOUBLE_EQ(s.leads_days[0], 14);  // week 0 -> week 2
  EXPECT_DOUBLE_EQ(s.leads_days[1], 7);   // week 5 -> week 6
  EXPECT_DOUBLE_EQ(s.median_lead(), 10.5);
  EXPECT_DOUBLE_EQ(s.mean_lead(), 10.5);

  const BaseRate base = BaseRateOf(c, 0.3, 14);
  EXPECT_EQ(base.states, 6);
  EXPECT_EQ(base.followed, 4);
}

TEST(AlertBacktestScore, AFlagOutsideTheWindowNeitherHitsNorCatches) {
  const ReplayedCreator c = Weekly({100, 100, 140, 140, 100, 100, 200});
  // A 7-day window: week 0 is followed by week 1 only (no spike); the onsets are week 2 (vs
  // week 1) and week 6 (vs week 5), each caught only by a flag the week before it.
  const RuleScore s = ScoreCreator(c, {Week(0)}, 0.3, 7);
  EXPECT_EQ(s.flags, 1);
  EXPECT_EQ(s.hits, 0);
  EXPECT_EQ(s.onsets, 2);  // weeks 2 and 6
  EXPECT_EQ(s.caught, 0);
  EXPECT_TRUE(std::isnan(s.median_lead()));
  const RuleScore none = ScoreCreator(c, {}, 0.3, 7);
  EXPECT_TRUE(std::isnan(none.precision()));
  EXPECT_EQ(none.onsets, 2);
  EXPECT_DOUBLE_EQ(none.recall(), 0);

  RuleScore sum;
  Add(sum, s);
  Add(sum, ScoreCreator(c, {Week(1), Week(5)}, 0.3, 7));
  EXPECT_EQ(sum.flags, 3);
  EXPECT_EQ(sum.hits, 2);
  EXPECT_EQ(sum.caught, 2);
  EXPECT_DOUBLE_EQ(sum.mean_lead(), 7);
}

TEST(AlertBacktestScore, AZeroOrUnknownValueIsNeverJudged) {
  ReplayedCreator c = Weekly({0, 100, 100});
  c.points[2].observed.reset();
  // Week 0 is 0 (no ratio from nothing), week 1 has no observed value after it.
  const RuleScore s = ScoreCreator(c, {Week(0), Week(1)}, 0.3, 14);
  EXPECT_EQ(s.states, 0);
  EXPECT_EQ(s.flags, 0);
  EXPECT_EQ(s.onsets, 0);
}

alerts::Rule Above(int64_t id, alerts::Metric metric, double threshold, int64_t cooldown) {
  alerts::Rule rule;
  rule.id = id;
  rule.owner_user_id = 1;
  rule.name = "r" + std::to_string(id);
  alerts::ScoutScope scope;
  scope.conditions.push_back({metric, alerts::Op::kAbove, threshold});
  rule.scope = scope;
  rule.cooldown_seconds = cooldown;
  return rule;
}

TEST(AlertBacktestReplay, RulesFireOnCrossingsThroughTheEngineWithTheirCooldown) {
  ReplayedCreator a = Weekly({1, 1, 1, 1, 1});
  const double momentum[] = {0.0, 0.5, 0.6, 0.0, 0.5};
  for (size_t i = 0; i < a.points.size(); ++i) a.points[i].state.momentum = momentum[i];
  ReplayedCreator b = Weekly({1, 1});
  for (ReplayPoint& p : b.points) {
    p.state.creator_id = 2;
    p.state.momentum = 0.9;  // above from the first date: one crossing
  }
  const std::vector<alerts::Rule> rules = {
      Above(10, alerts::Metric::kMomentum, 0.3, 0),
      Above(11, alerts::Metric::kMomentum, 0.3, 28 * kDay),
      Above(12, alerts::Metric::kGrowth, 0.0, 0)};  // growth unknown throughout: never fires
  ASSERT_OK_AND_ASSIGN(std::vector<FlagDates> flags, ReplayRules({a, b}, rules));
  ASSERT_EQ(flags.size(), 3u);
  EXPECT_EQ(flags[0][0], (std::vector<UnixSeconds>{Week(1), Week(4)}));  // held at week 2
  EXPECT_EQ(flags[0][1], (std::vector<UnixSeconds>{Week(0)}));
  EXPECT_EQ(flags[1][0], (std::vector<UnixSeconds>{Week(1)}));  // week 4 is 21 days later
  EXPECT_TRUE(flags[2][0].empty());
  EXPECT_TRUE(flags[2][1].empty());

  EXPECT_THAT(ReplayRules({a, a}, rules).status(),
              IsError(Code::kInvalidArgument, HasSubstr("twice")));
  EXPECT_THAT(ReplayRules({a}, {rules[0], rules[0]}).status(),
              IsError(Code::kInvalidArgument, HasSubstr("twice")));
}

// Creators of the three platforms on the smi2022 months (views per post on the video ones);
// one in five grows 25% a month. Enough for a model that forecasts growth for the growers.
value::ValueDataset GrowingCreators(int n) {
  std::vector<value::CreatorHistory> histories;
  for (int i = 0; i < n; ++i) {
    value::CreatorHistory h;
    h.creator_id = i + 1;
    h.handle = "c" + std::to_string(i);
    h.platform = static_cast<Platform>(i % 3);
    const double f = 1000.0 * (1 + i % 97);
    const double growth = i % 5 == 0 ? 1.25 : 1.0;
    double e = f * 0.03;
    for (int m = 0; m < 4; ++m) {
      value::Observation o;
      o.at = kT0 + m * 92 * kDay;
      o.source = "smi2022";
      o.followers = f * std::pow(growth, m);
      o.engagement_per_post = e;
      if (h.platform != Platform::kInstagram) o.views_per_post = e * 10;
      h.observations.push_back(o);
      e *= growth;
    }
    histories.push_back(std::move(h));
  }
  return value::BuildValueDataset(std::move(histories));
}

class CreatorValuationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    value::ValueTrainOptions options;
    options.max_rounds = 60;
    options.now = kT0;
    auto trained = value::TrainValue(GrowingCreators(600), options);
    ASSERT_OK(trained.status());
    model_ = new std::shared_ptr<const value::ValueModel>(trained->model);
    auto card = market::LoadRateCard(sphere::testing::SourceDir() / "config/rate_card.json");
    ASSERT_OK(card.status());
    card_ = new market::RateCard(*card);
  }
  static void TearDownTestSuite() {
    delete model_;
    delete card_;
  }
  static const value::ValueModel& model() { return **model_; }

  static value::CreatorHistory HistoryOf(const std::vector<double>& engagement) {
    value::CreatorHistory h;
    h.creator_id = 7;
    h.handle = "grower";
    h.platform = Platform::kInstagram;
    for (size_t m = 0; m < engagement.size(); ++m) {
      value::Observation o;
      o.at = kT0 + static_cast<int64_t>(m) * 92 * kDay;
      o.source = "smi2022";
      o.followers = 10'000;
      o.engagement_per_post = engagement[m];
      h.observations.push_back(o);
    }
    return h;
  }

  static inline std::shared_ptr<const value::ValueModel>* model_ = nullptr;
  static inline market::RateCard* card_ = nullptr;
};

TEST_F(CreatorValuationTest, GrowthIsTheLastPeriodsChangeAndMomentumTheForecasts) {
  const value::CreatorHistory h = HistoryOf({100, 150, 150});
  ASSERT_OK_AND_ASSIGN(CreatorValuation first, ValueCreatorAt(model(), *card_, h, kT0, 30));
  EXPECT_FALSE(first.growth.has_value());  // no previous level yet
  const UnixSeconds second_month = kT0 + 92 * kDay;
  ASSERT_OK_AND_ASSIGN(CreatorValuation v, ValueCreatorAt(model(), *card_, h, second_month, 30));
  ASSERT_TRUE(v.growth.has_value());
  EXPECT_DOUBLE_EQ(*v.growth, 0.5);  // 150 / 100 - 1
  EXPECT_DOUBLE_EQ(v.forecast.engagement_now, 150);
  EXPECT_EQ(v.fee.basis, "cpe");
  ASSERT_OK_AND_ASSIGN(market::Fee now, market::PriceFee(*card_, h.platform, v.format, h.niche,
                                                         {150, 150, 150}, std::nullopt));
  EXPECT_DOUBLE_EQ(v.fee_now, now.mid);
  EXPECT_DOUBLE_EQ(v.momentum, market::Momentum(v.fee_now, v.fee.mid));
  ASSERT_TRUE(v.engagement_rate.has_value());
  EXPECT_DOUBLE_EQ(*v.engagement_rate, 150.0 / 10'000);
  ASSERT_TRUE(v.followers.has_value());
  EXPECT_DOUBLE_EQ(*v.followers, 10'000);
  // Two equal follower counts 92 days apart: a known gain of 0.
  ASSERT_TRUE(v.follower_growth.has_value());
  EXPECT_DOUBLE_EQ(*v.follower_growth, 0);
}

TEST_F(CreatorValuationTest, ReasonsWhenACreatorCannotBeValued) {
  const value::CreatorHistory h = HistoryOf({100});
  EXPECT_THAT(ValueCreatorAt(model(), *card_, h, 0, 30).status(),
              IsError(Code::kFailedPrecondition, HasSubstr("no dated observation")));
  value::CreatorHistory empty;
  empty.handle = "nobody";
  EXPECT_THAT(ValueCreatorAt(model(), *card_, empty, kT0, 30).status(),
              IsError(Code::kFailedPrecondition, HasSubstr("neither an engagement level")));
  EXPECT_THAT(ValueCreatorAt(model(), *card_, h, kT0, 0).status(),
              IsError(Code::kInvalidArgument, HasSubstr("horizon")));
}

TEST_F(CreatorValuationTest, AReplayedStateReadsNothingAfterItsDate) {
  const value::CreatorHistory calm = HistoryOf({100, 110, 120, 130});
  value::CreatorHistory wild = HistoryOf({100, 110, 5000, 10});
  const std::vector<UnixSeconds> dates = SeriesDates(calm, "smi2022");
  ASSERT_EQ(dates.size(), 4u);
  ASSERT_OK_AND_ASSIGN(ReplayedCreator a,
                       ReplayCreator(model(), *card_, calm, dates, ObservedQuantity::kFeeNow, 30));
  ASSERT_OK_AND_ASSIGN(ReplayedCreator b,
                       ReplayCreator(model(), *card_, wild, dates, ObservedQuantity::kFeeNow, 30));
  ASSERT_EQ(a.points.size(), 4u);
  for (size_t i = 0; i < 2; ++i) {  // the histories agree up to the second month
    const alerts::CreatorState& x = a.points[i].state;
    const alerts::CreatorState& y = b.points[i].state;
    EXPECT_EQ(x.as_of, dates[i]);
    EXPECT_EQ(x.value, y.value);
    EXPECT_EQ(x.momentum, y.momentum);
    EXPECT_EQ(x.growth, y.growth);
    EXPECT_EQ(x.follower_growth, y.follower_growth);
    EXPECT_EQ(a.points[i].observed, b.points[i].observed);
  }
  EXPECT_NE(a.points[2].state.value, b.points[2].state.value);
  EXPECT_EQ(a.points[1].state.value, a.points[1].observed);  // value is fee_now, observed
  EXPECT_EQ(a.key, "instagram/grower");
}

TEST_F(CreatorValuationTest, ViewsGainObservedOverTheLastFourWeeksUpToTheDate) {
  value::CreatorHistory h;
  h.creator_id = 9;
  h.handle = "channel";
  h.platform = Platform::kYouTube;
  h.profile_followers = 50'000;
  const double gains[] = {100, 200, 300, 400, 500, 9000};
  for (int w = 0; w < 6; ++w) {
    value::Observation o;
    o.at = Week(w);
    o.source = "socialblade";
    o.followers_gain = 10;
    o.views_gain = gains[w];
    o.period_days = 7;
    h.observations.push_back(o);
  }
  const std::vector<UnixSeconds> dates = SeriesDates(h, "socialblade");
  ASSERT_OK_AND_ASSIGN(ReplayedCreator r, ReplayCreator(model(), *card_, h, dates,
                                                        ObservedQuantity::kViewsGain4w, 30));
  ASSERT_EQ(r.points.size(), 6u);
  EXPECT_DOUBLE_EQ(*r.points[0].observed, 100);
  EXPECT_DOUBLE_EQ(*r.points[1].observed, 150);
  EXPECT_DOUBLE_EQ(*r.points[4].observed, (200 + 300 + 400 + 500) / 4.0);  // weeks 1-4
  // Priced from the niche prior (no level): no momentum to grow from, no growth.
  ASSERT_TRUE(r.points[4].state.value.has_value());
  EXPECT_EQ(r.points[4].state.momentum, 0.0);
  EXPECT_FALSE(r.points[4].state.growth.has_value());
}

// A store with two TikTok creators on the smi2022 months (one doubles its engagement every
// month) and a Social Blade channel with weekly gains only, replayed end to end.
TEST_F(CreatorValuationTest, BacktestsAStoreAndSaysWhenASourceCannotBeValued) {
  sphere::testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store,
                       OpenStore("sqlite:" + (dir.path() / "sphere.db").string()));
  ImportBatch batch;
  for (const std::string handle : {"steady", "doubler"}) {
    Creator c;
    c.platform = Platform::kTikTok;
    c.handle = handle;
    c.source = "test";
    batch.creators.push_back(c);
    double likes = 1000;
    for (int m = 0; m < 4; ++m) {
      Snapshot s;
      s.platform = Platform::kTikTok;
      s.creator_handle = handle;
      s.source = "smi2022";
      s.taken_at = kT0 + m * 92 * kDay;
      s.followers = 100'000;
      s.avg_likes = likes;
      s.avg_comments = 10;
      s.avg_views = likes * 10;
      s.extra_json = "{}";
      batch.snapshots.push_back(s);
      if (handle == "doubler") likes *= 2;
    }
  }
  Creator channel;
  channel.platform = Platform::kYouTube;
  channel.handle = "channel";
  channel.source = "test";
  batch.creators.push_back(channel);
  for (int w = 0; w < 10; ++w) {
    Snapshot s;
    s.platform = Platform::kYouTube;
    s.creator_handle = "channel";
    s.source = "socialblade";
    s.taken_at = Week(w);
    s.followers_gain = 100;
    s.views_gain = 1000 * (w + 1);
    s.period_days = 7;
    s.extra_json = "{}";
    batch.snapshots.push_back(s);
  }
  Creator nothing;  // no snapshot, post or follower count: no history
  nothing.platform = Platform::kInstagram;
  nothing.handle = "nothing";
  nothing.source = "test";
  batch.creators.push_back(nothing);
  ASSERT_OK(store->WriteBatch(batch).status());

  ASSERT_OK_AND_ASSIGN(std::optional<Creator> doubler,
                       store->FindCreator(Platform::kTikTok, "doubler"));
  ASSERT_TRUE(doubler.has_value());
  ASSERT_OK_AND_ASSIGN(std::optional<value::CreatorHistory> history,
                       LoadCreatorHistory(*store, *doubler));
  ASSERT_TRUE(history.has_value());
  EXPECT_EQ(SeriesDates(*history, "smi2022").size(), 4u);
  ASSERT_OK_AND_ASSIGN(std::optional<Creator> none,
                       store->FindCreator(Platform::kInstagram, "nothing"));
  ASSERT_OK_AND_ASSIGN(std::optional<value::CreatorHistory> no_history,
                       LoadCreatorHistory(*store, *none));
  EXPECT_FALSE(no_history.has_value());

  AlertBacktestOptions options;
  options.bootstrap = 20;
  ASSERT_OK_AND_ASSIGN(AlertBacktestReport report,
                       RunAlertBacktest(*store, model(), *card_, options));
  EXPECT_THAT(report.markdown, HasSubstr("## Source `smi2022`"));
  EXPECT_THAT(report.markdown, HasSubstr("2 creators"));
  EXPECT_THAT(report.markdown, HasSubstr("8 states, 8 valued"));
  // The doubler is followed by a spike at each of its 3 judgeable months, the steady one never.
  EXPECT_THAT(report.markdown, HasSubstr("all creators 0.500 (3/6)"));
  EXPECT_THAT(report.markdown, HasSubstr("| forecast (momentum) |"));
  EXPECT_THAT(report.markdown, HasSubstr("## Source `socialblade`"));
  EXPECT_THAT(report.markdown, HasSubstr("No state of this source could be valued"));

  options.spike = 0;
  EXPECT_THAT(RunAlertBacktest(*store, model(), *card_, options).status(),
              IsError(Code::kInvalidArgument, HasSubstr("spike")));
  options.spike = 0.3;
  options.matched_share = 1;
  EXPECT_THAT(RunAlertBacktest(*store, model(), *card_, options).status(),
              IsError(Code::kInvalidArgument, HasSubstr("matched_share")));
}

}  // namespace
}  // namespace sphere::service
