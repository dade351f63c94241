// Exact TreeSHAP contributions and predictions per row: XGBoost 1.7's own (pred_contribs through
// xgb::Booster, one row per call and 1,000-row batches) against model/trees' Forest, on the
// PLEP-shaped model of issue 4: 300 trees of depth 6 (eta 0.05) over 100 features, trained on
// 20,000 synthetic rows with NaNs. Single-threaded on both sides (XGBoost nthread=1), so the
// times are CPU per row. Prints the ratios and the largest difference seen. Run:
//   build/release/bench/bench_trees (release preset)
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "model/trees/forest.h"
#include "model/xgboost/xgboost_model.h"

namespace sphere::trees {
namespace {

constexpr size_t kFeatures = 100;
constexpr size_t kTrainRows = 20000;
constexpr size_t kBatch = 1000;

// Half the columns continuous with 15% NaN, a quarter small integers, a quarter dense normal.
xgb::DenseMatrix Rows(size_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  std::normal_distribution<float> normal(0, 1);
  xgb::DenseMatrix x;
  x.rows = rows;
  x.cols = kFeatures;
  x.values.reserve(rows * kFeatures);
  for (size_t i = 0; i < rows * kFeatures; ++i) {
    const size_t j = i % kFeatures;
    float v = 0;
    if (j % 4 < 2) {
      v = u(rng) < 0.15f ? std::nanf("") : u(rng);
    } else if (j % 4 == 2) {
      v = std::floor(u(rng) * 8);
    } else {
      v = normal(rng);
    }
    x.values.push_back(v);
  }
  return x;
}

std::vector<float> Target(const xgb::DenseMatrix& x, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> noise(0, 0.3f);
  std::vector<float> y;
  for (size_t i = 0; i < x.rows; ++i) {
    const float* r = &x.values[i * kFeatures];
    double s = 0;
    for (size_t j = 0; j < 40; ++j) {
      const float v = std::isnan(r[j]) ? 0.3f : r[j];
      s += (j % 3 == 0 ? std::sin(2 * v) : 0.2 * v) * (1.0 + 0.05 * static_cast<double>(j % 7));
    }
    s += (r[1] > 0.5f && !std::isnan(r[0])) ? 0.8 : 0;
    y.push_back(static_cast<float>(0.25 * s + noise(rng)));  // margins of a few units, as PLEP's
  }
  return y;
}

struct Setup {
  xgb::Booster booster;
  Forest forest;
  xgb::DenseMatrix test;
};

const Setup& Model() {
  // Never destroyed: XGBoost's thread-local API state is torn down at exit before a static
  // Booster would be, and XGBoosterFree then double-frees inside libxgboost.
  static const Setup& setup = *[] {
    const xgb::DenseMatrix train = Rows(kTrainRows, 1);
    xgb::TrainOptions options;
    options.params = {{"max_depth", "6"},   {"eta", "0.05"},
                      {"seed", "7"},        {"objective", "reg:squarederror"},
                      {"nthread", "1"},     {"tree_method", "hist"},
                      {"base_score", "0.5"}};
    options.max_rounds = 300;
    auto booster = xgb::Booster::Train(train, Target(train, 2), nullptr, {}, options);
    if (!booster.ok()) {
      std::fprintf(stderr, "training: %s\n", booster.status().ToString().c_str());
      std::abort();
    }
    const auto json = booster->SaveJson();
    const auto start = std::chrono::steady_clock::now();
    auto forest = Forest::FromXgboostJson(*json);
    const double load_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!forest.ok()) {
      std::fprintf(stderr, "forest: %s\n", forest.status().ToString().c_str());
      std::abort();
    }
    auto* setup = new Setup{std::move(booster).value(), std::move(forest).value(), Rows(kBatch, 3)};
    const Setup& s = *setup;

    // The two must agree before their speed means anything.
    const auto contributions = s.booster.Contributions(s.test);
    const auto predictions = s.booster.Predict(s.test);
    double worst_contribution = 0, worst_prediction = 0;
    std::vector<double> out(kFeatures + 1);
    for (size_t i = 0; i < kBatch; ++i) {
      const std::span<const float> row(&s.test.values[i * kFeatures], kFeatures);
      if (!s.forest.Contributions(row, out).ok()) std::abort();
      for (size_t j = 0; j <= kFeatures; ++j) {
        worst_contribution = std::max(worst_contribution,
                                      std::abs(out[j] - (*contributions)[i * (kFeatures + 1) + j]));
      }
      worst_prediction =
          std::max(worst_prediction, std::abs(s.forest.Predict(row) - (*predictions)[i]));
    }
    std::printf(
        "model: %d trees, depth %d, %zu KiB of tables, %d direct leaves, loaded in %.1f ms; "
        "on %zu rows max |diff| vs XGBoost: contribution %.2g, prediction %.2g\n",
        s.forest.trees(), s.forest.max_depth(), s.forest.table_bytes() / 1024,
        s.forest.direct_leaves(), load_ms, kBatch, worst_contribution, worst_prediction);
    return setup;
  }();
  return setup;
}

xgb::DenseMatrix OneRow(const xgb::DenseMatrix& m, size_t i) {
  xgb::DenseMatrix row;
  row.rows = 1;
  row.cols = m.cols;
  row.values.assign(m.values.begin() + static_cast<ptrdiff_t>(i * m.cols),
                    m.values.begin() + static_cast<ptrdiff_t>((i + 1) * m.cols));
  return row;
}

void PerRow(benchmark::State& state, size_t rows_per_iteration) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows_per_iteration));
  state.counters["rows_per_iteration"] = static_cast<double>(rows_per_iteration);
}

