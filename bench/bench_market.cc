// Market: the rank index and comparable creators over 1,000,000 synthetic creators (issue 5's
// target: a rank query over 1M creators, p99 under 20 ms in process).
//
// The creators are a realistic mix, fixed by a seed: Instagram 50%, TikTok 30%, YouTube 20%;
// 22 niches with Zipf-like shares (5% unknown); log-normal followers (median 20k, 3% unknown);
// value = followers x a log-normal engagement rate x $0.14 x noise; momentum ~ N(0.02, 0.15).
// Query benchmarks time every call (steady_clock) and report p50 / p99 / p999 / max as counters
// over 20,000 queries each, every query with fresh random parameters (platform, niche, range).
// Comparables: build over 1M points, then one Nearest(k = 5) per point (what valuing every
// creator does), after checking 300 random queries against a brute-force scan.
// Run (release preset): build/release/bench/bench_market
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/niche.h"
#include "market/comparables.h"
#include "market/rank_index.h"

namespace sphere::market {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kCreators = 1'000'000;
constexpr int kQueries = 20'000;
constexpr Platform kPlatforms[] = {Platform::kInstagram, Platform::kTikTok, Platform::kYouTube};

// The shared draws of one synthetic creator: who they are and how big.
struct CreatorDraw {
  Platform platform;
  std::string niche;
  std::optional<int64_t> followers;  // the count a store would hold (3% unknown)
  double true_followers;             // what the value is made of, known or not
  double log_followers;              // standardised, for comparables
  double log_rate;
};

class Mix {
 public:
  explicit Mix(uint64_t seed) : rng_(seed) {
    const auto niches = Niches();
    for (size_t i = 0; i < niches.size(); ++i) weights_.push_back(1.0 / std::pow(i + 1.0, 0.8));
    niche_pick_ = std::discrete_distribution<size_t>(weights_.begin(), weights_.end());
  }

