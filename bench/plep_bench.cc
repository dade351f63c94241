// The trained PLEP model on the real Kim posts: one post scored with its exact contributions
// (PlepModel::Explain, trees::Forest) against XGBoost's own pred_contribs on the same model,
// one post end to end (features from a stored post and its history, then Explain), Predict
// alone, and batch scoring. Latency benchmarks time every call (steady_clock) and report
// p50 / p99 / p999 as counters; they run once over every real row, in a fixed shuffled order.
// Before timing, checks that Forest's contributions equal XGBoost's on every row and prints the
// largest difference (SPHERE_PLEP_CHECK=0 skips it).
//
// XGBoost runs single-threaded (OMP_NUM_THREADS=1; the program re-executes itself with it
// when unset, since a loaded Booster takes its thread count from OpenMP), so both sides are
// CPU per row. Run (release preset; a model from `sphere train plep --models DIR`):
//   SPHERE_PLEP_MODEL=DIR/plep/<version> build/release/bench/bench_plep
// Assets: $SPHERE_ASSETS, else var/assets of the source tree.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "features/post/post_features.h"
#include "ingest/collecting_sink.h"
#include "ingest/formats.h"
#include "model/plep/plep_features.h"
#include "model/plep/plep_model.h"
#include "model/xgboost/xgboost_model.h"
#include "service/plep_service.h"

namespace sphere::plep {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "bench_plep: %s\n", what.c_str());
  std::exit(2);
}

double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// One dated Kim post with what scoring it needs: its creator, the creator's posts (history is
// taken strictly before the post), the creator's niche, and the precomputed PLEP vector.
struct PostCase {
  const Post* post = nullptr;
  const Creator* creator = nullptr;
  std::span<const Post> creator_posts;
  const std::optional<std::string>* niche = nullptr;
};

struct Setup {
  std::shared_ptr<const PlepModel> model;
  xgb::Booster booster;  // the same engagement forest, in XGBoost
  std::unique_ptr<features::PostFeaturizer> featurizer;
  std::map<std::string, Creator> creators;
  std::map<std::string, std::vector<Post>> posts;
  std::map<std::string, std::optional<std::string>> niches;
  std::vector<PostCase> cases;                   // shuffled
  std::vector<features::FeatureVector> vectors;  // cases[i]'s PLEP vector
  xgb::DenseMatrix rows;                         // the same, as floats (NaN = missing)
  size_t cols = 0;

