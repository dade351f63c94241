// Alerts engine: snapshots evaluated per second against 10k and 100k rules, and the memory a
// rule costs in the index.
//
// The rules are a realistic mix, fixed by a seed: 70% creator rules (the seed's rule) over
// 50,000 creator ids, a third of them drop_by; 30% scout rules over 3 platforms x 22 niches
// (10% with no platform, 10% with no niche), 45% with a follower range and 15% with a tier,
// 1-3 conditions (60% start with the Market Value momentum). The creators (the same 50,000)
// walk randomly: each snapshot nudges one creator's numbers (engagement rate, followers,
// score, value, growth, momentum), as an ingest would.
//
// BM_EvaluateSnapshot/<rules>: InMemoryEngine::Observe per snapshot, states kept in memory
//   (a firing builds its payload), after a warm-up pass over the stream.
//   items_per_second = snapshots per second.
// BM_EvaluateNoStates/<rules>: Evaluate with an empty previous span: the engine without the
//   state map (every candidate whose condition holds fires, so more payloads are built).
// BM_IndexMemory/<rules>: builds the index; bytes per rule by RuleIndex::MemoryBytes and by
//   the process's resident set growth (/proc/self/statm, after malloc_trim).
// BM_FullScanPeer/<rules>: the peer, every rule checked per snapshot (no index, no states).
// Run (release): build/h-engine-rel/bench/bench_alerts
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "alerts/engine.h"
#include "core/niche.h"

namespace sphere::alerts {
namespace {

constexpr int64_t kCreators = 50'000;
constexpr size_t kStream = 1 << 16;            // snapshots generated, replayed in a loop
constexpr UnixSeconds kStart = 1'735'689'600;  // 2025-01-01
constexpr uint64_t kSeed = 20261126;

class Mix {
 public:
  explicit Mix(uint64_t seed) : rng_(seed) {
    const auto niches = Niches();
    std::vector<double> w;
    for (size_t i = 0; i < niches.size(); ++i) w.push_back(1.0 / std::pow(i + 1.0, 0.8));
    niche_pick_ = std::discrete_distribution<size_t>(w.begin(), w.end());
  }