  Platform PlatformDraw() {
    const double u = unit_(rng_);
    return u < 0.5 ? Platform::kInstagram : (u < 0.8 ? Platform::kTikTok : Platform::kYouTube);
  }
  std::string NicheDraw() {
    if (unit_(rng_) < 0.05) return "";
    return std::string(Niches()[niche_pick_(rng_)].id);
  }
  // Median 20k followers, sigma 1.6 in log space: ~10% nano ... a few thousand over 1M.
  double LogFollowersDraw() { return std::log(20'000.0) + 1.6 * normal_(rng_); }

  CreatorDraw Creator() {
    CreatorDraw c{PlatformDraw(), NicheDraw(), std::nullopt, 0, 0, 0};
    const double lf = LogFollowersDraw();
    c.true_followers = std::exp(lf);
    if (unit_(rng_) >= 0.03) c.followers = static_cast<int64_t>(c.true_followers);
    c.log_followers = (lf - std::log(20'000.0)) / 1.6;
    // Engagement rate falls with size (HypeAuditor's shape), median ~2%.
    c.log_rate = std::log(0.02) - 0.15 * c.log_followers + 0.6 * normal_(rng_);
    return c;
  }

  double Normal() { return normal_(rng_); }
  double Unit() { return unit_(rng_); }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
  std::vector<double> weights_;
  std::discrete_distribution<size_t> niche_pick_;
  std::normal_distribution<double> normal_{0, 1};
  std::uniform_real_distribution<double> unit_{0, 1};
};

std::vector<RankEntry> MakeEntries() {
  Mix mix(20261126);
  std::vector<RankEntry> entries;
  entries.reserve(kCreators);
  char handle[32];
  for (size_t i = 0; i < kCreators; ++i) {
    CreatorDraw c = mix.Creator();
    const double value =
        c.true_followers * std::exp(c.log_rate) * 0.14 * std::exp(0.2 * mix.Normal());
    std::snprintf(handle, sizeof handle, "creator_%07zu", i);
    entries.push_back({static_cast<int64_t>(i + 1), c.platform, handle, std::move(c.niche),
                       c.followers, std::round(value * 100) / 100, 0, 0.02 + 0.15 * mix.Normal()});
  }
  return entries;
}

const std::vector<RankEntry>& Entries() {
  static const auto* entries = new std::vector<RankEntry>(MakeEntries());
  return *entries;
}

const RankIndex& Index() {
  static const auto* index = new RankIndex(RankIndex::Build(Entries()));
  return *index;
}

// The process's resident set now (not the peak), from /proc/self/statm.
double ResidentMiB() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long pages = 0, resident = 0;
  const int read = std::fscanf(f, "%ld %ld", &pages, &resident);
  std::fclose(f);
  return read == 2 ? static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) /
                         (1024.0 * 1024.0)
                   : 0;
}

// Times each call of `call(i)` and sets the percentiles (µs), as bench_plep does.
template <typename Call>
void Latency(benchmark::State& state, Call call) {
  std::vector<double> us;
  us.reserve(static_cast<size_t>(state.max_iterations));
  size_t i = 0;
  for (auto _ : state) {
    const auto start = Clock::now();
    call(i++);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(us.size())));
    return us[std::min(us.size() - 1, rank == 0 ? 0 : rank - 1)];
  };
  double sum = 0;
  for (double v : us) sum += v;
  state.counters["p50_us"] = at(0.5);
  state.counters["p99_us"] = at(0.99);
  state.counters["p999_us"] = at(0.999);
  state.counters["mean_us"] = sum / static_cast<double>(us.size());
  state.counters["max_us"] = us.back();
  state.SetItemsProcessed(static_cast<int64_t>(us.size()));
}

// Runs kQueries random queries from `make` (drawn before timing) and records the hits.
template <typename Make>
void RankQueries(benchmark::State& state, Make make) {
  const RankIndex& index = Index();
  Mix mix(7);
  std::vector<RankQuery> queries;
  for (int i = 0; i < kQueries; ++i) {
    queries.push_back(make(mix));
    if (Status st = ValidateRankQuery(queries.back()); !st.ok()) {
      state.SkipWithError(st.ToString().c_str());
      return;
    }
  }
  double hits = 0;
  Latency(state, [&](size_t i) {
    auto result = index.Query(queries[i % queries.size()]);
    hits += static_cast<double>(result.size());
    benchmark::DoNotOptimize(result);
  });
  state.counters["mean_hits"] = hits / static_cast<double>(state.iterations());
}

// Follower tiers as a scout picks them (core/domain.h's boundaries).
std::pair<int64_t, std::optional<int64_t>> TierRange(Mix& mix) {
  const int tier = static_cast<int>(mix.Unit() * 5);
  const int64_t lo = kTierLowerBound[tier];
  if (tier == 4) return {lo, std::nullopt};
  return {lo, kTierLowerBound[tier + 1] - 1};
}

void BM_RankBuild(benchmark::State& state) {
  const auto& entries = Entries();
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<RankEntry> copy = entries;
    state.ResumeTiming();
    RankIndex index = RankIndex::Build(std::move(copy));
    benchmark::DoNotOptimize(index);
    state.PauseTiming();
    { RankIndex discard = std::move(index); }  // freeing 1M strings is not Build's cost
    state.ResumeTiming();
  }
  state.counters["entries"] = static_cast<double>(entries.size());
}

// A scout's usual question: platform + niche + a follower tier, by value, top 20.
void BM_RankPlatformNicheTier(benchmark::State& state) {
  RankQueries(state, [](Mix& mix) {
    RankQuery q;
    q.platform = mix.PlatformDraw();
    do {
      q.niche = mix.NicheDraw();
    } while (q.niche->empty());
    auto [lo, hi] = TierRange(mix);
    q.min_followers = lo;
    q.max_followers = hi;
    return q;
  });
}

void BM_RankPlatformOnly(benchmark::State& state) {
  RankQueries(state, [](Mix& mix) {
    RankQuery q;
    q.platform = mix.PlatformDraw();
    return q;
  });
}

// "Scout before the spike": platform + niche, at least 10k followers, by momentum, top 50.
void BM_RankMomentum(benchmark::State& state) {
  RankQueries(state, [](Mix& mix) {
    RankQuery q;
    q.platform = mix.PlatformDraw();
    do {
      q.niche = mix.NicheDraw();
    } while (q.niche->empty());
    q.min_followers = 10'000;
    q.sort = RankSort::kMomentum;
    q.limit = 50;
    return q;
  });
}

// A very selective range: +-1% around a random follower count on one platform (tens of hits
// out of ~300k-500k), so the walk covers most of the platform's list.
void BM_RankSelectiveRange(benchmark::State& state) {
  RankQueries(state, [](Mix& mix) {
    RankQuery q;
    q.platform = mix.PlatformDraw();
    const double f = std::exp(mix.LogFollowersDraw());
    q.min_followers = static_cast<int64_t>(f * 0.99);
    q.max_followers = static_cast<int64_t>(f * 1.01);
    return q;
  });
}