  std::span<const float> Row(size_t i) const { return {&rows.values[i * cols], cols}; }
  xgb::DenseMatrix OneRow(size_t i) const {
    xgb::DenseMatrix m;
    m.rows = 1;
    m.cols = cols;
    m.values.assign(rows.values.begin() + static_cast<ptrdiff_t>(i * cols),
                    rows.values.begin() + static_cast<ptrdiff_t>((i + 1) * cols));
    return m;
  }
};

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(path.string() + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Never destroyed: XGBoost's thread-local API state is torn down at exit before a static
// Booster would be (see bench_trees).
Setup& Build() {
  const char* model_dir = std::getenv("SPHERE_PLEP_MODEL");
  if (model_dir == nullptr || *model_dir == '\0') {
    Fail(
        "set SPHERE_PLEP_MODEL to a trained PLEP model directory (<models>/plep/<version>, "
        "written by `sphere train plep --models <models>`)");
  }
  auto start = Clock::now();
  auto model = PlepModel::Load(model_dir);
  if (!model.ok()) Fail(model.status().ToString());
  const double model_ms = MillisecondsSince(start);
  auto json = ReadFile(std::filesystem::path(model_dir) / "engagement.json");
  if (!json.ok()) Fail(json.status().ToString());
  start = Clock::now();
  auto booster = xgb::Booster::Load(*json);
  if (!booster.ok()) Fail("XGBoost: " + booster.status().ToString());
  const double booster_ms = MillisecondsSince(start);

  const char* assets_env = std::getenv("SPHERE_ASSETS");
  const std::filesystem::path assets =
      assets_env != nullptr && *assets_env != '\0'
          ? std::filesystem::path(assets_env)
          : std::filesystem::path(SPHERE_SOURCE_DIR) / "var/assets";
  auto featurizer = features::PostFeaturizer::Create(features::AssetDir(assets));
  if (!featurizer.ok()) Fail(featurizer.status().ToString());

  auto* s = new Setup{std::move(model).value(), std::move(booster).value(),
                      std::move(featurizer).value()};
  const trees::Forest& forest = s->model->engagement_forest();
  std::printf(
      "model %s: engagement forest %d trees, depth %d, %zu KiB of tables, %d direct leaves; "
      "PlepModel::Load (3 forests) %.0f ms, XGBoost load %.0f ms\n",
      s->model->version().c_str(), forest.trees(), forest.max_depth(), forest.table_bytes() / 1024,
      forest.direct_leaves(), model_ms, booster_ms);

  const std::filesystem::path kim =
      std::filesystem::path(SPHERE_SOURCE_DIR) / "data/instagram/kim_posts.csv.gz";
  ingest::CollectingSink sink;
  ingest::ImportReport report(kim.string(), "kim_posts");
  if (Status st = ingest::KimPostsFormat().run(kim, sink, report); !st.ok()) {
    Fail(st.ToString());
  }
  for (const Creator& c : sink.creators) s->creators[c.handle] = c;
  for (const Post& p : sink.posts) s->posts[p.creator_handle].push_back(p);
  for (const auto& [handle, creator] : s->creators) {
    auto niche = service::PlepNicheOf(nullptr, creator);
    s->niches[handle] = niche.ok() ? *niche : std::nullopt;
  }
  for (const auto& [handle, creator_posts] : s->posts) {
    const auto creator = s->creators.find(handle);
    if (creator == s->creators.end()) continue;
    for (const Post& p : creator_posts) {
      if (!p.posted_at) continue;
      s->cases.push_back({&p, &creator->second, creator_posts, &s->niches[handle]});
    }
  }
  std::shuffle(s->cases.begin(), s->cases.end(), std::mt19937_64(11));

  // The row benchmarks read precomputed vectors (the training path's, per stored post).
  start = Clock::now();
  s->cols = PlepFeatureNames().size();
  s->rows.cols = s->cols;
  s->vectors.reserve(s->cases.size());
  s->rows.values.reserve(s->cases.size() * s->cols);
  for (const PostCase& c : s->cases) {
    const features::CreatorContext context{c.creator, c.creator_posts, {}};
    auto f = s->featurizer->Extract(features::DraftFromPost(*c.post), context, *c.post->posted_at);
    if (!f.ok()) Fail(f.status().ToString());
    features::FeatureVector x = service::PlepVector(*f, *c.niche);
    const std::vector<float> row = x.ValuesAsFloat();
    s->rows.values.insert(s->rows.values.end(), row.begin(), row.end());
    s->vectors.push_back(std::move(x));
  }
  s->rows.rows = s->cases.size();
  std::printf("%zu dated Kim posts of %zu creators (%zu features each); vectors in %.1f s\n",
              s->cases.size(), s->creators.size(), s->cols, MillisecondsSince(start) / 1000);
  if (s->cases.empty()) Fail("no dated Kim posts loaded");
  return *s;
}

Setup& Get() {
  static Setup& setup = Build();
  return setup;
}

// Forest's contributions and predictions against XGBoost's on every row (XGBoost batched).
void CheckAgainstXgboost(const Setup& s) {
  const auto start = Clock::now();
  auto contributions = s.booster.Contributions(s.rows);
  if (!contributions.ok()) Fail(contributions.status().ToString());
  const double xgb_ms = MillisecondsSince(start);
  auto predictions = s.booster.Predict(s.rows);
  if (!predictions.ok()) Fail(predictions.status().ToString());
  const trees::Forest& forest = s.model->engagement_forest();
  std::vector<double> out(s.cols + 1);
  double worst = 0, worst_prediction = 0, worst_explain = 0, max_margin = 0;
  size_t over = 0;
  for (size_t i = 0; i < s.rows.rows; ++i) {
    if (!forest.Contributions(s.Row(i), out).ok()) Fail("Forest::Contributions refused a row");
    double row_worst = 0;
    for (size_t j = 0; j <= s.cols; ++j) {
      row_worst = std::max(row_worst, std::abs(out[j] - (*contributions)[i * (s.cols + 1) + j]));
    }
    if (row_worst > 1e-4) ++over;
    worst = std::max(worst, row_worst);
    worst_prediction =
        std::max(worst_prediction, std::abs(forest.Predict(s.Row(i)) - (*predictions)[i]));
    max_margin = std::max(max_margin, std::abs(static_cast<double>((*predictions)[i])));
    auto e = s.model->Explain(s.vectors[i]);
    if (!e.ok()) Fail(e.status().ToString());
    worst_explain = std::max(worst_explain, std::abs(e->prediction.log_engagement -
                                                     static_cast<double>((*predictions)[i])));
  }
  std::printf(
      "check on all %zu rows: max |contribution diff| vs XGBoost %.2g (%zu rows over 1e-4), "
      "max |prediction diff| %.2g (Explain's sum %.2g; margins up to %.1f); "
      "XGBoost contributions batch %.1f s = %.0f us/row\n",
      s.rows.rows, worst, over, worst_prediction, worst_explain, max_margin, xgb_ms / 1000,
      1000 * xgb_ms / static_cast<double>(s.rows.rows));
}

// Times each call of `call(i)` over rows i = 0, 1, ... and sets the percentiles (µs).
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

void BM_Explain(benchmark::State& state) {
  const Setup& s = Get();
  Latency(state, [&](size_t i) {
    auto e = s.model->Explain(s.vectors[i % s.vectors.size()]);
    if (!e.ok()) state.SkipWithError(e.status().ToString().c_str());
    benchmark::DoNotOptimize(e);
  });
}

void BM_ForestContributions(benchmark::State& state) {
  const Setup& s = Get();
  std::vector<double> out(s.cols + 1);
  Latency(state, [&](size_t i) {
    benchmark::DoNotOptimize(
        s.model->engagement_forest().Contributions(s.Row(i % s.rows.rows), out));
    benchmark::ClobberMemory();
  });
}

void BM_XgbContributions(benchmark::State& state) {
  const Setup& s = Get();
  Latency(state, [&](size_t i) {
    auto out = s.booster.Contributions(s.OneRow(i % s.rows.rows));
    if (!out.ok()) state.SkipWithError(out.status().ToString().c_str());
    benchmark::DoNotOptimize(out);
  });
}

void BM_EndToEnd(benchmark::State& state) {
  const Setup& s = Get();
  Latency(state, [&](size_t i) {
    const PostCase& c = s.cases[i % s.cases.size()];
    const features::CreatorContext context{c.creator, c.creator_posts, {}};
    auto f = s.featurizer->Extract(features::DraftFromPost(*c.post), context, *c.post->posted_at);
    if (!f.ok()) {
      state.SkipWithError(f.status().ToString().c_str());
      return;
    }
    auto e = s.model->Explain(service::PlepVector(*f, *c.niche));
    if (!e.ok()) state.SkipWithError(e.status().ToString().c_str());
    benchmark::DoNotOptimize(e);
  });
}

void BM_Predict(benchmark::State& state) {
  const Setup& s = Get();
  Latency(state, [&](size_t i) {
    auto p = s.model->Predict(s.vectors[i % s.vectors.size()]);
    if (!p.ok()) state.SkipWithError(p.status().ToString().c_str());
    benchmark::DoNotOptimize(p);
  });
}

void BM_ForestPredict(benchmark::State& state) {
  const Setup& s = Get();
  Latency(state, [&](size_t i) {
    benchmark::DoNotOptimize(s.model->engagement_forest().Predict(s.Row(i % s.rows.rows)));
  });
}

void BM_XgbPredict(benchmark::State& state) {
  const Setup& s = Get();
  Latency(state, [&](size_t i) {
    auto out = s.booster.Predict(s.OneRow(i % s.rows.rows));
    if (!out.ok()) state.SkipWithError(out.status().ToString().c_str());
    benchmark::DoNotOptimize(out);
  });
}

// Batch scoring: every precomputed row per iteration.
void BM_PredictRowBatch(benchmark::State& state) {
  const Setup& s = Get();
  for (auto _ : state) {
    for (size_t i = 0; i < s.rows.rows; ++i) {
      benchmark::DoNotOptimize(s.model->PredictRow(s.Row(i)));
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(s.rows.rows));
}

void BM_ForestPredictBatch(benchmark::State& state) {
  const Setup& s = Get();
  for (auto _ : state) {
    for (size_t i = 0; i < s.rows.rows; ++i) {
      benchmark::DoNotOptimize(s.model->engagement_forest().Predict(s.Row(i)));
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(s.rows.rows));
}

void BM_XgbPredictBatch(benchmark::State& state) {
  const Setup& s = Get();
  for (auto _ : state) {
    auto out = s.booster.Predict(s.rows);
    if (!out.ok()) state.SkipWithError(out.status().ToString().c_str());
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(s.rows.rows));
}

// The console output, then the percentiles side by side and the ratios XGBoost / ours.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      const std::string name = run.run_name.function_name;
      if (run.counters.count("p50_us")) {
        latency_[name] = {run.counters.at("p50_us").value, run.counters.at("p99_us").value,
                          run.counters.at("p999_us").value, run.counters.at("mean_us").value};
      }
      if (run.counters.count("items_per_second")) {
        rate_[name] = run.counters.at("items_per_second").value;
      }
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nper call, wall (us):            p50       p99      p999      mean\n");
    for (const auto& [name, l] : latency_) {
      std::printf("  %-26s %9.1f %9.1f %9.1f %9.1f\n", name.c_str(), l[0], l[1], l[2], l[3]);
    }
    std::printf("batch (rows/s):\n");
    for (const auto& [name, r] : rate_) {
      if (!latency_.count(name)) std::printf("  %-26s %12.0f\n", name.c_str(), r);
    }
    auto ratio = [&](const char* what, const char* theirs, const char* ours) {
      const auto a = latency_.find(theirs), b = latency_.find(ours);
      if (a == latency_.end() || b == latency_.end()) return;
      std::printf("%-44s p50 %.1fx, p99 %.1fx, mean %.1fx\n", what, a->second[0] / b->second[0],
                  a->second[1] / b->second[1], a->second[3] / b->second[3]);
    };
    ratio("contributions: XGBoost / Forest", "BM_XgbContributions", "BM_ForestContributions");
    ratio("contributions: XGBoost / PlepModel::Explain", "BM_XgbContributions", "BM_Explain");
    ratio("predict, 1 row: XGBoost / Forest", "BM_XgbPredict", "BM_ForestPredict");
    ratio("predict, 1 row: XGBoost / PlepModel::Predict", "BM_XgbPredict", "BM_Predict");
    const auto x = rate_.find("BM_XgbPredictBatch"), f = rate_.find("BM_ForestPredictBatch"),
               p = rate_.find("BM_PredictRowBatch");
    if (x != rate_.end() && f != rate_.end()) {
      std::printf("predict, batch: Forest / XGBoost rows/s %.1fx\n", f->second / x->second);
    }
    if (x != rate_.end() && p != rate_.end()) {
      std::printf("predict, batch: PredictRow (3 forests) / XGBoost (1 forest) rows/s %.1fx\n",
                  p->second / x->second);
    }
  }

 private:
  std::map<std::string, std::array<double, 4>> latency_;
  std::map<std::string, double> rate_;
};

void Register(const Setup& s) {
  const auto n = static_cast<benchmark::IterationCount>(s.cases.size());
  for (auto [name, fn] : std::initializer_list<std::pair<const char*, void (*)(benchmark::State&)>>{
           {"BM_Explain", BM_Explain},
           {"BM_ForestContributions", BM_ForestContributions},
           {"BM_XgbContributions", BM_XgbContributions},
           {"BM_EndToEnd", BM_EndToEnd},
           {"BM_Predict", BM_Predict},
           {"BM_ForestPredict", BM_ForestPredict},
           {"BM_XgbPredict", BM_XgbPredict}}) {
    benchmark::RegisterBenchmark(name, fn)->Iterations(n)->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark("BM_PredictRowBatch", BM_PredictRowBatch)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_ForestPredictBatch", BM_ForestPredictBatch)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_XgbPredictBatch", BM_XgbPredictBatch)
      ->Unit(benchmark::kMillisecond);
}

}  // namespace
}  // namespace sphere::plep

int main(int argc, char** argv) {
  // A loaded Booster uses OpenMP's default thread count, read by libgomp when it loads:
  // pin it to one before anything starts, unless the caller chose.
  if (std::getenv("OMP_NUM_THREADS") == nullptr) {
    setenv("OMP_NUM_THREADS", "1", 1);
    execv("/proc/self/exe", argv);
    std::perror("bench_plep: re-executing with OMP_NUM_THREADS=1");
    return 2;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::printf("OMP_NUM_THREADS=%s (XGBoost's threads)\n", std::getenv("OMP_NUM_THREADS"));
  const sphere::plep::Setup& setup = sphere::plep::Get();
  const char* check = std::getenv("SPHERE_PLEP_CHECK");
  if (check == nullptr || std::string(check) != "0") sphere::plep::CheckAgainstXgboost(setup);
  sphere::plep::Register(setup);
  sphere::plep::SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