void BM_XgbContributionsOneRow(benchmark::State& state) {
  const Setup& s = Model();
  std::vector<xgb::DenseMatrix> rows;
  for (size_t i = 0; i < 64; ++i) rows.push_back(OneRow(s.test, i));
  size_t i = 0;
  for (auto _ : state) {
    auto out = s.booster.Contributions(rows[i++ % rows.size()]);
    benchmark::DoNotOptimize(out);
  }
  PerRow(state, 1);
}
BENCHMARK(BM_XgbContributionsOneRow)->Unit(benchmark::kMicrosecond);

void BM_XgbContributionsBatch(benchmark::State& state) {
  const Setup& s = Model();
  for (auto _ : state) {
    auto out = s.booster.Contributions(s.test);
    benchmark::DoNotOptimize(out);
  }
  PerRow(state, kBatch);
}
BENCHMARK(BM_XgbContributionsBatch)->Unit(benchmark::kMicrosecond);

void BM_ForestContributions(benchmark::State& state) {
  const Setup& s = Model();
  std::vector<double> out(kFeatures + 1);
  size_t i = 0;
  for (auto _ : state) {
    const std::span<const float> row(&s.test.values[(i++ % kBatch) * kFeatures], kFeatures);
    benchmark::DoNotOptimize(s.forest.Contributions(row, out));
    benchmark::ClobberMemory();
  }
  PerRow(state, 1);
}
BENCHMARK(BM_ForestContributions)->Unit(benchmark::kMicrosecond);

void BM_XgbPredictOneRow(benchmark::State& state) {
  const Setup& s = Model();
  std::vector<xgb::DenseMatrix> rows;
  for (size_t i = 0; i < 64; ++i) rows.push_back(OneRow(s.test, i));
  size_t i = 0;
  for (auto _ : state) {
    auto out = s.booster.Predict(rows[i++ % rows.size()]);
    benchmark::DoNotOptimize(out);
  }
  PerRow(state, 1);
}
BENCHMARK(BM_XgbPredictOneRow)->Unit(benchmark::kMicrosecond);

void BM_XgbPredictBatch(benchmark::State& state) {
  const Setup& s = Model();
  for (auto _ : state) {
    auto out = s.booster.Predict(s.test);
    benchmark::DoNotOptimize(out);
  }
  PerRow(state, kBatch);
}
BENCHMARK(BM_XgbPredictBatch)->Unit(benchmark::kMicrosecond);

void BM_ForestPredict(benchmark::State& state) {
  const Setup& s = Model();
  size_t i = 0;
  for (auto _ : state) {
    const std::span<const float> row(&s.test.values[(i++ % kBatch) * kFeatures], kFeatures);
    benchmark::DoNotOptimize(s.forest.Predict(row));
  }
  PerRow(state, 1);
}
BENCHMARK(BM_ForestPredict)->Unit(benchmark::kMicrosecond);

// The console output plus, at the end, CPU µs per row of each benchmark and the ratios.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      const auto rows = run.counters.find("rows_per_iteration");
      if (rows == run.counters.end()) continue;
      // Adjusted times are in the run's unit, microseconds here.
      per_row_[run.run_name.function_name] = run.GetAdjustedCPUTime() / rows->second.value;
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    auto at = [&](const char* name) {
      const auto it = per_row_.find(name);
      return it == per_row_.end() ? std::nan("") : it->second;
    };
    std::printf("\nCPU per row (µs):\n");
    for (const auto& [name, us] : per_row_) std::printf("  %-28s %10.2f\n", name.c_str(), us);
    auto ratio = [&](const char* what, const char* one_row, const char* batch, const char* ours) {
      const double a = at(one_row) / at(ours), b = at(batch) / at(ours);
      if (std::isnan(a) || std::isnan(b)) return;  // filtered out
      std::printf("%s XGBoost / Forest = %.1fx (1 row a call), %.1fx (1000-row batch)\n", what, a,
                  b);
    };
    ratio("contributions:", "BM_XgbContributionsOneRow", "BM_XgbContributionsBatch",
          "BM_ForestContributions");
    ratio("predict:      ", "BM_XgbPredictOneRow", "BM_XgbPredictBatch", "BM_ForestPredict");
  }

 private:
  std::map<std::string, double> per_row_;
};

}  // namespace
}  // namespace sphere::trees

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  sphere::trees::Model();  // train before the first timing
  sphere::trees::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