  double Unit() { return unit_(rng_); }
  double Normal() { return normal_(rng_); }
  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  Platform PlatformDraw() {
    const double u = Unit();
    return u < 0.5 ? Platform::kInstagram : (u < 0.8 ? Platform::kTikTok : Platform::kYouTube);
  }
  std::string NicheDraw() { return std::string(Niches()[niche_pick_(rng_)].id); }
  double FollowersDraw() { return std::exp(std::log(20'000.0) + 1.6 * Normal()); }

  Rule RuleDraw(int64_t id) {
    Rule rule;
    rule.id = id;
    rule.owner_user_id = Uniform(1, 2'000);
    rule.created_at = kStart;
    if (Unit() < 0.7) {
      CreatorScope scope;
      scope.creator_id = Uniform(1, kCreators);
      static constexpr Metric kMetrics[] = {Metric::kEngagementRate, Metric::kFollowerCount,
                                            Metric::kMarketScore, Metric::kValue};
      scope.condition.metric = kMetrics[Uniform(0, 3)];
      const double u = Unit();
      if (u < 0.33) {
        scope.condition.op = Op::kDropBy;
        scope.condition.threshold = 0.1 + 0.3 * Unit();
      } else {
        scope.condition.op = u < 0.66 ? Op::kBelow : Op::kAbove;
        scope.condition.threshold = ThresholdDraw(scope.condition.metric, /*scout=*/false);
      }
      rule.name = std::string(ToString(scope.condition.metric)) + " " +
                  std::string(ToString(scope.condition.op)) + " of creator " +
                  std::to_string(scope.creator_id);
      rule.scope = scope;
      return rule;
    }
    ScoutScope scope;
    if (Unit() >= 0.1) scope.platform = PlatformDraw();
    if (Unit() >= 0.1) scope.niche = NicheDraw();
    const double range = Unit();
    if (range < 0.45) {
      const double lo = FollowersDraw();
      if (Unit() < 0.7) scope.followers_min = static_cast<int64_t>(lo);
      scope.followers_max = static_cast<int64_t>(lo * (2 + 20 * Unit()));
    } else if (range < 0.6) {
      scope.tier = static_cast<FollowerTier>(Uniform(0, 4));
    }
    const int64_t n = Uniform(1, 3);
    for (int64_t i = 0; i < n; ++i) {
      Condition c;
      if (i == 0 && Unit() < 0.6) {
        c = {Metric::kMomentum, Op::kAbove, ThresholdDraw(Metric::kMomentum, true)};
      } else {
        static constexpr Metric kScoutMetrics[] = {Metric::kMarketScore, Metric::kEngagementRate,
                                                   Metric::kValue,       Metric::kFollowerGrowth,
                                                   Metric::kGrowth,      Metric::kMomentum};
        c.metric = kScoutMetrics[Uniform(0, 5)];
        c.op = c.metric == Metric::kValue ? Op::kBelow : Op::kAbove;
        c.threshold = ThresholdDraw(c.metric, /*scout=*/true);
      }
      scope.conditions.push_back(c);
    }
    rule.name = "scout " + (scope.niche ? *scope.niche : std::string("any niche")) + " risers #" +
                std::to_string(id);
    rule.cooldown_seconds = 168 * 3600;
    rule.scope = std::move(scope);
    return rule;
  }

  // Creators' starting numbers; Step nudges them.
  CreatorState CreatorDraw(int64_t id) {
    CreatorState s;
    s.creator_id = id;
    s.platform = PlatformDraw();
    s.handle = "creator_" + std::to_string(id);
    if (Unit() >= 0.05) s.niche = NicheDraw();
    if (Unit() >= 0.03) s.followers = std::floor(FollowersDraw());
    s.engagement_rate = std::exp(std::log(0.02) + 0.6 * Normal());
    s.market_score = std::clamp(50 + 25 * Normal(), 0.0, 100.0);
    s.value = std::exp(std::log(150.0) + 1.2 * Normal());
    s.follower_growth = 0.02 + 0.05 * Normal();
    s.growth = 0.01 + 0.1 * Normal();
    s.momentum = 0.02 + 0.15 * Normal();
    return s;
  }

  void Step(CreatorState* s, UnixSeconds as_of) {
    s->as_of = as_of;
    if (s->followers) *s->followers = std::floor(*s->followers * std::exp(0.002 + 0.01 * Normal()));
    *s->engagement_rate *= std::exp(0.08 * Normal());
    *s->market_score = std::clamp(*s->market_score + 3 * Normal(), 0.0, 100.0);
    *s->value *= std::exp(0.05 * Normal());
    *s->follower_growth += 0.01 * Normal();
    *s->growth += 0.03 * Normal();
    *s->momentum += 0.04 * Normal();
  }

 private:
  // Where a user sets a threshold. Scouts ask for the top of the market (momentum over
  // 0.15-0.5 is the top few percent; score over 70-95), so most scout rules hold for few
  // creators; creator rules sit anywhere in the population's range.
  double ThresholdDraw(Metric m, bool scout) {
    switch (m) {
      case Metric::kEngagementRate:
        return std::exp(std::log(0.02) + 0.6 * (scout ? 1 + Unit() : Normal()));
      case Metric::kFollowerCount:
        return std::floor(FollowersDraw());
      case Metric::kMarketScore:
        return scout ? 70 + 25 * Unit() : std::clamp(50 + 25 * Normal(), 0.0, 100.0);
      case Metric::kValue:
        return std::exp(std::log(150.0) + 1.2 * (scout ? 0.5 + Unit() : Normal()));
      case Metric::kFollowerGrowth:
        return 0.05 + 0.1 * Unit();
      case Metric::kGrowth:
        return 0.1 + 0.2 * Unit();
      case Metric::kMomentum:
        return 0.15 + 0.35 * Unit();
    }
    return 0;
  }

  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
  std::normal_distribution<double> normal_{0.0, 1.0};
  std::discrete_distribution<size_t> niche_pick_;
};

RuleIndex BuildIndex(int64_t rules) {
  Mix mix(kSeed);
  RuleIndex index;
  for (int64_t id = 1; id <= rules; ++id) {
    const Status status = index.Add(mix.RuleDraw(id));
    if (!status.ok()) {
      std::fprintf(stderr, "rule %lld: %s\n", static_cast<long long>(id),
                   status.ToString().c_str());
      std::abort();
    }
  }
  return index;
}

const std::vector<CreatorState>& Stream() {
  static const std::vector<CreatorState> stream = [] {
    Mix mix(kSeed + 1);
    std::vector<CreatorState> creators;
    creators.reserve(kCreators);
    for (int64_t id = 1; id <= kCreators; ++id) creators.push_back(mix.CreatorDraw(id));
    std::vector<CreatorState> out;
    out.reserve(kStream);
    for (size_t i = 0; i < kStream; ++i) {
      CreatorState& c = creators[static_cast<size_t>(mix.Uniform(0, kCreators - 1))];
      mix.Step(&c, kStart + static_cast<UnixSeconds>(i) * 60);
      out.push_back(c);
    }
    return out;
  }();
  return stream;
}

double CandidatesPerSnapshot(const RuleIndex& index) {
  const auto& stream = Stream();
  std::vector<const Rule*> out;
  size_t total = 0;
  constexpr size_t kSample = 4096;
  for (size_t i = 0; i < kSample; ++i) {
    out.clear();
    index.Candidates(stream[i], &out);
    total += out.size();
  }
  return static_cast<double>(total) / kSample;
}

// One engine per rule count, built once and warmed by a full pass over the stream, so the
// timed snapshots meet the states a running server holds (not a cold start in which every
// creator's first snapshot fires every rule that holds).
InMemoryEngine& WarmEngine(int64_t rules) {
  static std::map<int64_t, std::unique_ptr<InMemoryEngine>> engines;
  std::unique_ptr<InMemoryEngine>& engine = engines[rules];
  if (!engine) {
    engine = std::make_unique<InMemoryEngine>(BuildIndex(rules));
    const auto& stream = Stream();
    for (size_t i = 0; i < kStream; ++i) {
      engine->Observe(stream[i], kStart + static_cast<UnixSeconds>(i) * 60);
    }
  }
  return *engine;
}

void BM_EvaluateSnapshot(benchmark::State& state) {
  const auto& stream = Stream();
  InMemoryEngine& engine = WarmEngine(state.range(0));
  const double candidates = CandidatesPerSnapshot(engine.index());
  // Wall time runs on from the warm-up across replays of the stream, so cooldowns expire as
  // they would; each run continues where the previous one stopped.
  static std::map<int64_t, size_t> next;
  size_t& i = next[state.range(0)];
  if (i == 0) i = kStream;
  size_t firings = 0;
  for (auto _ : state) {
    const CreatorState& s = stream[i % kStream];
    const std::vector<Firing> fired = engine.Observe(s, kStart + static_cast<UnixSeconds>(i) * 60);
    firings += fired.size();
    benchmark::DoNotOptimize(fired.data());
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["candidates"] = candidates;
  state.counters["firings_per_snapshot"] =
      static_cast<double>(firings) / static_cast<double>(state.iterations());
  state.counters["creators_with_states"] = static_cast<double>(engine.states());
}

void BM_EvaluateNoStates(benchmark::State& state) {
  const auto& stream = Stream();
  const RuleIndex& index = WarmEngine(state.range(0)).index();
  Evaluation eval;
  size_t i = 0;
  size_t firings = 0;
  for (auto _ : state) {
    eval.states.clear();
    eval.firings.clear();
    Evaluate(index, stream[i % kStream], {}, kStart + static_cast<UnixSeconds>(i) * 60, &eval);
    firings += eval.firings.size();
    benchmark::DoNotOptimize(eval.states.data());
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["firings_per_snapshot"] =
      static_cast<double>(firings) / static_cast<double>(state.iterations());
}

// The peer: what an index saves. The design the issue rules out ("not a timed full scan"):
// every rule checked against each new snapshot — scope, then conditions — with no index, no
// states and no payloads (so it does less than the engine per match). The same rules and the
// same stream; items_per_second = snapshots per second.
bool ConditionHolds(const Condition& c, const CreatorState& s) {
  const std::optional<double> v = s.Get(c.metric);
  if (!v) return false;
  return c.op == Op::kAbove ? *v > c.threshold : (c.op == Op::kBelow ? *v < c.threshold : false);
}

bool ScanMatches(const Rule& rule, const CreatorState& s) {
  if (!rule.enabled) return false;
  if (const auto* one = std::get_if<CreatorScope>(&rule.scope)) {
    return one->creator_id == s.creator_id && ConditionHolds(one->condition, s);
  }
  const ScoutScope& scout = std::get<ScoutScope>(rule.scope);
  if (scout.platform && *scout.platform != s.platform) return false;
  if (scout.niche && *scout.niche != s.niche) return false;
  if (scout.tier || scout.followers_min || scout.followers_max) {
    if (!s.followers) return false;
    const double f = *s.followers;
    if (scout.tier && TierOf(static_cast<int64_t>(f)) != *scout.tier) return false;
    if (scout.followers_min && f < static_cast<double>(*scout.followers_min)) return false;
    if (scout.followers_max && f > static_cast<double>(*scout.followers_max)) return false;
  }
  for (const Condition& c : scout.conditions) {
    if (!ConditionHolds(c, s)) return false;
  }
  return true;
}

void BM_FullScanPeer(benchmark::State& state) {
  const auto& stream = Stream();
  Mix mix(kSeed);
  std::vector<Rule> rules;
  rules.reserve(static_cast<size_t>(state.range(0)));
  for (int64_t id = 1; id <= state.range(0); ++id) rules.push_back(mix.RuleDraw(id));
  size_t i = 0, matches = 0;
  for (auto _ : state) {
    const CreatorState& s = stream[i % kStream];
    for (const Rule& rule : rules) matches += ScanMatches(rule, s);
    ++i;
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(state.iterations());
  state.counters["matches_per_snapshot"] =
      static_cast<double>(matches) / static_cast<double>(state.iterations());
}

size_t ResidentBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  const int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

void BM_IndexMemory(benchmark::State& state) {
  const int64_t rules = state.range(0);
  double model = 0, rss = 0;
  for (auto _ : state) {
    malloc_trim(0);  // give freed pages back so the growth is this index's
    const size_t before = ResidentBytes();
    RuleIndex index = BuildIndex(rules);
    const size_t after = ResidentBytes();
    model = static_cast<double>(index.MemoryBytes()) / static_cast<double>(rules);
    rss = (static_cast<double>(after) - static_cast<double>(before)) / static_cast<double>(rules);
    benchmark::DoNotOptimize(index.size());
  }
  state.counters["index_bytes_per_rule"] = model;
  state.counters["rss_bytes_per_rule"] = rss;
}

// Memory first: measured before the evaluation benchmarks grow the heap.
BENCHMARK(BM_IndexMemory)->Arg(10'000)->Arg(100'000)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EvaluateSnapshot)->Arg(10'000)->Arg(100'000);
BENCHMARK(BM_EvaluateNoStates)->Arg(10'000)->Arg(100'000);
BENCHMARK(BM_FullScanPeer)->Arg(10'000)->Arg(100'000);

}  // namespace
}  // namespace sphere::alerts

BENCHMARK_MAIN();
