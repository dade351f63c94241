// Visual features: per 1080 px photo, the whole of ImageFeaturizer::FromBytes and each stage
// (counters, ms per image), with BlazeFace and with the Haar fallback; and FromImageDescription
// over every accessibility caption of the Kim posts.
// Run: build/release/bench/bench_image   (docs/features-visual.md has the figures)
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "features/visual/visual_features.h"
#include "ingest/collecting_sink.h"
#include "ingest/formats.h"

namespace sphere::features {
namespace {

const std::filesystem::path kSource(SPHERE_SOURCE_DIR);

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void ImageFeatures(benchmark::State& state, const AssetDir& assets, const char* image) {
  auto featurizer = ImageFeaturizer::Create(assets);
  if (!featurizer.ok()) {
    state.SkipWithError(featurizer.status().ToString().c_str());
    return;
  }
  const std::string bytes = ReadFile(kSource / "tests/data/images" / image);
  StageTimes times;
  for (auto _ : state) {
    Result<VisualFeatures> f = (*featurizer)->FromBytes(bytes, &times);
    if (!f.ok()) {
      state.SkipWithError(f.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(f->brisque);
  }
  const double n = static_cast<double>(state.iterations());
  auto ms = [&](StageTimes::Ms StageTimes::*stage) { return (times.*stage).count() / n; };
  state.counters["header_ms"] = ms(&StageTimes::header);
  state.counters["decode_ms"] = ms(&StageTimes::decode);
  state.counters["resize_ms"] = ms(&StageTimes::resize);
  state.counters["faces_ms"] = ms(&StageTimes::faces);
  state.counters["stats_ms"] = ms(&StageTimes::stats);
  state.counters["brisque_ms"] = ms(&StageTimes::brisque);
  state.counters["palette_ms"] = ms(&StageTimes::palette);
  state.counters["text_ms"] = ms(&StageTimes::text);
  state.SetLabel((*featurizer)->face_detector());
}

void BM_ImageFeatures1080BlazeFace(benchmark::State& state) {
  ImageFeatures(state, AssetDir(kSource / "var/assets"), "three_women_1080.jpg");
}
BENCHMARK(BM_ImageFeatures1080BlazeFace)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

void BM_ImageFeatures1080Haar(benchmark::State& state) {
  // An asset directory without the ONNX file selects the Haar fallback.
  ImageFeatures(state, AssetDir(kSource / "var/no-assets"), "three_women_1080.jpg");
}
BENCHMARK(BM_ImageFeatures1080Haar)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

void BM_FromImageDescription(benchmark::State& state) {
  static const std::vector<std::string> kDescriptions = [] {
    ingest::CollectingSink collected;
    const std::filesystem::path path = kSource / "data/instagram/kim_posts.csv.gz";
    ingest::ImportReport report(path.string(), "kim_posts");
    std::vector<std::string> out;
    if (!ingest::KimPostsFormat().run(path, collected, report).ok()) return out;
    for (Post& post : collected.posts) out.push_back(std::move(post.image_description));
    return out;
  }();
  const std::vector<std::string>* descriptions = &kDescriptions;
  if (descriptions->empty()) {
    state.SkipWithError("no descriptions read from data/instagram/kim_posts.csv.gz");
    return;
  }
  size_t i = 0;
  for (auto _ : state) {
    VisualFeatures f = FromImageDescription((*descriptions)[i]);
    benchmark::DoNotOptimize(f.people);
    if (++i == descriptions->size()) i = 0;
  }
  state.counters["descriptions"] = static_cast<double>(descriptions->size());
}
BENCHMARK(BM_FromImageDescription)->Unit(benchmark::kNanosecond);

}  // namespace
}  // namespace sphere::features

BENCHMARK_MAIN();
