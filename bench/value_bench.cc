// The trained Market Value model on real creators: ValueModel::Forecast for one creator
// (engagement, views and follower-gain forests with their ranges) without and with the
// engagement forecast's exact contributions, Summarize (cutting a history at its as-of
// instant) alone, and the two together as `sphere value` runs them per creator. Latency
// benchmarks time every call (steady_clock) and report p50 / p99 / p999 as counters; they
// run once over every creator that can be valued, in a fixed shuffled order.
//
// Histories come from a store through service::LoadValueInputs, the path `sphere value`
// reads, each creator cut at their latest observation. Serving runs on trees::Forest, not
// XGBoost, so nothing here is multi-threaded. Run (release preset; a model from
// `sphere train value --models DIR` on the same store; one command):
//   SPHERE_VALUE_STORE=sqlite:/tmp/scale-value-real.db SPHERE_VALUE_MODEL=DIR/value/<version>
//     build/release/bench/bench_value
// The forecasts also report their percentiles per engagement basis ("posts", "snapshot",
// "prior"): the basis picks the forest family, and forests differ in size.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "model/value/value_history.h"
#include "model/value/value_model.h"
#include "service/value_service.h"
#include "store/store.h"

namespace sphere::value {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kHorizonDays = 30;  // sphere value's default

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "bench_value: %s\n", what.c_str());
  std::exit(2);
}

double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// One creator as `sphere value` sees them by default: the history, cut at the latest
// observation (the summary points into the history, which Setup keeps).
struct Case {
  const CreatorHistory* history = nullptr;
  UnixSeconds as_of = 0;
  Summary summary;
  std::string basis;  // the engagement forecast's basis
};

struct Setup {
  std::shared_ptr<const ValueModel> model;
  std::vector<CreatorHistory> histories;
  std::vector<Case> cases;  // shuffled
};

// Never destroyed: the cases point into it for the whole run.
Setup& Build() {
  const char* model_dir = std::getenv("SPHERE_VALUE_MODEL");
  const char* store_url = std::getenv("SPHERE_VALUE_STORE");
  if (model_dir == nullptr || *model_dir == '\0' || store_url == nullptr || *store_url == '\0') {
    Fail(
        "set SPHERE_VALUE_STORE to a store URL with real creators (sqlite:FILE; a copy of "
        "var/sphere.db, never the file itself) and SPHERE_VALUE_MODEL to a Market Value model "
        "trained on it (<models>/value/<version>, written by `sphere train value --models "
        "<models>`)");
  }
  auto start = Clock::now();
  auto model = ValueModel::Load(model_dir);
  if (!model.ok()) Fail(model.status().ToString());
  const double model_ms = MillisecondsSince(start);

  start = Clock::now();
  auto store = OpenStore(store_url);
  if (!store.ok()) Fail(store.status().ToString());
  auto inputs = service::LoadValueInputs(**store);
  if (!inputs.ok()) Fail(inputs.status().ToString());
  const double load_ms = MillisecondsSince(start);

  auto* s = new Setup{std::move(model).value(), std::move(inputs->histories), {}};
  std::map<std::string, int64_t> skipped, by_platform, by_basis;
  for (const CreatorHistory& h : s->histories) {
    const UnixSeconds as_of = LatestObservation(h);
    if (as_of == 0) {
      skipped["no dated observation"]++;
      continue;
    }
    Case c{&h, as_of, Summarize(h, as_of), ""};
    auto f = s->model->Forecast(h.platform, h.niche, c.summary, kHorizonDays);
    if (!f.ok()) {
      // As in `sphere value`: nothing to forecast from is a creator left out.
      if (f.status().code() != Code::kFailedPrecondition) Fail(f.status().ToString());
      skipped["neither an engagement level nor a follower count"]++;
      continue;
    }
    by_platform[std::string(ToString(h.platform))]++;
    by_basis[f->engagement_basis]++;
    c.basis = f->engagement_basis;
    s->cases.push_back(std::move(c));
  }
  std::shuffle(s->cases.begin(), s->cases.end(), std::mt19937_64(11));
  std::printf("model %s (ValueModel::Load %.0f ms); %zu creator histories from %s in %.1f s\n",
              s->model->version().c_str(), model_ms, s->histories.size(), store_url,
              load_ms / 1000);
  std::printf("%zu creators valued here:", s->cases.size());
  for (const auto& [platform, n] : by_platform) std::printf(" %s %lld", platform.c_str(), static_cast<long long>(n));
  std::printf("; engagement base from");
  for (const auto& [basis, n] : by_basis) std::printf(" %s %lld", basis.c_str(), static_cast<long long>(n));
  std::printf("\n");
  for (const auto& [reason, n] : skipped) {
    std::printf("  left out (%s): %lld\n", reason.c_str(), static_cast<long long>(n));
  }
  if (s->cases.empty()) Fail("no creator in the store can be valued");
  return *s;
}

Setup& Get() {
  static Setup& setup = Build();
  return setup;
}

