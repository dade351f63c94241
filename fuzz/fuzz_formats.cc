// Every importer of ingest::Formats() over arbitrary bytes, as `sphere import` would run it.
//
// Input: one selector byte, then the file. The selector picks the format, byte % the number
// of formats; the seeds use their format's place in Formats(), which a format appended
// later does not change. The file gets a name its format accepts, goes through
// DetectFormat, and is imported into a sink that keeps and checks everything. Any Status
// is fine; crashes, UB, leaks and broken importer rules (importer.h, core/domain.h) are not.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/domain.h"
#include "fuzz/fuzz_util.h"
#include "ingest/collecting_sink.h"
#include "ingest/formats.h"
#include "ingest/importer.h"
#include "ingest/text_input.h"

namespace sphere::ingest {
namespace {

// The file names `format` accepts, most usual first. Only smi2022 reads anything from the
// name (platform and month pick the header layouts); socialblade_channels needs its source
// in the name; the rest need the right extension or nothing.
std::vector<std::string> NamesFor(std::string_view format) {
  if (format == "smi2022") {
    std::vector<std::string> names;
    for (std::string_view month : {"03", "06", "09", "11"}) {  // the months of the real files
      for (std::string_view platform : {"instagram", "tiktok", "youtube"}) {
        names.push_back(std::string(platform) + "_2022-" + std::string(month) + ".csv");
      }
    }
    return names;
  }
  if (format == "socialblade_channels") return {"socialblade_channels.csv"};
  if (format == "socialblade_weekly") return {"socialblade_weekly.csv"};
  if (format == "global_youtube_2023") return {"global_youtube_statistics_2023.csv"};
  if (format == "tiktok_trending") return {"trending.json"};
  if (format == "kim_influencers") return {"kim_influencers.txt"};
  if (format == "canonical_jsonl") return {"all.jsonl"};
  return {"input.csv"};
}

// The file's first line as Format::matches sees it (BOM and gzip removed); "" when none.
std::string FirstLine(const std::filesystem::path& path) {
  std::string_view line;
  Result<std::unique_ptr<LineReader>> lines = LineReader::Open(path);
  if (!lines.ok()) return "";
  Result<bool> any = (*lines)->Next(line);
  return any.ok() && *any ? std::string(line) : "";
}

// Keeps what the importer hands over and checks each record as it arrives: a creator comes
// before any post or snapshot that names it (the store resolves the name to a row),
// handles are keys, counts are not negative, decimals are finite, extra_json is an object.
class CheckingSink : public CollectingSink {
 public:
  Status Accept(Creator creator) override {
    CheckHandle(creator.handle);
    SPHERE_FUZZ_CHECK(!creator.followers || *creator.followers >= 0);
    SPHERE_FUZZ_CHECK(!creator.following || *creator.following >= 0);
    SPHERE_FUZZ_CHECK(!creator.posts_count || *creator.posts_count >= 0);
    creators_seen_.emplace(creator.platform, creator.handle);
    return CollectingSink::Accept(std::move(creator));
  }
  Status Accept(Post post) override {
    CheckHandle(post.creator_handle);
    SPHERE_FUZZ_CHECK(creators_seen_.contains({post.platform, post.creator_handle}));
    SPHERE_FUZZ_CHECK(!post.external_id.empty());
    for (const std::optional<int64_t>& count :
         {post.likes, post.comments, post.views, post.shares}) {
      SPHERE_FUZZ_CHECK(!count || *count >= 0);
    }
    SPHERE_FUZZ_CHECK(!post.width || *post.width >= 0);
    SPHERE_FUZZ_CHECK(!post.height || *post.height >= 0);
    CheckJsonObject(post.extra_json);
    return CollectingSink::Accept(std::move(post));
  }
  Status Accept(Snapshot snapshot) override {
    CheckHandle(snapshot.creator_handle);
    SPHERE_FUZZ_CHECK(creators_seen_.contains({snapshot.platform, snapshot.creator_handle}));
    for (const std::optional<int64_t>& count :
         {snapshot.followers, snapshot.following, snapshot.posts_count, snapshot.total_views}) {
      SPHERE_FUZZ_CHECK(!count || *count >= 0);
    }
    // Stores and features divide by these; NaN or infinity would poison every aggregate.
    for (const std::optional<double>& value :
         {snapshot.avg_likes, snapshot.avg_comments, snapshot.avg_views, snapshot.avg_shares,
          snapshot.engagement_rate, snapshot.authentic_engagement}) {
      SPHERE_FUZZ_CHECK(!value || std::isfinite(*value));
    }
    SPHERE_FUZZ_CHECK(!snapshot.period_days || *snapshot.period_days > 0);
    CheckJsonObject(snapshot.extra_json);
    return CollectingSink::Accept(std::move(snapshot));
  }

