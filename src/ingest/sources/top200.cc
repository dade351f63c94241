// Importer for Kaggle's "Top Instagram Influencers Data (Cleaned)" (~2022), bundled as
// data/instagram/top200_insta_influencers.csv: one profile snapshot per account.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/time.h"
#include "ingest/csv_reader.h"
#include "ingest/formats.h"
#include "ingest/numbers.h"
#include "ingest/sources/source_util.h"

namespace sphere::ingest {
namespace {

constexpr std::string_view kFormat = "top200_instagram";

// When the figures were taken. The release states no date. Its follower counts sit about
// 90% of the way from the June to the September 2022 snapshots of multi/smi2022
// (cristiano 459.2m -> 475.8m here -> 477.9m; kyliejenner 352.7m -> 366.2m -> 368.1m;
// leomessi 341.7m -> 357.3m -> 358.6m), which puts them in late August 2022.
constexpr UnixSeconds kTakenAt = 1'661'126'400;  // 2022-08-22T00:00:00Z

struct Top200Columns {
  explicit Top200Columns(Columns& c)
      : rank(c.Require("rank")),
        channel_info(c.Require("channel_info")),
        influence_score(c.Require("influence_score")),
        posts(c.Require("posts")),
        followers(c.Require("followers")),
        avg_likes(c.Require("avg_likes")),
        eng_rate(c.Require("60_day_eng_rate")),
        new_post_avg_like(c.Require("new_post_avg_like")),
        total_likes(c.Require("total_likes")),
        country(c.Require("country")) {}

  size_t rank, channel_info, influence_score, posts, followers, avg_likes, eng_rate,
      new_post_avg_like, total_likes, country;
};

Status RunTop200(const std::filesystem::path& path, RecordSink& sink, ImportReport& report) {
  SPHERE_ASSIGN_OR_RETURN(SourceCsv csv, SourceCsv::Open(path));
  if (!csv.has_header()) return InvalidArgument(path.string() + ":1: missing header (empty file)");
  const Top200Columns c(csv.columns());
  SPHERE_RETURN_IF_ERROR(csv.CheckColumns());

  std::unordered_map<std::string, int64_t> seen;  // handle -> line
  CsvRecord record;
  while (true) {
    SPHERE_ASSIGN_OR_RETURN(bool more, csv.NextRow(record, report));
    if (!more) break;
    RowFields row(record, csv.columns());
    std::string handle = NormalizeHandle(row.Text(c.channel_info));
    if (std::string problem = InstagramHandleProblem(handle); !problem.empty()) {
      row.Fail(c.channel_info, problem);
    }
    std::optional<int64_t> rank = row.Integer(c.rank, Need::kOptional);
    std::optional<int64_t> influence_score = row.Integer(c.influence_score, Need::kOptional);
    std::optional<int64_t> posts = row.Count(c.posts, Need::kOptional);
    std::optional<int64_t> followers = row.Count(c.followers);
    std::optional<int64_t> avg_likes = row.Count(c.avg_likes, Need::kOptional);
    std::optional<double> engagement = row.Percent(c.eng_rate, Need::kOptional);
    std::optional<int64_t> new_post_avg_like = row.Count(c.new_post_avg_like, Need::kOptional);
    std::optional<int64_t> total_likes = row.Count(c.total_likes, Need::kOptional);
    std::optional<std::string> country = TextOf(row.Text(c.country));
    std::optional<std::string> repaired_country;
    if (country) repaired_country = UndoDoubleEncodedUtf8(*country);
    if (!row.ok()) {
      report.Reject(record.line, row.error());
      continue;
    }
    if (auto [it, inserted] = seen.emplace(handle, record.line); !inserted) {
      report.Reject(record.line,
                    "channel_info: '" + handle + "' repeats line " + std::to_string(it->second));
      continue;
    }
    if (repaired_country) {
      report.Repair(record.line, "country: '" + *country +
                                     "' was UTF-8 decoded as Latin-1; repaired to '" +
                                     *repaired_country + "'");
      country = std::move(repaired_country);
    }

    Creator creator;
    creator.platform = Platform::kInstagram;
    creator.handle = handle;
    creator.followers = followers;
    creator.posts_count = posts;
    creator.country = country;
    creator.stats_as_of = kTakenAt;
    creator.source = kFormat;

    Snapshot snapshot = ProfileSnapshot(creator);
    if (avg_likes) snapshot.avg_likes = static_cast<double>(*avg_likes);
    snapshot.engagement_rate = engagement;
    nlohmann::json extra = nlohmann::json::object();
    if (rank) extra["rank"] = *rank;
    if (influence_score) extra["influence_score"] = *influence_score;
    if (new_post_avg_like) extra["new_post_avg_like"] = *new_post_avg_like;
    if (total_likes) extra["total_likes"] = *total_likes;
    snapshot.extra_json = ToJsonText(extra);
    SPHERE_RETURN_IF_ERROR(Emit(std::move(creator), sink, report));
    SPHERE_RETURN_IF_ERROR(Emit(std::move(snapshot), sink, report));
    report.Loaded();
  }
  return Status::Ok();
}

}  // namespace

Format Top200InstagramFormat() {
  return {
      .name = kFormat,
      .description =
          "Kaggle top 200 Instagram influencers, ~2022 (instagram/top200_insta_influencers.csv)",
      .matches = MatchesHeader({"rank", "channel_info", "influence_score", "posts", "followers",
                                "avg_likes", "60_day_eng_rate", "new_post_avg_like", "total_likes",
                                "country"}),
      .run = RunTop200,
  };
}

}  // namespace sphere::ingest
