// Importer for Kaggle's "Instagram Reach" (data/instagram/instagram_reach.csv): 100 posts
// of small accounts, scraped within a day of posting. A smoke test of the post path.
#include <sodium.h>

#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "ingest/csv_reader.h"
#include "ingest/formats.h"
#include "ingest/numbers.h"
#include "ingest/sources/source_util.h"

namespace sphere::ingest {
namespace {

constexpr std::string_view kFormat = "instagram_reach";

// When the follower counts were read. The release states no date, and every post was at
// most 24 hours old when scraped. Captions date it: "Greetings from #CEBIT2018" (CEBIT
// 2018 ran 11-15 June 2018), an Eid greeting (Eid al-Fitr 2018 fell on 15 June), a
// house "completed in early May 2018" and 2019 plans spoken of as future.
constexpr UnixSeconds kScrapedAround = 1'529'020'800;  // 2018-06-15T00:00:00Z

struct ReachColumns {
  explicit ReachColumns(Columns& c)
      : s_no(c.Require("S.No")),
        username(c.Require("USERNAME")),
        caption(c.Require("Caption")),
        followers(c.Require("Followers")),
        hashtags(c.Require("Hashtags")),
        time_since_posted(c.Require("Time since posted")),
        likes(c.Require("Likes")) {}

  size_t s_no, username, caption, followers, hashtags, time_since_posted, likes;
};

// "2 hours" -> 7200. nullopt for anything but "<whole number> <unit>".
std::optional<int64_t> DurationSeconds(std::string_view text) {
  text = Trim(text);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || n < 0) return std::nullopt;
  std::string unit = CsvHeader::Fold(text.substr(static_cast<size_t>(end - text.data())));
  if (unit.ends_with('s')) unit.pop_back();
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {
      {"second", 1}, {"minute", 60}, {"hour", 3600}, {"day", 86'400}, {"week", 604'800}};
  for (auto [name, seconds] : kUnits) {
    if (unit == name) {
      if (n > INT64_MAX / seconds) return std::nullopt;
      return n * seconds;
    }
  }
  return std::nullopt;
}

// The file has no post id, and its S.No restarts for each scrape it concatenates (100
// rows, 30 distinct numbers), so the id is derived from what makes the post itself:
// author, caption and hashtags. Stable across re-imports and row order.
std::string PostId(std::string_view handle, std::string_view caption, std::string_view hashtags) {
  std::string identity;
  identity.append(handle).push_back('\0');
  identity.append(caption).push_back('\0');
  identity.append(hashtags);
  unsigned char digest[8];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(identity.data()),
                     identity.size(), nullptr, 0);
  char hex[sizeof digest * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return "reach-" + std::string(hex);
}

Status RunInstagramReach(const std::filesystem::path& path, RecordSink& sink,
                         ImportReport& report) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  SPHERE_ASSIGN_OR_RETURN(SourceCsv csv, SourceCsv::Open(path));
  if (!csv.has_header()) return InvalidArgument(path.string() + ":1: missing header (empty file)");
  const ReachColumns c(csv.columns());
  SPHERE_RETURN_IF_ERROR(csv.CheckColumns());

  std::unordered_set<std::string> creators_emitted;
  std::unordered_map<std::string, int64_t> post_lines;  // external_id -> line
  CsvRecord record;
  while (true) {
    SPHERE_ASSIGN_OR_RETURN(bool more, csv.NextRow(record, report));
    if (!more) break;
    RowFields row(record, csv.columns());
    std::string handle = NormalizeHandle(row.Text(c.username));
    if (std::string problem = InstagramHandleProblem(handle); !problem.empty()) {
      row.Fail(c.username, problem);
    }
    std::optional<int64_t> followers = row.Integer(c.followers, Need::kOptional);
    std::optional<int64_t> likes = row.Integer(c.likes);
    std::optional<int64_t> s_no = row.Integer(c.s_no, Need::kOptional);
    std::optional<int64_t> age;
    if (!IsMissing(row.Text(c.time_since_posted))) {
      age = DurationSeconds(row.Text(c.time_since_posted));
      if (!age) {
        row.Fail(c.time_since_posted, "'" + std::string(row.Text(c.time_since_posted)) +
                                          "' is not a duration like '2 hours'");
      }
    }
    if (!row.ok()) {
      report.Reject(record.line, row.error());
      continue;
    }
    std::string_view caption = Trim(row.Text(c.caption));
    std::string_view hashtags = Trim(row.Text(c.hashtags));
    std::string id = PostId(handle, caption, hashtags);
    if (auto [it, inserted] = post_lines.emplace(id, record.line); !inserted) {
      report.Reject(record.line, "the same post (USERNAME, Caption and Hashtags) is at line " +
                                     std::to_string(it->second));
      continue;
    }

    // A creator recurs when several scrapes saw it; the first row's profile is kept and
    // each post carries the follower count read with it.
    if (creators_emitted.insert(handle).second) {
      Creator creator;
      creator.platform = Platform::kInstagram;
      creator.handle = handle;
      creator.followers = followers;
      creator.stats_as_of = kScrapedAround;
      creator.source = kFormat;
      SPHERE_RETURN_IF_ERROR(Emit(std::move(creator), sink, report));
    }
    Post post;
    post.platform = Platform::kInstagram;
    post.creator_handle = handle;
    post.external_id = std::move(id);
    post.caption = std::string(caption);
    post.likes = likes;
    post.source = kFormat;
    nlohmann::json extra = nlohmann::json::object();
    extra["hashtags"] = std::string(hashtags);
    if (age) extra["time_since_posted_s"] = *age;
    if (followers) extra["followers"] = *followers;
    if (s_no) extra["s_no"] = *s_no;
    post.extra_json = ToJsonText(extra);
    SPHERE_RETURN_IF_ERROR(Emit(std::move(post), sink, report));
    report.Loaded();
  }
  return Status::Ok();
}

}  // namespace

Format InstagramReachFormat() {
  return {
      .name = kFormat,
      .description = "Kaggle Instagram Reach, 100 posts (instagram/instagram_reach.csv)",
      .matches = MatchesHeader(
          {"S.No", "USERNAME", "Caption", "Followers", "Hashtags", "Time since posted", "Likes"}),
      .run = RunInstagramReach,
  };
}

}  // namespace sphere::ingest
