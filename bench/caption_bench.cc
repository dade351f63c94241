// Caption features per caption over the real Kim captions (data/instagram/kim_posts.csv.gz):
//   BM_CaptionCounts        the counting features alone (ICU segmentation, entities, CTA, ...)
//   BM_CaptionCountsEveryCaption  the same, each caption exactly once (for callgrind)
//   BM_CaptionExtract       everything: + fastText lid.176, VADER (English only), emoji valence
//   BM_CaptionExtractCld2   everything, with the CLD2 fallback instead of fastText
//   BM_CaptionVader         VADER alone on the same captions
// Each iteration is one caption (cycling through all of them), so Time is ns per caption.
// Run: build/release/bench/bench_caption   (results: docs/features-caption.md)
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "features/text/caption_features.h"
#include "features/text/vader.h"
#include "ingest/collecting_sink.h"
#include "ingest/formats.h"

namespace sphere::features {
namespace {

const std::filesystem::path kSource(SPHERE_SOURCE_DIR);

const std::vector<std::string>& Captions() {
  static const std::vector<std::string> captions = [] {
    ingest::CollectingSink sink;
    const auto path = kSource / "data/instagram/kim_posts.csv.gz";
    ingest::ImportReport report(path.string(), "kim_posts");
    std::vector<std::string> out;
    if (Status s = ingest::KimPostsFormat().run(path, sink, report); !s.ok()) return out;
    for (Post& p : sink.posts) out.push_back(std::move(p.caption));
    return out;
  }();
  return captions;
}

AssetDir Assets() { return AssetDir::Locate((kSource / "var/assets").string()); }

// Asset directory with the lexicons but no lid.176.ftz, so Create picks CLD2.
AssetDir Cld2Assets() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / "sphere-caption-bench-cld2";
    for (const char* rel : {"vader-sentiment/vader_lexicon.txt", "wink-sentiment/src/emojis.js"}) {
      std::filesystem::create_directories((d / rel).parent_path());
      std::filesystem::copy_file(kSource / "var/assets" / rel, d / rel,
                                 std::filesystem::copy_options::overwrite_existing);
    }
    return d;
  }();
  return AssetDir(dir);
}

bool Ready(benchmark::State& state) {
  if (Captions().empty()) {
    state.SkipWithError("cannot read data/instagram/kim_posts.csv.gz");
    return false;
  }
  return true;
}

void Finish(benchmark::State& state, int64_t bytes) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
  state.counters["captions"] = static_cast<double>(Captions().size());
}

void BM_CaptionCounts(benchmark::State& state) {
  if (!Ready(state)) return;
  const auto& captions = Captions();
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& c = captions[i];
    i = i + 1 == captions.size() ? 0 : i + 1;
    bytes += static_cast<int64_t>(c.size());
    benchmark::DoNotOptimize(CountCaptionFeatures(c));
  }
  Finish(state, bytes);
}
BENCHMARK(BM_CaptionCounts);

// One pass over every caption, exactly once: a fixed workload for instruction counts, e.g.
//   valgrind --tool=callgrind --toggle-collect='sphere::features::CountCaptionFeatures*'
//     build/release/bench/bench_caption --benchmark_filter=CountsEveryCaption
// then inclusive Ir of CountCaptionFeatures / its call count (29,874) is instructions/caption.
void BM_CaptionCountsEveryCaption(benchmark::State& state) {
  if (!Ready(state)) return;
  const auto& captions = Captions();
  int64_t bytes = 0;
  for (auto _ : state) {
    for (const std::string& c : captions) {
      bytes += static_cast<int64_t>(c.size());
      benchmark::DoNotOptimize(CountCaptionFeatures(c));
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(captions.size()));
  state.SetBytesProcessed(bytes);
  state.counters["captions"] = static_cast<double>(captions.size());
}
BENCHMARK(BM_CaptionCountsEveryCaption)->Iterations(1)->Unit(benchmark::kMillisecond);

void ExtractWith(benchmark::State& state, const AssetDir& assets) {
  if (!Ready(state)) return;
  auto featurizer = CaptionFeaturizer::Create(assets);
  if (!featurizer.ok()) {
    state.SkipWithError(featurizer.status().ToString().c_str());
    return;
  }
  const auto& captions = Captions();
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& c = captions[i];
    i = i + 1 == captions.size() ? 0 : i + 1;
    bytes += static_cast<int64_t>(c.size());
    benchmark::DoNotOptimize((*featurizer)->Extract(c));
  }
  Finish(state, bytes);
}

void BM_CaptionExtract(benchmark::State& state) { ExtractWith(state, Assets()); }
BENCHMARK(BM_CaptionExtract);

void BM_CaptionExtractCld2(benchmark::State& state) { ExtractWith(state, Cld2Assets()); }
BENCHMARK(BM_CaptionExtractCld2);

void BM_CaptionVader(benchmark::State& state) {
  if (!Ready(state)) return;
  auto lexicon = text::VaderLexicon::Load(kSource / "var/assets/vader-sentiment/vader_lexicon.txt");
  if (!lexicon.ok()) {
    state.SkipWithError(lexicon.status().ToString().c_str());
    return;
  }
  const auto& captions = Captions();
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& c = captions[i];
    i = i + 1 == captions.size() ? 0 : i + 1;
    bytes += static_cast<int64_t>(c.size());
    benchmark::DoNotOptimize(lexicon->Compound(c));
  }
  Finish(state, bytes);
}
BENCHMARK(BM_CaptionVader);

}  // namespace
}  // namespace sphere::features

BENCHMARK_MAIN();
