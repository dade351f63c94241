#include "alerts/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "testing/status_matchers.h"

namespace sphere::alerts {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr UnixSeconds kT0 = 1'700'000'000;
constexpr int64_t kHour = 3600;

Rule CreatorRule(int64_t id, int64_t creator_id, Metric metric, Op op, double threshold,
                 int64_t cooldown_seconds = kDefaultCooldownSeconds) {
  Rule rule;
  rule.id = id;
  rule.owner_user_id = 100 + id;
  rule.name = "rule " + std::to_string(id);
  rule.scope = CreatorScope{creator_id, {metric, op, threshold}};
  rule.cooldown_seconds = cooldown_seconds;
  return rule;
}

Rule ScoutRule(int64_t id, ScoutScope scope, int64_t cooldown_seconds = kDefaultCooldownSeconds) {
  Rule rule;
  rule.id = id;
  rule.owner_user_id = 100 + id;
  rule.name = "scout " + std::to_string(id);
  if (scope.conditions.empty()) scope.conditions.push_back({Metric::kMomentum, Op::kAbove, 0.3});
  rule.scope = std::move(scope);
  rule.cooldown_seconds = cooldown_seconds;
  return rule;
}

CreatorState State(int64_t creator_id, Platform platform = Platform::kInstagram,
                   std::string niche = "fitness", std::optional<double> followers = 50'000) {
  CreatorState s;
  s.creator_id = creator_id;
  s.platform = platform;
  s.handle = "creator" + std::to_string(creator_id);
  s.niche = std::move(niche);
  s.followers = followers;
  s.as_of = kT0;
  return s;
}

RuleIndex IndexOf(std::vector<Rule> rules) {
  RuleIndex index;
  for (Rule& rule : rules) EXPECT_OK(index.Add(std::move(rule)));
  return index;
}

std::vector<int64_t> CandidateIds(const RuleIndex& index, const CreatorState& creator) {
  std::vector<const Rule*> out;
  index.Candidates(creator, &out);
  std::vector<int64_t> ids;
  for (const Rule* r : out) ids.push_back(r->id);
  return ids;
}

// Drives one creator through Evaluate with the states kept as a store would keep them.
class Driver {
 public:
  explicit Driver(const RuleIndex* index) : index_(index) {}

  // Evaluates and applies the changed states; returns this step's evaluation.
  Evaluation Step(const CreatorState& creator, UnixSeconds now) {
    Evaluation eval;
    Evaluate(*index_, creator, states_, now, &eval);
    for (const AlertState& s : eval.states) {
      auto it = std::find_if(states_.begin(), states_.end(), [&](const AlertState& k) {
        return k.rule_id == s.rule_id && k.creator_id == s.creator_id;
      });
      if (it == states_.end()) {
        states_.push_back(s);
      } else {
        *it = s;
      }
    }
    return eval;
  }
  const std::vector<AlertState>& states() const { return states_; }

