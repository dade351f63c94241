// The whole post feature vector (post, creator, caption, visual from the description,
// history): what training pays per stored post and serving per draft.
// Run: build/release/bench/bench_post_features
#include <benchmark/benchmark.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "features/post/post_features.h"
#include "ingest/collecting_sink.h"
#include "ingest/formats.h"

namespace sphere::features {
namespace {

struct KimData {
  std::map<std::string, Creator> creators;
  std::map<std::string, std::vector<Post>> posts;
};

const KimData& Kim() {
  static const KimData data = [] {
    KimData d;
    const std::filesystem::path path =
        std::filesystem::path(SPHERE_SOURCE_DIR) / "data/instagram/kim_posts.csv.gz";
    ingest::CollectingSink sink;
    ingest::ImportReport report(path.string(), "kim_posts");
    if (!ingest::KimPostsFormat().run(path, sink, report).ok()) return d;
    for (const Creator& c : sink.creators) d.creators[c.handle] = c;
    for (const Post& p : sink.posts) d.posts[p.creator_handle].push_back(p);
    return d;
  }();
  return data;
}

void BM_PostFeaturesEveryKimPost(benchmark::State& state) {
  auto featurizer =
      PostFeaturizer::Create(AssetDir(std::filesystem::path(SPHERE_SOURCE_DIR) / "var/assets"));
  if (!featurizer.ok()) {
    state.SkipWithError(featurizer.status().ToString().c_str());
    return;
  }
  const KimData& kim = Kim();
  if (kim.posts.empty()) {
    state.SkipWithError("the Kim posts did not load");
    return;
  }
  int64_t posts = 0;
  for (auto _ : state) {
    for (const auto& [handle, creator_posts] : kim.posts) {
      const auto creator = kim.creators.find(handle);
      if (creator == kim.creators.end()) continue;
      CreatorContext context{&creator->second, creator_posts, {}};
      for (const Post& p : creator_posts) {
        if (!p.posted_at) continue;
        auto f = (*featurizer)->Extract(DraftFromPost(p), context, *p.posted_at);
        benchmark::DoNotOptimize(f);
        ++posts;
      }
    }
  }
  state.SetItemsProcessed(posts);
}
BENCHMARK(BM_PostFeaturesEveryKimPost)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace sphere::features

BENCHMARK_MAIN();