// The worst case: no platform or niche and a range nobody is in — all 1M entries walked.
void BM_RankNoMatchAll(benchmark::State& state) {
  RankQueries(state, [](Mix& mix) {
    RankQuery q;
    q.min_followers = int64_t{3'000'000'000} + static_cast<int64_t>(mix.Unit() * 1000);
    q.max_followers = *q.min_followers + 1000;
    q.sort = mix.Unit() < 0.5 ? RankSort::kValue : RankSort::kMomentum;
    return q;
  });
}

// The largest answer: every platform, top 1000 by value in a follower tier.
void BM_RankLimit1000(benchmark::State& state) {
  RankQueries(state, [](Mix& mix) {
    RankQuery q;
    auto [lo, hi] = TierRange(mix);
    q.min_followers = lo;
    q.max_followers = hi;
    q.limit = kMaxRankLimit;
    return q;
  });
}

std::vector<ComparablePoint> MakePoints() {
  Mix mix(99);
  std::vector<ComparablePoint> points;
  points.reserve(kCreators);
  for (size_t i = 0; i < kCreators; ++i) {
    CreatorDraw c = mix.Creator();
    ComparablePoint p{static_cast<int64_t>(i + 1), c.platform, std::move(c.niche), {}};
    // Standardised: log followers, log engagement per post (= followers x rate), log rate,
    // growth. Growth is unknown for 30% (no snapshots), followers for 1%.
    const double log_engagement = c.log_followers * 1.6 + c.log_rate;
    p.x = {mix.Unit() < 0.01 ? std::nan("") : c.log_followers, (log_engagement - 5.9) / 1.5,
           (c.log_rate - std::log(0.02)) / 0.62,
           mix.Unit() < 0.3 ? std::nan("") : 0.3 * c.log_rate + mix.Normal()};
    points.push_back(std::move(p));
  }
  return points;
}

const std::vector<ComparablePoint>& Points() {
  static const auto* points = new std::vector<ComparablePoint>(MakePoints());
  return *points;
}

const ComparableFinder& Finder() {
  static const auto* finder = new ComparableFinder(ComparableFinder::Build(Points()));
  return *finder;
}

void BM_ComparablesBuild(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<ComparablePoint> copy = Points();
    state.ResumeTiming();
    benchmark::DoNotOptimize(ComparableFinder::Build(std::move(copy)));
  }
  state.counters["points"] = static_cast<double>(Points().size());
}

// Every creator's 5 comparables, once each: the whole job of valuing 1M creators.
void BM_ComparablesAllCreators(benchmark::State& state) {
  const ComparableFinder& finder = Finder();
  const auto& points = Points();
  for (auto _ : state) {
    size_t found = 0;
    for (const ComparablePoint& p : points) found += finder.Nearest(p, 5).size();
    state.counters["mean_found"] = static_cast<double>(found) / static_cast<double>(points.size());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(points.size()));
}

// The same job with the creators taken group by group (platform, niche, then x[0]): each
// query then finds the tree nodes it needs in cache. A valuation run can order its work so.
void BM_ComparablesAllCreatorsGrouped(benchmark::State& state) {
  const ComparableFinder& finder = Finder();
  const auto& points = Points();
  std::vector<const ComparablePoint*> order;
  for (const ComparablePoint& p : points) order.push_back(&p);
  std::sort(order.begin(), order.end(), [](const ComparablePoint* a, const ComparablePoint* b) {
    if (a->platform != b->platform) return a->platform < b->platform;
    if (a->niche != b->niche) return a->niche < b->niche;
    return a->x[0] < b->x[0];
  });
  for (auto _ : state) {
    size_t found = 0;
    for (const ComparablePoint* p : order) found += finder.Nearest(*p, 5).size();
    state.counters["mean_found"] = static_cast<double>(found) / static_cast<double>(points.size());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(points.size()));
}

void BM_ComparablesOne(benchmark::State& state) {
  const ComparableFinder& finder = Finder();
  const auto& points = Points();
  std::mt19937_64 rng(5);
  std::vector<size_t> order(kQueries);
  for (size_t& i : order) i = rng() % points.size();
  Latency(state, [&](size_t i) {
    benchmark::DoNotOptimize(finder.Nearest(points[order[i % order.size()]], 5));
  });
}