 private:
  const RuleIndex* index_;
  std::vector<AlertState> states_;
};

TEST(CreatorState, GetReadsEachMetricAndTreatsNonFiniteAsUnknown) {
  CreatorState s;
  s.engagement_rate = 0.03;
  s.followers = 1000;
  s.market_score = 55;
  s.value = 120;
  s.follower_growth = 0.1;
  s.growth = -0.2;
  s.momentum = std::nan("");
  EXPECT_EQ(s.Get(Metric::kEngagementRate), 0.03);
  EXPECT_EQ(s.Get(Metric::kFollowerCount), 1000);
  EXPECT_EQ(s.Get(Metric::kMarketScore), 55);
  EXPECT_EQ(s.Get(Metric::kValue), 120);
  EXPECT_EQ(s.Get(Metric::kFollowerGrowth), 0.1);
  EXPECT_EQ(s.Get(Metric::kGrowth), -0.2);
  EXPECT_EQ(s.Get(Metric::kMomentum), std::nullopt);
  s.value = INFINITY;
  EXPECT_EQ(s.Get(Metric::kValue), std::nullopt);
}

TEST(RuleIndex, AddRefusesAnInvalidRule) {
  RuleIndex index;
  EXPECT_THAT(index.Add(CreatorRule(1, 0, Metric::kValue, Op::kAbove, 1)),
              IsError(Code::kInvalidArgument, ::testing::StartsWith("creator_id:")));
  EXPECT_EQ(index.size(), 0u);
}

TEST(RuleIndex, AddReplacesTheRuleWithTheSameId) {
  RuleIndex index = IndexOf({CreatorRule(1, 7, Metric::kValue, Op::kAbove, 1)});
  ASSERT_OK(index.Add(CreatorRule(1, 8, Metric::kValue, Op::kAbove, 1)));
  EXPECT_EQ(index.size(), 1u);
  EXPECT_THAT(CandidateIds(index, State(7)), IsEmpty());
  EXPECT_THAT(CandidateIds(index, State(8)), ElementsAre(1));
  EXPECT_EQ(std::get<CreatorScope>(index.Find(1)->scope).creator_id, 8);
}

TEST(RuleIndex, RemoveTakesTheRuleOutOfEveryLookup) {
  ScoutScope any;
  RuleIndex index = IndexOf({CreatorRule(1, 7, Metric::kValue, Op::kAbove, 1), ScoutRule(2, any)});
  EXPECT_TRUE(index.Remove(1));
  EXPECT_FALSE(index.Remove(1));
  EXPECT_EQ(index.Find(1), nullptr);
  EXPECT_THAT(CandidateIds(index, State(7)), ElementsAre(2));
  EXPECT_TRUE(index.Remove(2));
  EXPECT_THAT(CandidateIds(index, State(7)), IsEmpty());
  EXPECT_FALSE(index.MayMatch(7, Platform::kInstagram, "fitness"));
  EXPECT_EQ(index.size(), 0u);
}

TEST(RuleIndex, CreatorRulesAreCandidatesOfTheirCreatorOnly) {
  RuleIndex index = IndexOf({CreatorRule(1, 7, Metric::kValue, Op::kAbove, 1),
                             CreatorRule(2, 7, Metric::kMarketScore, Op::kBelow, 10),
                             CreatorRule(3, 8, Metric::kValue, Op::kAbove, 1)});
  EXPECT_THAT(CandidateIds(index, State(7)), UnorderedElementsAre(1, 2));
  EXPECT_THAT(CandidateIds(index, State(8)), ElementsAre(3));
  EXPECT_THAT(CandidateIds(index, State(9)), IsEmpty());
}

TEST(RuleIndex, ScoutBucketsFilterPlatformAndNicheWithWildcards) {
  ScoutScope ig_fitness{Platform::kInstagram, "fitness"};
  ScoutScope ig_any{Platform::kInstagram, std::nullopt};
  ScoutScope any_fitness{std::nullopt, "fitness"};
  ScoutScope any_any;
  ScoutScope tt_fitness{Platform::kTikTok, "fitness"};
  ScoutScope ig_food{Platform::kInstagram, "food"};
  RuleIndex index =
      IndexOf({ScoutRule(1, ig_fitness), ScoutRule(2, ig_any), ScoutRule(3, any_fitness),
               ScoutRule(4, any_any), ScoutRule(5, tt_fitness), ScoutRule(6, ig_food)});
  EXPECT_THAT(CandidateIds(index, State(1, Platform::kInstagram, "fitness")),
              UnorderedElementsAre(1, 2, 3, 4));
  EXPECT_THAT(CandidateIds(index, State(1, Platform::kTikTok, "fitness")),
              UnorderedElementsAre(3, 4, 5));
  EXPECT_THAT(CandidateIds(index, State(1, Platform::kYouTube, "gaming")), ElementsAre(4));
  // A creator of unknown niche matches only rules that name no niche.
  EXPECT_THAT(CandidateIds(index, State(1, Platform::kInstagram, "")), UnorderedElementsAre(2, 4));
  // A raw source category counts as the niche it maps to ("fitness & gym" is fitness).
  EXPECT_THAT(CandidateIds(index, State(1, Platform::kInstagram, "fitness & gym")),
              UnorderedElementsAre(1, 2, 3, 4));
}

TEST(RuleIndex, ScoutFollowerRangeAndTierFilter) {
  ScoutScope micro;
  micro.tier = FollowerTier::kMicro;  // 10k <= f < 100k
  ScoutScope under_20k;
  under_20k.followers_max = 20'000;
  ScoutScope from_20k;
  from_20k.followers_min = 20'000;
  ScoutScope unbounded;
  RuleIndex index = IndexOf({ScoutRule(1, micro), ScoutRule(2, under_20k), ScoutRule(3, from_20k),
                             ScoutRule(4, unbounded)});
  EXPECT_THAT(CandidateIds(index, State(1, Platform::kInstagram, "fitness", 5'000)),
              UnorderedElementsAre(2, 4));
  EXPECT_THAT(CandidateIds(index, State(1, Platform::kInstagram, "fitness", 20'000)),
              UnorderedElementsAre(1, 2, 3, 4));  // both bounds are inclusive
  EXPECT_THAT(CandidateIds(index, State(1, Platform::kInstagram, "fitness", 150'000)),
              UnorderedElementsAre(3, 4));
  // Unknown followers: only the rule with no bound and no tier.
  EXPECT_THAT(CandidateIds(index, State(1, Platform::kInstagram, "fitness", std::nullopt)),
              ElementsAre(4));
  EXPECT_THAT(CandidateIds(index, State(1, Platform::kInstagram, "fitness", std::nan(""))),
              ElementsAre(4));
}

TEST(RuleIndex, DisabledRulesAreKeptButNeverCandidates) {
  Rule creator = CreatorRule(1, 7, Metric::kValue, Op::kAbove, 1);
  creator.enabled = false;
  Rule scout = ScoutRule(2, ScoutScope{});
  scout.enabled = false;
  RuleIndex index = IndexOf({creator, scout});
  EXPECT_EQ(index.size(), 2u);
  ASSERT_NE(index.Find(1), nullptr);
  EXPECT_THAT(CandidateIds(index, State(7)), IsEmpty());
  EXPECT_FALSE(index.MayMatch(7, Platform::kInstagram, "fitness"));
  // Enabling it again is a replace.
  creator.enabled = true;
  ASSERT_OK(index.Add(creator));
  EXPECT_THAT(CandidateIds(index, State(7)), ElementsAre(1));
}

TEST(RuleIndex, CandidatesAppendAndListEachRuleOnce) {
  ScoutScope any;
  RuleIndex index = IndexOf({CreatorRule(1, 7, Metric::kValue, Op::kAbove, 1), ScoutRule(2, any)});
  std::vector<const Rule*> out = {nullptr};
  index.Candidates(State(7), &out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], nullptr);
  EXPECT_NE(out[1]->id, out[2]->id);
}

TEST(RuleIndex, MayMatchAnswersForIdsAndBuckets) {
  ScoutScope tt_gaming{Platform::kTikTok, "gaming"};
  RuleIndex index =
      IndexOf({CreatorRule(1, 7, Metric::kValue, Op::kAbove, 1), ScoutRule(2, tt_gaming)});
  EXPECT_TRUE(index.MayMatch(7, Platform::kYouTube, ""));
  EXPECT_TRUE(index.MayMatch(8, Platform::kTikTok, "gaming"));
  EXPECT_FALSE(index.MayMatch(8, Platform::kTikTok, "food"));
  EXPECT_FALSE(index.MayMatch(8, Platform::kInstagram, "gaming"));
  ASSERT_OK(index.Add(ScoutRule(3, ScoutScope{std::nullopt, "food"})));
  EXPECT_TRUE(index.MayMatch(8, Platform::kTikTok, "food"));
}

TEST(RuleIndex, MemoryBytesCountsRulesAndTheirStrings) {
  RuleIndex index;
  const size_t empty = index.MemoryBytes();
  for (int i = 1; i <= 1000; ++i) {
    ASSERT_OK(index.Add(CreatorRule(i, i, Metric::kValue, Op::kAbove, 1)));
  }
  const size_t thousand = index.MemoryBytes();
  EXPECT_GE(thousand - empty, 1000 * sizeof(Rule));
  Rule long_name = CreatorRule(5000, 1, Metric::kValue, Op::kAbove, 1);
  long_name.name = std::string(150, 'x');
  ASSERT_OK(index.Add(long_name));
  EXPECT_GE(index.MemoryBytes(), thousand + 150);
}

// ---- Evaluate: crossings, cooldown, drop_by ----

TEST(Evaluate, FirstCrossingFiresAndStayingInsideDoesNot) {
  RuleIndex index = IndexOf({CreatorRule(1, 7, Metric::kMarketScore, Op::kAbove, 80)});
  Driver driver(&index);
  CreatorState s = State(7);
  s.market_score = 70;
  Evaluation e = driver.Step(s, kT0);
  EXPECT_THAT(e.firings, IsEmpty());
  EXPECT_THAT(e.states, IsEmpty());  // outside and no state: nothing to write

  s.market_score = 85;
  e = driver.Step(s, kT0 + 10);
  ASSERT_EQ(e.firings.size(), 1u);
  EXPECT_EQ(e.firings[0].rule_id, 1);
  EXPECT_EQ(e.firings[0].owner_user_id, 101);
  EXPECT_EQ(e.firings[0].creator_id, 7);
  EXPECT_EQ(e.firings[0].at, kT0 + 10);
  ASSERT_EQ(e.states.size(), 1u);
  EXPECT_TRUE(e.states[0].inside);
  EXPECT_EQ(e.states[0].last_fired_at, kT0 + 10);
  EXPECT_EQ(e.states[0].updated_at, kT0 + 10);
  EXPECT_EQ(e.states[0].reference, std::nullopt);

  s.market_score = 90;
  e = driver.Step(s, kT0 + 20);
  EXPECT_THAT(e.firings, IsEmpty());
  EXPECT_THAT(e.states, IsEmpty());  // unchanged: not rewritten
}

TEST(Evaluate, FirstEvaluationInsideFires) {
  RuleIndex index = IndexOf({CreatorRule(1, 7, Metric::kValue, Op::kBelow, 100)});
  CreatorState s = State(7);
  s.value = 50;
  Evaluation e;
  Evaluate(index, s, {}, kT0, &e);
  EXPECT_EQ(e.firings.size(), 1u);
}

TEST(Evaluate, LeavingAndReenteringFiresAgain) {
  RuleIndex index = IndexOf({CreatorRule(1, 7, Metric::kValue, Op::kAbove, 100, kHour)});
  Driver driver(&index);
  CreatorState s = State(7);
  s.value = 150;
  EXPECT_EQ(driver.Step(s, kT0).firings.size(), 1u);
  s.value = 90;
  Evaluation e = driver.Step(s, kT0 + 2 * kHour);
  EXPECT_THAT(e.firings, IsEmpty());
  ASSERT_EQ(e.states.size(), 1u);
  EXPECT_FALSE(e.states[0].inside);
  EXPECT_EQ(e.states[0].last_fired_at, kT0);  // kept for the cooldown
  s.value = 120;
  e = driver.Step(s, kT0 + 4 * kHour);
  ASSERT_EQ(e.firings.size(), 1u);
  EXPECT_EQ(e.firings[0].at, kT0 + 4 * kHour);
}

TEST(Evaluate, ReenteringWithinTheCooldownIsRecordedNotAnnounced) {
  RuleIndex index = IndexOf({CreatorRule(1, 7, Metric::kValue, Op::kAbove, 100, 24 * kHour)});
  Driver driver(&index);
  CreatorState s = State(7);
  s.value = 150;
  ASSERT_EQ(driver.Step(s, kT0).firings.size(), 1u);
  s.value = 90;
  driver.Step(s, kT0 + kHour);
  s.value = 150;
  Evaluation e = driver.Step(s, kT0 + 2 * kHour);  // crosses again within 24 h
  EXPECT_THAT(e.firings, IsEmpty());
  ASSERT_EQ(e.states.size(), 1u);
  EXPECT_TRUE(e.states[0].inside);
  EXPECT_EQ(e.states[0].last_fired_at, kT0);
  // Still inside after the cooldown: no event, the crossing was already counted.
  EXPECT_THAT(driver.Step(s, kT0 + 30 * kHour).firings, IsEmpty());
  // Out and in again after the cooldown: fires.
  s.value = 90;
  driver.Step(s, kT0 + 31 * kHour);
  s.value = 150;
  EXPECT_EQ(driver.Step(s, kT0 + 32 * kHour).firings.size(), 1u);
}

TEST(Evaluate, ZeroCooldownFiresOnEveryCrossing) {
  RuleIndex index = IndexOf({CreatorRule(1, 7, Metric::kValue, Op::kAbove, 100, 0)});
  Driver driver(&index);
  CreatorState s = State(7);
  int fired = 0;
  for (int i = 0; i < 6; ++i) {
    s.value = i % 2 == 0 ? 150 : 50;
    fired += static_cast<int>(driver.Step(s, kT0).firings.size());
  }
  EXPECT_EQ(fired, 3);
}

TEST(Evaluate, AboveAndBelowAreStrict) {
  RuleIndex index = IndexOf({CreatorRule(1, 7, Metric::kValue, Op::kAbove, 100),
                             CreatorRule(2, 7, Metric::kValue, Op::kBelow, 100)});
  CreatorState s = State(7);
  s.value = 100;
  Evaluation e;
  Evaluate(index, s, {}, kT0, &e);
  EXPECT_THAT(e.firings, IsEmpty());
}

TEST(Evaluate, DropByTracksThePeakAndFiresOnTheDrop) {
  RuleIndex index =
      IndexOf({CreatorRule(1, 7, Metric::kEngagementRate, Op::kDropBy, 0.2, /*cooldown=*/0)});
  Driver driver(&index);
  CreatorState s = State(7);

  s.engagement_rate = 0.05;
  Evaluation e = driver.Step(s, kT0);
  EXPECT_THAT(e.firings, IsEmpty());
  ASSERT_EQ(e.states.size(), 1u);  // the first peak is stored
  EXPECT_EQ(e.states[0].reference, 0.05);
  EXPECT_FALSE(e.states[0].inside);

  s.engagement_rate = 0.10;  // a new peak
  e = driver.Step(s, kT0 + 1);
  EXPECT_THAT(e.firings, IsEmpty());
  ASSERT_EQ(e.states.size(), 1u);
  EXPECT_EQ(e.states[0].reference, 0.10);

  s.engagement_rate = 0.09;  // -10% from the peak: nothing changes, nothing written
  e = driver.Step(s, kT0 + 2);
  EXPECT_THAT(e.firings, IsEmpty());
  EXPECT_THAT(e.states, IsEmpty());

  s.engagement_rate = 0.079;  // -21% from 0.10
  e = driver.Step(s, kT0 + 3);
  ASSERT_EQ(e.firings.size(), 1u);
  const auto payload = nlohmann::json::parse(e.firings[0].payload_json);
  EXPECT_EQ(payload["conditions"][0]["op"], "drop_by");
  EXPECT_EQ(payload["conditions"][0]["reference"], 0.10);
  EXPECT_EQ(payload["conditions"][0]["observed"], 0.079);
  // The firing restarts the peak from the current value.
  ASSERT_EQ(e.states.size(), 1u);
  EXPECT_EQ(e.states[0].reference, 0.079);
  EXPECT_EQ(e.states[0].last_fired_at, kT0 + 3);

  s.engagement_rate = 0.07;  // -11% from the restarted peak
  EXPECT_THAT(driver.Step(s, kT0 + 4).firings, IsEmpty());
  s.engagement_rate = 0.06;  // -24% from 0.079: another drop of 20%
  e = driver.Step(s, kT0 + 5);
  ASSERT_EQ(e.firings.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(e.firings[0].payload_json)["conditions"][0]["reference"], 0.079);
}

TEST(Evaluate, DropByWithinTheCooldownKeepsThePeak) {
  RuleIndex index =
      IndexOf({CreatorRule(1, 7, Metric::kFollowerCount, Op::kDropBy, 0.5, 24 * kHour)});
  Driver driver(&index);
  CreatorState s = State(7, Platform::kInstagram, "fitness", 1000);
  driver.Step(s, kT0);
  s.followers = 400;
  ASSERT_EQ(driver.Step(s, kT0 + 1).firings.size(), 1u);  // -60% from 1000
  s.followers = 1000;
  driver.Step(s, kT0 + 2);  // new peak 1000
  s.followers = 300;
  Evaluation e = driver.Step(s, kT0 + 3);  // -70%, within 24 h of the firing
  EXPECT_THAT(e.firings, IsEmpty());
  ASSERT_EQ(e.states.size(), 1u);
  EXPECT_TRUE(e.states[0].inside);
  EXPECT_EQ(e.states[0].reference, 1000);  // not restarted: nothing was announced
}

TEST(Evaluate, DropByFromAZeroPeakNeverFires) {
  RuleIndex index = IndexOf({CreatorRule(1, 7, Metric::kValue, Op::kDropBy, 0.2, 0)});
  Driver driver(&index);
  CreatorState s = State(7);
  s.value = 0;
  for (int i = 0; i < 3; ++i) EXPECT_THAT(driver.Step(s, kT0 + i).firings, IsEmpty());
}

TEST(Evaluate, UnknownMetricMakesTheConditionFalse) {
  ScoutScope scope;
  scope.conditions = {{Metric::kMomentum, Op::kAbove, 0.3}};
  RuleIndex index =
      IndexOf({ScoutRule(1, scope), CreatorRule(2, 7, Metric::kValue, Op::kBelow, 1e9),
               CreatorRule(3, 7, Metric::kMarketScore, Op::kDropBy, 0.1)});
  Driver driver(&index);
  CreatorState s = State(7);  // no momentum, value or score
  Evaluation e = driver.Step(s, kT0);
  EXPECT_THAT(e.firings, IsEmpty());
  EXPECT_THAT(e.states, IsEmpty());
  s.momentum = std::nan("");
  EXPECT_THAT(driver.Step(s, kT0 + 1).firings, IsEmpty());
  s.momentum = 0.5;
  e = driver.Step(s, kT0 + 2);
  ASSERT_EQ(e.firings.size(), 1u);
  EXPECT_EQ(e.firings[0].rule_id, 1);
}

TEST(Evaluate, DropByKeepsItsPeakWhileTheMetricIsUnknown) {
  RuleIndex index = IndexOf({CreatorRule(1, 7, Metric::kValue, Op::kDropBy, 0.5, 0)});
  Driver driver(&index);
  CreatorState s = State(7);
  s.value = 100;
  driver.Step(s, kT0);
  s.value.reset();
  EXPECT_THAT(driver.Step(s, kT0 + 1).states, IsEmpty());
  s.value = 40;
  EXPECT_EQ(driver.Step(s, kT0 + 2).firings.size(), 1u);
}

TEST(Evaluate, ScoutRuleNeedsEveryCondition) {
  ScoutScope scope{Platform::kInstagram, "fitness"};
  scope.followers_max = 100'000;
  scope.conditions = {{Metric::kMomentum, Op::kAbove, 0.3}, {Metric::kMarketScore, Op::kBelow, 50}};
  RuleIndex index = IndexOf({ScoutRule(1, scope)});
  Driver driver(&index);
  CreatorState s = State(7);
  s.momentum = 0.4;
  s.market_score = 60;
  EXPECT_THAT(driver.Step(s, kT0).firings, IsEmpty());
  s.market_score = 40;
  Evaluation e = driver.Step(s, kT0 + 1);
  ASSERT_EQ(e.firings.size(), 1u);
  const auto payload = nlohmann::json::parse(e.firings[0].payload_json);
  ASSERT_EQ(payload["conditions"].size(), 2u);
  EXPECT_EQ(payload["conditions"][0]["metric"], "momentum");
  EXPECT_EQ(payload["conditions"][0]["observed"], 0.4);
  EXPECT_FALSE(payload["conditions"][0].contains("reference"));
  EXPECT_EQ(payload["conditions"][1]["op"], "below");
}

TEST(Evaluate, ScoutScopeKeepsOtherCreatorsOut) {
  ScoutScope scope{Platform::kTikTok, "gaming"};
  scope.tier = FollowerTier::kMid;
  scope.conditions = {{Metric::kMomentum, Op::kAbove, 0.1}};
  RuleIndex index = IndexOf({ScoutRule(1, scope)});
  auto fires = [&](CreatorState s) {
    s.momentum = 0.5;
    Evaluation e;
    Evaluate(index, s, {}, kT0, &e);
    return e.firings.size();
  };
  EXPECT_EQ(fires(State(1, Platform::kTikTok, "gaming", 200'000)), 1u);
  EXPECT_EQ(fires(State(1, Platform::kInstagram, "gaming", 200'000)), 0u);    // platform
  EXPECT_EQ(fires(State(1, Platform::kTikTok, "food", 200'000)), 0u);         // niche
  EXPECT_EQ(fires(State(1, Platform::kTikTok, "gaming", 50'000)), 0u);        // tier
  EXPECT_EQ(fires(State(1, Platform::kTikTok, "gaming", std::nullopt)), 0u);  // unknown
}

TEST(Evaluate, DisabledRuleNeverFires) {
  Rule rule = CreatorRule(1, 7, Metric::kValue, Op::kAbove, 1);
  rule.enabled = false;
  RuleIndex index = IndexOf({rule});
  CreatorState s = State(7);
  s.value = 100;
  Evaluation e;
  Evaluate(index, s, {}, kT0, &e);
  EXPECT_THAT(e.firings, IsEmpty());
  EXPECT_THAT(e.states, IsEmpty());
}

TEST(Evaluate, RemovedRuleNoLongerFires) {
  RuleIndex index = IndexOf({CreatorRule(1, 7, Metric::kValue, Op::kAbove, 1),
                             CreatorRule(2, 7, Metric::kValue, Op::kAbove, 1)});
  ASSERT_TRUE(index.Remove(1));
  CreatorState s = State(7);
  s.value = 100;
  Evaluation e;
  Evaluate(index, s, {}, kT0, &e);
  ASSERT_EQ(e.firings.size(), 1u);
  EXPECT_EQ(e.firings[0].rule_id, 2);
}

TEST(Evaluate, BatchesOfCreatorsAppendToOneEvaluation) {
  RuleIndex index = IndexOf({CreatorRule(1, 7, Metric::kValue, Op::kAbove, 1),
                             CreatorRule(2, 8, Metric::kValue, Op::kAbove, 1)});
  CreatorState a = State(7);
  a.value = 10;
  CreatorState b = State(8);
  b.value = 10;
  Evaluation e;
  Evaluate(index, a, {}, kT0, &e);
  Evaluate(index, b, {}, kT0, &e);
  ASSERT_EQ(e.firings.size(), 2u);
  EXPECT_EQ(e.firings[0].creator_id, 7);
  EXPECT_EQ(e.firings[1].creator_id, 8);
  ASSERT_EQ(e.states.size(), 2u);
  EXPECT_EQ(e.states[0].rule_id, 1);
  EXPECT_EQ(e.states[1].rule_id, 2);
}

TEST(Evaluate, IgnoresStatesOfOtherRulesAndCreators) {
  RuleIndex index = IndexOf({CreatorRule(1, 7, Metric::kValue, Op::kAbove, 1)});
  CreatorState s = State(7);
  s.value = 10;
  for (size_t n : {3u, 40u}) {  // the linear scan and the sorted lookup
    SCOPED_TRACE(n);
    std::vector<AlertState> previous;
    for (size_t i = 0; i < n; ++i) {
      previous.push_back({static_cast<int64_t>(1000 - i), 7, true, std::nullopt, kT0, kT0});
    }
    previous.push_back({1, 8, true, std::nullopt, kT0, kT0});  // rule 1, another creator
    Evaluation e;
    Evaluate(index, s, previous, kT0 + 10, &e);
    EXPECT_EQ(e.firings.size(), 1u);  // no inside state of its own: a crossing
    previous.push_back({1, 7, true, std::nullopt, kT0, kT0});
    Evaluation again;
    Evaluate(index, s, previous, kT0 + 10, &again);
    EXPECT_THAT(again.firings, IsEmpty());
    EXPECT_THAT(again.states, IsEmpty());
  }
}

TEST(Evaluate, PayloadCarriesRuleCreatorAndEveryKnownMetric) {
  Rule rule = CreatorRule(1, 7, Metric::kFollowerGrowth, Op::kAbove, 0.1);
  rule.name = "quote \" backslash \\ newline \n tab \t bell \x07 é";
  RuleIndex index = IndexOf({rule});
  CreatorState s = State(7, Platform::kYouTube, "gaming");
  s.handle = "we\"ird\\handle\x01";
  s.niche = "gaming";
  s.as_of = kT0 - 86400;
  s.follower_growth = 0.25;
  s.engagement_rate = 0.031;
  s.momentum = std::nan("");  // not a known value: left out
  Evaluation e;
  Evaluate(index, s, {}, kT0, &e);
  ASSERT_EQ(e.firings.size(), 1u);
  const auto payload = nlohmann::json::parse(e.firings[0].payload_json);
  EXPECT_EQ(payload["rule"]["id"], 1);
  EXPECT_EQ(payload["rule"]["name"], rule.name);
  EXPECT_EQ(payload["rule"]["type"], "creator");
  EXPECT_EQ(payload["creator"]["id"], 7);
  EXPECT_EQ(payload["creator"]["platform"], "youtube");
  EXPECT_EQ(payload["creator"]["handle"], s.handle);
  EXPECT_EQ(payload["creator"]["niche"], "gaming");
  EXPECT_EQ(payload["as_of"], kT0 - 86400);
  EXPECT_EQ(payload["conditions"][0]["metric"], "follower_growth");
  EXPECT_EQ(payload["conditions"][0]["threshold"], 0.1);
  EXPECT_EQ(payload["conditions"][0]["observed"], 0.25);
  EXPECT_EQ(payload["metrics"],
            nlohmann::json::parse(R"({"engagement_rate":0.031,"follower_count":50000,)"
                                  R"("follower_growth":0.25})"));
}

TEST(Evaluate, PayloadStaysValidJsonForBytesThatAreNotUtf8) {
  RuleIndex index = IndexOf({CreatorRule(1, 7, Metric::kValue, Op::kAbove, 1)});
  CreatorState s = State(7);
  s.handle = std::string("ab\xff\xc3(\xe2\x82\xac\xed\xa0\x80", 11);  // bad, bad, ok €, surrogate
  s.value = 5;
  Evaluation e;
  Evaluate(index, s, {}, kT0, &e);
  ASSERT_EQ(e.firings.size(), 1u);
  const auto payload = nlohmann::json::parse(e.firings[0].payload_json, nullptr, false);
  ASSERT_FALSE(payload.is_discarded()) << e.firings[0].payload_json;
  EXPECT_EQ(payload["creator"]["handle"],
            "ab\xef\xbf\xbd\xef\xbf\xbd(\xe2\x82\xac\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

// ---- InMemoryEngine ----

TEST(InMemoryEngine, KeepsStatesBetweenObservations) {
  ScoutScope scope;
  scope.conditions = {{Metric::kMomentum, Op::kAbove, 0.3}};
  InMemoryEngine engine(
      IndexOf({ScoutRule(1, scope, 0), CreatorRule(2, 7, Metric::kValue, Op::kDropBy, 0.5, 0)}));
  CreatorState s = State(7);
  s.momentum = 0.5;
  s.value = 100;
  std::vector<Firing> f = engine.Observe(s, kT0);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_id, 1);
  EXPECT_EQ(engine.states(), 1u);
  EXPECT_THAT(engine.Observe(s, kT0 + 1), IsEmpty());  // still inside
  s.value = 40;
  f = engine.Observe(s, kT0 + 2);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_id, 2);
  s.momentum = 0.1;
  EXPECT_THAT(engine.Observe(s, kT0 + 3), IsEmpty());
  s.momentum = 0.4;
  f = engine.Observe(s, kT0 + 4);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_id, 1);
  // A creator no rule touches leaves no state behind.
  CreatorState other = State(8, Platform::kTikTok);
  EXPECT_THAT(engine.Observe(other, kT0), IsEmpty());
  EXPECT_EQ(engine.states(), 1u);
}

TEST(InMemoryEngine, MatchesEvaluateWithAStoreOfStates) {
  // Many rules on one creator, so the states vector is long and lookups go through search.
  std::vector<Rule> rules;
  for (int i = 1; i <= 60; ++i) {
    rules.push_back(CreatorRule(i, 7, Metric::kValue, i % 3 == 0 ? Op::kDropBy : Op::kAbove,
                                i % 3 == 0 ? 0.1 + i / 200.0 : 10.0 * i, 0));
  }
  RuleIndex for_driver = IndexOf(rules);
  InMemoryEngine engine(IndexOf(rules));
  Driver driver(&for_driver);
  CreatorState s = State(7);
  uint64_t x = 12345;
  for (int step = 0; step < 200; ++step) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    s.value = static_cast<double>((x >> 33) % 700);
    std::vector<int64_t> a, b;
    for (const Firing& f : engine.Observe(s, kT0 + step)) a.push_back(f.rule_id);
    for (const Firing& f : driver.Step(s, kT0 + step).firings) b.push_back(f.rule_id);
    ASSERT_EQ(a, b) << "step " << step;
  }
}

// The documented semantics written as plainly as possible over Candidates(), with a state
// for every (rule, creator): what the engine's shortcuts (inline conditions, looking up only
// the rules that hold, leaving from the inside states) must agree with.
class ReferenceEngine {
 public:
  explicit ReferenceEngine(const RuleIndex* index) : index_(index) {}

  std::vector<int64_t> Observe(const CreatorState& creator, UnixSeconds now) {
    std::vector<const Rule*> candidates;
    index_->Candidates(creator, &candidates);
    std::vector<int64_t> fired;
    for (const Rule* rule : candidates) {
      AlertState& s = states_[{rule->id, creator.creator_id}];
      const auto* one = std::get_if<CreatorScope>(&rule->scope);
      const bool drop_by = one != nullptr && one->condition.op == Op::kDropBy;
      std::optional<double> v;
      bool holds = true;
      if (drop_by) {
        v = creator.Get(one->condition.metric);
        if (v) s.reference = s.reference ? std::max(*s.reference, *v) : *v;
        holds = v && *s.reference > 0 && *v <= (1 - one->condition.threshold) * *s.reference;
      } else {
        const std::vector<Condition> conditions =
            one != nullptr ? std::vector<Condition>{one->condition}
                           : std::get<ScoutScope>(rule->scope).conditions;
        for (const Condition& c : conditions) {
          const std::optional<double> x = creator.Get(c.metric);
          if (!x || !(c.op == Op::kAbove ? *x > c.threshold : *x < c.threshold)) holds = false;
        }
      }
      if (holds && !s.inside &&
          (!s.last_fired_at || now - *s.last_fired_at >= rule->cooldown_seconds)) {
        fired.push_back(rule->id);
        s.last_fired_at = now;
        if (drop_by) {
          s.reference = v;
          s.inside = false;
          continue;
        }
      }
      s.inside = holds;
    }
    std::sort(fired.begin(), fired.end());
    return fired;
  }

  // The states that differ from "never evaluated".
  std::map<std::pair<int64_t, int64_t>, AlertState> Written() const {
    std::map<std::pair<int64_t, int64_t>, AlertState> out;
    for (const auto& [key, s] : states_) {
      if (s.inside || s.reference || s.last_fired_at) out[key] = s;
    }
    return out;
  }

 private:
  const RuleIndex* index_;
  std::map<std::pair<int64_t, int64_t>, AlertState> states_;
};

TEST(Evaluate, AgreesWithTheReferenceSemanticsOnARandomStream) {
  std::mt19937_64 rng(7);
  auto unit = [&rng] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  const std::string kNiches[] = {"fitness", "food", "gaming"};
  const Platform kPlatforms[] = {Platform::kInstagram, Platform::kTikTok, Platform::kYouTube};
  const Metric kSigned[] = {Metric::kMomentum, Metric::kGrowth, Metric::kFollowerGrowth};

  std::vector<Rule> rules;
  for (int id = 1; id <= 300; ++id) {
    const int64_t cooldown = pick(3) == 0 ? 0 : (1 + pick(20)) * kHour;
    if (id % 3 == 0) {
      const bool drop_by = pick(2) == 0;
      rules.push_back(CreatorRule(id, 1 + pick(12), drop_by ? Metric::kValue : Metric::kMarketScore,
                                  drop_by ? Op::kDropBy : (pick(2) ? Op::kAbove : Op::kBelow),
                                  drop_by ? 0.05 + 0.3 * unit() : 100 * unit(), cooldown));
      continue;
    }
    ScoutScope scope;
    if (pick(4) > 0) scope.platform = kPlatforms[pick(3)];
    if (pick(4) > 0) scope.niche = kNiches[pick(3)];
    if (pick(3) == 0) scope.followers_min = static_cast<int64_t>(50'000 * unit());
    if (pick(3) == 0) scope.followers_max = 50'000 + static_cast<int64_t>(150'000 * unit());
    if (pick(6) == 0) scope.tier = pick(2) ? FollowerTier::kMicro : FollowerTier::kMid;
    const int n = 1 + pick(5);  // up to 5: past the inline conditions
    for (int i = 0; i < n; ++i) {
      scope.conditions.push_back(
          {kSigned[pick(3)], pick(2) ? Op::kAbove : Op::kBelow, -0.3 + 0.6 * unit()});
    }
    rules.push_back(ScoutRule(id, scope, cooldown));
  }
  RuleIndex reference_index = IndexOf(rules);
  RuleIndex driver_index = IndexOf(rules);
  InMemoryEngine engine(IndexOf(rules));
  ReferenceEngine reference(&reference_index);
  Driver driver(&driver_index);

  std::vector<CreatorState> creators;
  for (int id = 1; id <= 12; ++id) {
    creators.push_back(
        State(id, kPlatforms[pick(3)], pick(5) ? kNiches[pick(3)] : "", 20'000 + 150'000 * unit()));
  }
  for (int step = 0; step < 4000; ++step) {
    CreatorState& c = creators[static_cast<size_t>(pick(12))];
    const auto walk = [&](std::optional<double>& x, double sd) {
      if (pick(25) == 0) {
        x.reset();  // a metric goes missing now and then
      } else {
        x = x.value_or(0) + sd * (unit() - 0.5);
      }
    };
    walk(c.momentum, 0.2);
    walk(c.growth, 0.2);
    walk(c.follower_growth, 0.2);
    walk(c.market_score, 30);
    c.value = std::max(0.0, c.value.value_or(100) + 40 * (unit() - 0.5));
    if (pick(10) == 0) c.followers = 20'000 + 150'000 * unit();    // moves across ranges
    if (pick(60) == 0) c.niche = pick(5) ? kNiches[pick(3)] : "";  // reclassified
    if (pick(200) == 0) c.platform = kPlatforms[pick(3)];          // scopes by platform too
    const UnixSeconds now = kT0 + step * 1800;

    const std::vector<int64_t> expected = reference.Observe(c, now);
    std::vector<int64_t> from_engine, from_driver;
    for (const Firing& f : engine.Observe(c, now)) from_engine.push_back(f.rule_id);
    for (const Firing& f : driver.Step(c, now).firings) from_driver.push_back(f.rule_id);
    std::sort(from_engine.begin(), from_engine.end());
    std::sort(from_driver.begin(), from_driver.end());
    ASSERT_EQ(from_engine, expected) << "step " << step;
    ASSERT_EQ(from_driver, expected) << "step " << step;
  }
  size_t fired_states = 0;
  std::map<std::pair<int64_t, int64_t>, AlertState> written;
  for (const AlertState& s : driver.states()) {
    if (s.inside || s.reference || s.last_fired_at) written[{s.rule_id, s.creator_id}] = s;
    if (s.last_fired_at) ++fired_states;
  }
  const auto expected = reference.Written();
  ASSERT_EQ(written.size(), expected.size());
  for (const auto& [key, s] : expected) {
    const AlertState& got = written.at(key);
    EXPECT_EQ(got.inside, s.inside) << key.first << "/" << key.second;
    EXPECT_EQ(got.reference, s.reference) << key.first << "/" << key.second;
    EXPECT_EQ(got.last_fired_at, s.last_fired_at) << key.first << "/" << key.second;
  }
  EXPECT_GT(fired_states, 100u);  // the stream exercises the rules, not just their absence
}

}  // namespace
}  // namespace sphere::alerts