 private:
  // The store keys creators by the normalised handle and normalises the handles it is
  // asked for, so a handle that normalises to something else could never be found.
  static void CheckHandle(const std::string& handle) {
    SPHERE_FUZZ_CHECK(!handle.empty());
    SPHERE_FUZZ_CHECK(NormalizeHandle(handle) == handle);
  }
  static void CheckJsonObject(const std::string& text) {
    nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    SPHERE_FUZZ_CHECK(parsed.is_object());
  }

  std::set<std::pair<Platform, std::string>> creators_seen_;
};

// Every row accounted for and every issue pointing into the file.
void CheckReport(const ImportReport& report, const CheckingSink& sink, int64_t max_line) {
  SPHERE_FUZZ_CHECK(report.rows_loaded() >= 0 && report.rows_rejected() >= 0);
  SPHERE_FUZZ_CHECK(report.rows_loaded() + report.rows_rejected() >= 0);
  SPHERE_FUZZ_CHECK(report.creators() == static_cast<int64_t>(sink.creators.size()));
  SPHERE_FUZZ_CHECK(report.posts() == static_cast<int64_t>(sink.posts.size()));
  SPHERE_FUZZ_CHECK(report.snapshots() == static_cast<int64_t>(sink.snapshots.size()));
  for (const auto* issues : {&report.rejected(), &report.repaired()}) {
    for (const RowIssue& issue : *issues) {
      SPHERE_FUZZ_CHECK(issue.line >= 1);
      SPHERE_FUZZ_CHECK(issue.line <= max_line);
      SPHERE_FUZZ_CHECK(!issue.reason.empty());
    }
  }
}

void FuzzOne(const uint8_t* data, size_t size) {
  if (size == 0) return;
  const std::vector<Format>& formats = Formats();
  const Format& format = formats[data[0] % formats.size()];
  const uint8_t* body = data + 1;
  const size_t body_size = size - 1;

  // The file gets the name under which its format would claim its first line (for smi2022,
  // the month whose header it has), so mutations of a header reach every layout.
  const std::vector<std::string> names = NamesFor(format.name);
  std::filesystem::path path = fuzz::WriteScratchFile(names.front(), body, body_size);
  const std::string first_line = FirstLine(path);
  for (const std::string& name : names) {
    std::filesystem::path candidate = fuzz::ScratchDir() / name;
    if (format.matches(candidate, first_line)) {
      if (candidate != path) std::filesystem::rename(path, candidate);
      path = candidate;
      break;
    }
  }
  // Detection reads only the first line, but every format's matches must survive any.
  (void)DetectFormat(path);

  CheckingSink sink;
  ImportReport report(path.string(), std::string(format.name));
  (void)format.run(path, sink, report);

  // A row is a physical line, or (tiktok_trending, one line of JSON) an array element,
  // which takes at least a byte; gzip input may inflate to anything.
  int64_t max_line = std::numeric_limits<int64_t>::max();
  if (!fuzz::LooksGzipped(body, body_size)) {
    max_line = format.name == "tiktok_trending" ? static_cast<int64_t>(body_size)
                                                : fuzz::PhysicalLines(body, body_size);
  }
  CheckReport(report, sink, max_line);
}

}  // namespace
}  // namespace sphere::ingest

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sphere::ingest::FuzzOne(data, size);
  return 0;
}
