// History features: the cost of a creator's past at time t.
// Run: build/release/bench/bench_history
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "features/history/history_features.h"
#include "ingest/collecting_sink.h"
#include "ingest/formats.h"

namespace sphere::features {
namespace {

constexpr UnixSeconds kDay = 86400;

// One creator with `n` posts a day or two apart and a year of weekly snapshots.
struct SyntheticCreator {
  Creator creator;
  std::vector<Post> posts;
  std::vector<Snapshot> snapshots;
};

SyntheticCreator MakeCreator(int n) {
  std::mt19937_64 rng(7);
  SyntheticCreator c;
  c.creator.followers = 120'000;
  UnixSeconds t = 1'500'000'000;
  for (int i = 0; i < n; ++i) {
    Post p;
    p.posted_at = t;
    p.likes = 1000 + static_cast<int64_t>(rng() % 5000);
    p.comments = static_cast<int64_t>(rng() % 200);
    p.media_type = static_cast<MediaType>(rng() % 3);
    p.sponsored = rng() % 10 == 0;
    c.posts.push_back(p);
    t += kDay + static_cast<UnixSeconds>(rng() % kDay);
  }
  for (int week = 0; week < 52; ++week) {
    Snapshot s;
    s.taken_at = 1'500'000'000 + week * 7 * kDay;
    s.followers = 100'000 + week * 400;
    c.snapshots.push_back(s);
  }
  return c;
}

// History at the creator's newest post: the serving case (a draft after all known posts).
void BM_HistoryAtLatestPost(benchmark::State& state) {
  SyntheticCreator c = MakeCreator(static_cast<int>(state.range(0)));
  const UnixSeconds at = *c.posts.back().posted_at + kDay;
  for (auto _ : state) {
    HistoryFeatures h = ComputeHistory(c.creator, c.posts, c.snapshots, at);
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistoryAtLatestPost)->Arg(8)->Arg(50)->Arg(500)->Unit(benchmark::kMicrosecond);

// The training case on the real Kim posts: every post's history from its creator's other
// posts, creator by creator. Items are posts.
void BM_HistoryEveryKimPost(benchmark::State& state) {
  const std::filesystem::path path =
      std::filesystem::path(SPHERE_SOURCE_DIR) / "data/instagram/kim_posts.csv.gz";
  ingest::CollectingSink sink;
  ingest::ImportReport report(path.string(), "kim_posts");
  if (Status s = ingest::KimPostsFormat().run(path, sink, report); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  std::map<std::string, std::vector<Post>> by_creator;
  for (const Post& p : sink.posts) by_creator[p.creator_handle].push_back(p);
  Creator creator;
  creator.followers = 10'000;
  int64_t posts = 0;
  for (auto _ : state) {
    for (const auto& [handle, creator_posts] : by_creator) {
      for (const Post& p : creator_posts) {
        if (!p.posted_at) continue;
        HistoryFeatures h = ComputeHistory(creator, creator_posts, {}, *p.posted_at);
        benchmark::DoNotOptimize(h);
        ++posts;
      }
    }
  }
  state.SetItemsProcessed(posts);
  state.counters["creators"] = static_cast<double>(by_creator.size());
}
BENCHMARK(BM_HistoryEveryKimPost)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sphere::features

BENCHMARK_MAIN();