// The finder's answers must be a brute-force scan's before its speed means anything.
void CheckComparables() {
  const auto& points = Points();
  const ComparableFinder& finder = Finder();
  std::mt19937_64 rng(11);
  size_t mismatches = 0;
  const size_t checks = 300;
  for (size_t t = 0; t < checks; ++t) {
    const ComparablePoint& of = points[rng() % points.size()];
    std::vector<Neighbour> all;
    for (const ComparablePoint& p : points) {
      if (p.platform != of.platform || p.niche != of.niche || p.creator_id == of.creator_id) {
        continue;
      }
      const double d = ComparableDistance(of.x, p.x);
      if (std::isfinite(d)) all.push_back({p.creator_id, d});
    }
    const size_t k = std::min<size_t>(5, all.size());
    std::partial_sort(all.begin(), all.begin() + static_cast<ptrdiff_t>(k), all.end(),
                      [](const Neighbour& a, const Neighbour& b) {
                        return a.distance < b.distance ||
                               (a.distance == b.distance && a.creator_id < b.creator_id);
                      });
    const auto got = finder.Nearest(of, 5);
    bool same = got.size() == k;
    for (size_t i = 0; same && i < k; ++i) {
      same = got[i].creator_id == all[i].creator_id && got[i].distance == all[i].distance;
    }
    mismatches += !same;
  }
  std::printf("comparables: %zu random queries checked against brute force, %zu mismatches\n",
              checks, mismatches);
  if (mismatches != 0) std::exit(1);
}

class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      const std::string name = run.run_name.function_name;
      if (run.counters.count("p50_us")) {
        const auto c = [&](const char* k) {
          return run.counters.count(k) ? run.counters.at(k).value : 0.0;
        };
        latency_[name] = {c("p50_us"), c("p99_us"), c("p999_us"), c("max_us"), c("mean_hits")};
      }
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nper query, wall (us):              p50       p99      p999       max   hits\n");
    for (const auto& [name, l] : latency_) {
      std::printf("  %-28s %9.1f %9.1f %9.1f %9.1f %6.0f\n", name.c_str(), l[0], l[1], l[2], l[3],
                  l[4]);
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("peak resident memory of this process: %.0f MiB\n",
                static_cast<double>(usage.ru_maxrss) / 1024);
  }

 private:
  std::map<std::string, std::array<double, 5>> latency_;
};

void Register() {
  benchmark::RegisterBenchmark("BM_RankBuild", BM_RankBuild)
      ->Iterations(3)
      ->Unit(benchmark::kMillisecond);
  for (auto [name, fn] : std::initializer_list<std::pair<const char*, void (*)(benchmark::State&)>>{
           {"BM_RankPlatformNicheTier", BM_RankPlatformNicheTier},
           {"BM_RankPlatformOnly", BM_RankPlatformOnly},
           {"BM_RankMomentum", BM_RankMomentum},
           {"BM_RankSelectiveRange", BM_RankSelectiveRange},
           {"BM_RankNoMatchAll", BM_RankNoMatchAll},
           {"BM_RankLimit1000", BM_RankLimit1000},
           {"BM_ComparablesOne", BM_ComparablesOne}}) {
    benchmark::RegisterBenchmark(name, fn)->Iterations(kQueries)->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark("BM_ComparablesBuild", BM_ComparablesBuild)
      ->Iterations(3)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_ComparablesAllCreators", BM_ComparablesAllCreators)
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_ComparablesAllCreatorsGrouped", BM_ComparablesAllCreatorsGrouped)
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
}

}  // namespace
}  // namespace sphere::market

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  using sphere::market::ResidentMiB;
  const auto start = std::chrono::steady_clock::now();
  const double base = ResidentMiB();
  sphere::market::Entries();
  const double with_entries = ResidentMiB();
  sphere::market::Index();
  const double with_index = ResidentMiB();
  sphere::market::Points();
  const double with_points = ResidentMiB();
  sphere::market::Finder();
  const double with_finder = ResidentMiB();
  std::printf(
      "setup: 1M rank entries and 1M comparable points generated and indexed in %.1f s\n"
      "resident memory: entries %.0f MiB, RankIndex (its own copy of the entries + lists) %.0f "
      "MiB; points %.0f MiB, ComparableFinder %.0f MiB\n",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
      with_entries - base, with_index - with_entries, with_points - with_index,
      with_finder - with_points);
  sphere::market::CheckComparables();
  sphere::market::Register();
  sphere::market::SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
