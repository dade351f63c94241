// Parse-only ingest speed: how fast the importers turn real files into records, with no
// store behind them. Run: build/release/bench/bench_ingest
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

#include "ingest/csv_reader.h"
#include "ingest/formats.h"
#include "ingest/numbers.h"

namespace sphere::ingest {
namespace {

const std::filesystem::path kData = std::filesystem::path(SPHERE_SOURCE_DIR) / "data";

// Counts records without keeping them, so the figure is the parser's alone.
class CountingSink : public RecordSink {
 public:
  Status Accept(Creator) override {
    ++records;
    return Status::Ok();
  }
  Status Accept(Post) override {
    ++records;
    return Status::Ok();
  }
  Status Accept(Snapshot) override {
    ++records;
    return Status::Ok();
  }
  int64_t records = 0;
};

void ImportParseOnly(benchmark::State& state, const Format& format, const char* relative) {
  std::filesystem::path path = kData / relative;
  int64_t rows = 0;
  for (auto _ : state) {
    CountingSink sink;
    ImportReport report(path.string(), std::string(format.name));
    Status s = format.run(path, sink, report);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    rows += report.rows_loaded() + report.rows_rejected();
    benchmark::DoNotOptimize(sink.records);
  }
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
}

void BM_KimPostsParse(benchmark::State& state) {
  ImportParseOnly(state, KimPostsFormat(), "instagram/kim_posts.csv.gz");
}
BENCHMARK(BM_KimPostsParse)->Unit(benchmark::kMillisecond);

void BM_KimInfluencersParse(benchmark::State& state) {
  ImportParseOnly(state, KimInfluencersFormat(), "instagram/kim_influencers.txt");
}
BENCHMARK(BM_KimInfluencersParse)->Unit(benchmark::kMillisecond);

void BM_TikTokTrendingParse(benchmark::State& state) {
  ImportParseOnly(state, TikTokTrendingFormat(), "tiktok/trending_1000.json");
}
BENCHMARK(BM_TikTokTrendingParse)->Unit(benchmark::kMillisecond);

// The CSV layer alone on the Kim file (gunzip + libcsv + line tracking).
void BM_KimPostsCsvRecords(benchmark::State& state) {
  int64_t records = 0;
  for (auto _ : state) {
    auto reader = CsvReader::Open(kData / "instagram/kim_posts.csv.gz");
    CsvRecord record;
    while (true) {
      auto more = (*reader)->Next(record);
      if (!more.ok() || !*more) break;
      ++records;
    }
  }
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_KimPostsCsvRecords)->Unit(benchmark::kMillisecond);

void BM_ParseCount(benchmark::State& state) {
  const std::string cells[] = {"3.3k", "475.8m", "29.0b", "1,234,567", "48.5M", "383"};
  for (auto _ : state) {
    for (const std::string& c : cells) benchmark::DoNotOptimize(ParseCount(c));
  }
  state.SetItemsProcessed(state.iterations() * 6);
}
BENCHMARK(BM_ParseCount);

}  // namespace
}  // namespace sphere::ingest

BENCHMARK_MAIN();
