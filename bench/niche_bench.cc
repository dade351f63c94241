// Niche classifier speed per post: text normalisation alone, and a whole prediction
// (normalise + fastText + TF-IDF LR + blend) when SPHERE_NICHE_MODEL names a trained model
// directory. Run:
//   SPHERE_NICHE_MODEL=var/models/niche/<version> build/h-niche-rel/bench/bench_niche
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "ingest/collecting_sink.h"
#include "ingest/formats.h"
#include "model/niche/niche_classifier.h"
#include "model/niche/niche_text.h"

namespace sphere::niche {
namespace {

// The Kim posts' texts, read once.
const std::vector<Post>& KimPosts() {
  static const std::vector<Post> posts = [] {
    const auto path = std::filesystem::path(SPHERE_SOURCE_DIR) / "data/instagram/kim_posts.csv.gz";
    ingest::CollectingSink sink;
    ingest::ImportReport report(path.string(), "kim_posts");
    Status s = ingest::KimPostsFormat().run(path, sink, report);
    if (!s.ok()) std::abort();
    return std::move(sink.posts);
  }();
  return posts;
}

void BM_NicheText(benchmark::State& state) {
  const auto& posts = KimPosts();
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const Post& p = posts[i++ % posts.size()];
    std::string text = NicheText(p.caption, p.image_description);
    bytes += static_cast<int64_t>(p.caption.size() + p.image_description.size());
    benchmark::DoNotOptimize(text);
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_NicheText);

void BM_NichePredictPost(benchmark::State& state) {
  const char* dir = std::getenv("SPHERE_NICHE_MODEL");
  if (dir == nullptr) {
    state.SkipWithError("set SPHERE_NICHE_MODEL to a model directory (sphere train niche)");
    return;
  }
  static Result<NicheClassifier> classifier = NicheClassifier::Load(dir);
  if (!classifier.ok()) {
    state.SkipWithError(classifier.status().ToString().c_str());
    return;
  }
  const auto& posts = KimPosts();
  size_t i = 0;
  for (auto _ : state) {
    const Post& p = posts[i++ % posts.size()];
    Result<NichePrediction> prediction = classifier->Predict(p.caption, p.image_description);
    benchmark::DoNotOptimize(prediction);
  }
}
BENCHMARK(BM_NichePredictPost)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sphere::niche

BENCHMARK_MAIN();