// The q-quantile of sorted values (nearest rank).
double At(const std::vector<double>& sorted, double q) {
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// Times each call of `call(i)` over cases i = 0, 1, ... and sets the percentiles (µs), overall
// and, with by_basis, per engagement basis ("posts_p50_us", ...).
template <typename Call>
void Latency(benchmark::State& state, const Setup& s, bool by_basis, Call call) {
  std::vector<double> us;
  std::map<std::string, std::vector<double>> per_basis;
  us.reserve(static_cast<size_t>(state.max_iterations));
  size_t i = 0;
  for (auto _ : state) {
    const auto start = Clock::now();
    call(i);
    const double t = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    us.push_back(t);
    if (by_basis) per_basis[s.cases[i % s.cases.size()].basis].push_back(t);
    ++i;
  }
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (double v : us) sum += v;
  state.counters["p50_us"] = At(us, 0.5);
  state.counters["p99_us"] = At(us, 0.99);
  state.counters["p999_us"] = At(us, 0.999);
  state.counters["mean_us"] = sum / static_cast<double>(us.size());
  state.counters["max_us"] = us.back();
  for (auto& [basis, times] : per_basis) {
    std::sort(times.begin(), times.end());
    state.counters[basis + "_p50_us"] = At(times, 0.5);
    state.counters[basis + "_p99_us"] = At(times, 0.99);
  }
  state.SetItemsProcessed(static_cast<int64_t>(us.size()));
}

void ForecastOne(benchmark::State& state, bool explain) {
  const Setup& s = Get();
  Latency(state, s, /*by_basis=*/true, [&](size_t i) {
    const Case& c = s.cases[i % s.cases.size()];
    auto f = s.model->Forecast(c.history->platform, c.history->niche, c.summary, kHorizonDays,
                               explain);
    if (!f.ok()) state.SkipWithError(f.status().ToString().c_str());
    benchmark::DoNotOptimize(f);
  });
}

void BM_Forecast(benchmark::State& state) { ForecastOne(state, false); }
void BM_ForecastExplain(benchmark::State& state) { ForecastOne(state, true); }

void BM_Summarize(benchmark::State& state) {
  const Setup& s = Get();
  Latency(state, s, /*by_basis=*/false, [&](size_t i) {
    const Case& c = s.cases[i % s.cases.size()];
    benchmark::DoNotOptimize(Summarize(*c.history, c.as_of));
  });
}

// What `sphere value` does per creator before pricing: cut the history, forecast, explain.
void BM_SummarizeForecastExplain(benchmark::State& state) {
  const Setup& s = Get();
  Latency(state, s, /*by_basis=*/false, [&](size_t i) {
    const Case& c = s.cases[i % s.cases.size()];
    const Summary summary = Summarize(*c.history, c.as_of);
    auto f = s.model->Forecast(c.history->platform, c.history->niche, summary, kHorizonDays,
                               /*explain=*/true);
    if (!f.ok()) state.SkipWithError(f.status().ToString().c_str());
    benchmark::DoNotOptimize(f);
  });
}

// The console output, then the percentiles side by side and the cost of the contributions.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      if (!run.counters.count("p50_us")) continue;
      const std::string name = run.run_name.function_name;
      latency_[name] = {run.counters.at("p50_us").value, run.counters.at("p99_us").value,
                        run.counters.at("p999_us").value, run.counters.at("mean_us").value};
      for (const auto& [counter, value] : run.counters) {
        const size_t at = counter.find("_p50_us");
        if (counter == "p50_us" || at == std::string::npos) continue;
        const std::string basis = counter.substr(0, at);
        by_basis_[name + " " + basis] = {value.value, run.counters.at(basis + "_p99_us").value};
      }
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nper creator, wall (us):           p50       p99      p999      mean\n");
    for (const auto& [name, l] : latency_) {
      std::printf("  %-30s %9.1f %9.1f %9.1f %9.1f\n", name.c_str(), l[0], l[1], l[2], l[3]);
    }
    std::printf("by engagement basis:                p50       p99\n");
    for (const auto& [name, l] : by_basis_) {
      std::printf("  %-30s %9.1f %9.1f\n", name.c_str(), l[0], l[1]);
    }
    const auto plain = latency_.find("BM_Forecast"), explain = latency_.find("BM_ForecastExplain");
    if (plain != latency_.end() && explain != latency_.end()) {
      std::printf("contributions add p50 %.1f us, p99 %.1f us (Explain / plain: p50 %.1fx)\n",
                  explain->second[0] - plain->second[0], explain->second[1] - plain->second[1],
                  explain->second[0] / plain->second[0]);
    }
  }

 private:
  std::map<std::string, std::array<double, 4>> latency_;
  std::map<std::string, std::array<double, 2>> by_basis_;
};

void Register(const Setup& s) {
  const auto n = static_cast<benchmark::IterationCount>(s.cases.size());
  for (auto [name, fn] : std::initializer_list<std::pair<const char*, void (*)(benchmark::State&)>>{
           {"BM_Forecast", BM_Forecast},
           {"BM_ForecastExplain", BM_ForecastExplain},
           {"BM_Summarize", BM_Summarize},
           {"BM_SummarizeForecastExplain", BM_SummarizeForecastExplain}}) {
    benchmark::RegisterBenchmark(name, fn)->Iterations(n)->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace
}  // namespace sphere::value

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  sphere::value::Register(sphere::value::Get());
  sphere::value::SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
