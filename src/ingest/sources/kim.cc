// Importers for the Instagram Influencer Dataset of Kim et al. (WWW 2020), as bundled in
// data/instagram/ (see data/SOURCES.md): the post table and the labelled influencer list.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/time.h"
#include "ingest/csv_reader.h"
#include "ingest/formats.h"
#include "ingest/numbers.h"
#include "ingest/sources/source_util.h"
#include "ingest/text_input.h"

namespace sphere::ingest {
namespace {

constexpr std::string_view kPostsFormat = "kim_posts";
constexpr std::string_view kInfluencersFormat = "kim_influencers";

// When the data set was crawled. The authors give no date; the newest post in
// kim_posts.csv.gz was taken at 1557899245 (2019-05-15T05:47:25Z) and a crawl cannot
// precede the newest post it saw, so we take the midnight that ends that day. Followers
// and lifetime likes/comments are all "as of" this moment (SOURCES.md: ~May 2019).
constexpr UnixSeconds kCrawlTime = 1'557'964'800;  // 2019-05-16T00:00:00Z

constexpr std::string_view kCategories[] = {"beauty",   "family", "fashion", "fitness", "food",
                                            "interior", "other",  "pet",     "travel"};

// The damage data/SOURCES.md lists for the influencer list. Keyed by username as well as
// the bad value, so that only the rows known to be damaged are changed.
struct CategoryDamage {
  std::string_view username;
  std::string_view found;
  std::string_view category;
};
constexpr CategoryDamage kCategoryDamage[] = {
    {"makeupbynvs", "by", "beauty"},
    {"cina", "fasion", "fashion"},
    {"gio", "fashion 0.5", "fashion"},
};
// Row 2's username carries a stray "auty" (SOURCES.md); the account is jaquelinevandoski.
constexpr std::string_view kDamagedUsername = "jaquelinevandoskiauty";
constexpr std::string_view kRepairedUsername = "jaquelinevandoski";

// A Kim profile (username + category) with the known damage repaired. Repairs are
// collected, not reported, because the row may still be rejected for another field.
struct KimProfile {
  std::string handle;
  std::optional<std::string> niche;
  std::vector<std::string> repairs;
};

// Validates and repairs one row's username and category; a problem goes to `row`.
KimProfile ReadProfile(RowFields& row, size_t username_column, size_t category_column) {
  KimProfile profile;
  profile.handle = NormalizeHandle(row.Text(username_column));
  if (profile.handle == kDamagedUsername) {
    profile.repairs.push_back("username '" + std::string(kDamagedUsername) + "' repaired to '" +
                              std::string(kRepairedUsername) + "' (known damage)");
    profile.handle = kRepairedUsername;
  }
  if (std::string problem = InstagramHandleProblem(profile.handle); !problem.empty()) {
    row.Fail(username_column, problem);
    return profile;
  }
  std::optional<std::string> category = NicheOf(row.Text(category_column));
  if (!category) return profile;  // an unlabelled creator is still a creator
  for (const CategoryDamage& damage : kCategoryDamage) {
    if (profile.handle == damage.username && *category == damage.found) {
      profile.repairs.push_back("category of '" + profile.handle + "': '" + *category +
                                "' repaired to '" + std::string(damage.category) +
                                "' (known damage)");
      category = std::string(damage.category);
    }
  }
  if (std::ranges::find(kCategories, *category) == std::end(kCategories)) {
    row.Fail(category_column, "'" + *category + "' is not a Kim category");
    return profile;
  }
  profile.niche = std::move(category);
  return profile;
}

void NoteRepairs(const std::vector<std::string>& repairs, int64_t line, ImportReport& report) {
  for (const std::string& what : repairs) report.Repair(line, what);
}

// ---- kim_posts.csv.gz ----------------------------------------------------------------

struct PostColumns {
  explicit PostColumns(Columns& c)
      : influencer(c.Require("influencer")),
        shortcode(c.Require("shortcode")),
        owner_username(c.Require("owner_username")),
        owner_is_verified(c.Require("owner_is_verified")),
        taken_at(c.Require("taken_at_timestamp")),
        typename_(c.Require("typename")),
        is_video(c.Require("is_video")),
        video_view_count(c.Require("video_view_count")),
        n_carousel(c.Require("n_carousel")),
        likes(c.Require("likes")),
        comments(c.Require("comments")),
        comments_disabled(c.Require("comments_disabled")),
        caption(c.Require("caption")),
        caption_is_edited(c.Require("caption_is_edited")),
        n_sponsor_users(c.Require("n_sponsor_users")),
        sponsor_users(c.Require("sponsor_users")),
        n_tagged_users(c.Require("n_tagged_users")),
        location_name(c.Require("location_name")),
        accessibility_caption(c.Require("accessibility_caption")),
        width(c.Require("width")),
        height(c.Require("height")),
        is_ad(c.Require("is_ad")),
        owner_differs(c.Require("owner_differs")),
        inf_category(c.Require("inf_category")),
        inf_followers(c.Require("inf_followers")),
        inf_followees(c.Require("inf_followees")),
        inf_posts(c.Require("inf_posts")) {}

  size_t influencer, shortcode, owner_username, owner_is_verified, taken_at, typename_, is_video,
      video_view_count, n_carousel, likes, comments, comments_disabled, caption, caption_is_edited,
      n_sponsor_users, sponsor_users, n_tagged_users, location_name, accessibility_caption, width,
      height, is_ad, owner_differs, inf_category, inf_followers, inf_followees, inf_posts;
};

// One usable row of the post table.
struct PostRow {
  int64_t line = 0;
  Creator creator;
  Post post;
  bool owner_differs = false;  // filed under an influencer who is not the post's owner
  std::string owner;           // normalised owner_username
  std::vector<std::string> repairs;
};

std::optional<int32_t> Dimension(RowFields& row, size_t column) {
  std::optional<int64_t> value = row.Integer(column, Need::kOptional);
  if (value && *value > INT32_MAX) {
    row.Fail(column, "'" + std::to_string(*value) + "' is too large for a pixel size");
    return std::nullopt;
  }
  return value ? std::optional<int32_t>(static_cast<int32_t>(*value)) : std::nullopt;
}

// The sponsor handles as a list; the column holds one handle in every bundled row, and
// any of ",; |" is taken as a separator should a row list several.
nlohmann::json SponsorList(std::string_view cell) {
  nlohmann::json list = nlohmann::json::array();
  size_t start = 0;
  while (start <= cell.size()) {
    size_t end = cell.find_first_of(",; |", start);
    if (end == std::string_view::npos) end = cell.size();
    std::string handle = NormalizeHandle(cell.substr(start, end - start));
    if (!handle.empty()) list.push_back(std::move(handle));
    start = end + 1;
  }
  return list;
}

// Parses one record into a PostRow, or explains in `row` why it cannot be used.
PostRow ReadPostRow(const CsvRecord& record, RowFields& row, const PostColumns& c) {
  PostRow out;
  out.line = record.line;

  KimProfile profile = ReadProfile(row, c.influencer, c.inf_category);
  out.repairs = std::move(profile.repairs);
  out.owner = NormalizeHandle(row.Text(c.owner_username));
  out.owner_differs = row.Bool(c.owner_differs, Need::kOptional).value_or(false);

  Creator& creator = out.creator;
  creator.platform = Platform::kInstagram;
  creator.handle = profile.handle;
  creator.niche = std::move(profile.niche);
  creator.followers = row.Integer(c.inf_followers, Need::kOptional);
  creator.following = row.Integer(c.inf_followees, Need::kOptional);
  creator.posts_count = row.Integer(c.inf_posts, Need::kOptional);
  // The verified flag describes the post's owner, which is this creator only when the
  // post is filed under its owner.
  std::optional<bool> owner_verified = row.Bool(c.owner_is_verified, Need::kOptional);
  if (!out.owner_differs) creator.verified = owner_verified;
  creator.stats_as_of = kCrawlTime;
  creator.source = kPostsFormat;

  Post& post = out.post;
  post.platform = Platform::kInstagram;
  post.creator_handle = profile.handle;
  post.external_id = std::string(Trim(row.Text(c.shortcode)));
  if (post.external_id.empty()) {
    row.Fail(c.shortcode, "missing");
  } else if (post.external_id.find_first_not_of(
                 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") !=
             std::string::npos) {
    row.Fail(c.shortcode, "'" + post.external_id + "' is not an Instagram shortcode");
  }
  post.posted_at = row.Integer(c.taken_at);
  if (post.posted_at && *post.posted_at > kCrawlTime) {
    row.Fail(c.taken_at, "'" + std::to_string(*post.posted_at) + "' is after the crawl (" +
                             FormatIsoTime(kCrawlTime) + ")");
  }
  std::optional<bool> is_video = row.Bool(c.is_video, Need::kOptional);
  std::string_view type = Trim(row.Text(c.typename_));
  if (is_video.value_or(false) || type == "GraphVideo") {
    post.media_type = MediaType::kVideo;
  } else if (type == "GraphSidecar") {
    post.media_type = MediaType::kCarousel;
  } else if (type == "GraphImage") {
    post.media_type = MediaType::kImage;
  } else {
    row.Fail(c.typename_,
             "'" + std::string(type) + "' is not GraphImage, GraphSidecar or GraphVideo");
  }
  post.caption = std::string(row.Text(c.caption));
  post.likes = row.Integer(c.likes);
  post.comments = row.Integer(c.comments);
  post.views = row.Integer(c.video_view_count, Need::kOptional);
  std::optional<int64_t> n_sponsors = row.Integer(c.n_sponsor_users, Need::kOptional);
  std::optional<bool> is_ad = row.Bool(c.is_ad, Need::kOptional);
  post.sponsored = n_sponsors.value_or(0) > 0 || is_ad.value_or(false);
  post.image_description = std::string(Trim(row.Text(c.accessibility_caption)));
  post.width = Dimension(row, c.width);
  post.height = Dimension(row, c.height);
  post.location = std::string(Trim(row.Text(c.location_name)));
  post.observed_at = kCrawlTime;
  post.source = kPostsFormat;

  nlohmann::json extra = nlohmann::json::object();
  if (auto n = row.Integer(c.n_carousel, Need::kOptional)) extra["n_carousel"] = *n;
  if (auto b = row.Bool(c.comments_disabled, Need::kOptional)) extra["comments_disabled"] = *b;
  if (auto b = row.Bool(c.caption_is_edited, Need::kOptional)) extra["caption_is_edited"] = *b;
  if (auto n = row.Integer(c.n_tagged_users, Need::kOptional)) extra["n_tagged_users"] = *n;
  extra["sponsor_users"] = SponsorList(row.Text(c.sponsor_users));
  extra["owner_username"] = out.owner;
  extra["owner_differs"] = out.owner_differs;
  if (post.views) extra["video_view_count"] = *post.views;
  post.extra_json = ToJsonText(extra);
  return out;
}

Status RunKimPosts(const std::filesystem::path& path, RecordSink& sink, ImportReport& report) {
  SPHERE_ASSIGN_OR_RETURN(SourceCsv csv, SourceCsv::Open(path));
  if (!csv.has_header()) return InvalidArgument(path.string() + ":1: missing header (empty file)");
  const PostColumns c(csv.columns());
  SPHERE_RETURN_IF_ERROR(csv.CheckColumns());

  std::unordered_set<std::string> creators_emitted;
  auto emit = [&](PostRow& r) -> Status {
    if (creators_emitted.insert(r.creator.handle).second) {
      SPHERE_RETURN_IF_ERROR(Emit(std::move(r.creator), sink, report));
    }
    SPHERE_RETURN_IF_ERROR(Emit(std::move(r.post), sink, report));
    NoteRepairs(r.repairs, r.line, report);
    report.Loaded();
    return Status::Ok();
  };

  // A shortcode is one post. The data set files some posts under two influencers: the
  // post's owner, and another influencer with owner_differs = 1. The owner's copy is the
  // true one (likes belong with the owner's followers), so a copy filed under someone
  // else is held back until the end of the file in case the owner's copy turns up;
  // otherwise it loads then (owner_differs also marks renamed accounts, which are real).
  struct Loaded {
    int64_t line;
    std::string handle;  // the creator the post is loaded under
  };
  std::unordered_map<std::string, Loaded> loaded;    // shortcode -> where it was loaded
  std::map<int64_t, PostRow> held;                   // line -> row, in file order
  std::unordered_map<std::string, int64_t> held_at;  // shortcode -> line

  CsvRecord record;
  while (true) {
    SPHERE_ASSIGN_OR_RETURN(bool more, csv.NextRow(record, report));
    if (!more) break;
    RowFields row(record, csv.columns());
    PostRow r = ReadPostRow(record, row, c);
    if (!row.ok()) {
      report.Reject(record.line, row.error());
      continue;
    }
    const std::string shortcode = r.post.external_id;
    if (auto it = loaded.find(shortcode); it != loaded.end()) {
      report.Reject(record.line, "shortcode '" + shortcode + "' repeats line " +
                                     std::to_string(it->second.line) + ", loaded under '" +
                                     it->second.handle + "'");
      continue;
    }
    if (auto it = held_at.find(shortcode); it != held_at.end()) {
      if (r.owner_differs) {
        report.Reject(record.line, "shortcode '" + shortcode + "' repeats line " +
                                       std::to_string(it->second) + ", filed under '" +
                                       held.at(it->second).creator.handle + "'");
        continue;
      }
      report.Reject(it->second, "shortcode '" + shortcode + "' is also at line " +
                                    std::to_string(record.line) + ", filed under its owner '" +
                                    r.owner + "', which is loaded instead");
      held.erase(it->second);
      held_at.erase(it);
    } else if (r.owner_differs) {
      held_at.emplace(shortcode, record.line);
      held.emplace(record.line, std::move(r));
      continue;
    }
    loaded.emplace(shortcode, Loaded{record.line, r.creator.handle});
    SPHERE_RETURN_IF_ERROR(emit(r));
  }
  for (auto& [line, r] : held) SPHERE_RETURN_IF_ERROR(emit(r));
  return Status::Ok();
}

// ---- kim_influencers.txt ---------------------------------------------------------------

bool IsRuleLine(std::string_view line) {
  line = Trim(line);
  return !line.empty() && line.find_first_not_of('=') == std::string_view::npos;
}

std::vector<std::string> SplitTabs(std::string_view line) {
  std::vector<std::string> cells;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    cells.emplace_back(line.substr(start, tab - start));
    if (tab == std::string_view::npos) return cells;
    start = tab + 1;
  }
}

Status RunKimInfluencers(const std::filesystem::path& path, RecordSink& sink,
                         ImportReport& report) {
  // A plain TSV without quoting: read by line, so a stray quote in a name cannot swallow
  // the rows after it as a CSV parser would.
  SPHERE_ASSIGN_OR_RETURN(auto lines, LineReader::Open(path));
  std::string_view line;
  SPHERE_ASSIGN_OR_RETURN(bool has_header, lines->Next(line));
  if (!has_header) return InvalidArgument(path.string() + ":1: missing header (empty file)");
  Columns columns(SplitTabs(StripLineEnd(line)));
  const size_t username = columns.Require("Username");
  const size_t category = columns.Require("Category");
  const size_t followers = columns.Require("#Followers");
  const size_t followees = columns.Require("#Followees");
  const size_t posts = columns.Require("#Posts");
  SPHERE_RETURN_IF_ERROR(columns.Check(path, 1));

  std::unordered_map<std::string, int64_t> seen;  // handle -> line
  CsvRecord record;
  while (true) {
    SPHERE_ASSIGN_OR_RETURN(bool more, lines->Next(line));
    if (!more) break;
    std::string_view text = StripLineEnd(line);
    if (Trim(text).empty()) continue;
    if (lines->line_number() == 2 && IsRuleLine(text)) continue;  // the "=====" under the header
    record.line = lines->line_number();
    record.fields = SplitTabs(text);
    if (std::string problem = FieldCountProblem(record, columns); !problem.empty()) {
      report.Reject(record.line, problem + " (tab-separated)");
      continue;
    }
    RowFields row(record, columns);
    KimProfile profile = ReadProfile(row, username, category);
    Creator creator;
    creator.platform = Platform::kInstagram;
    creator.handle = profile.handle;
    creator.niche = std::move(profile.niche);
    creator.followers = row.Integer(followers, Need::kOptional);
    creator.following = row.Integer(followees, Need::kOptional);
    creator.posts_count = row.Integer(posts, Need::kOptional);
    creator.stats_as_of = kCrawlTime;
    creator.source = kInfluencersFormat;
    if (!row.ok()) {
      report.Reject(record.line, row.error());
      continue;
    }
    if (auto [it, inserted] = seen.emplace(creator.handle, record.line); !inserted) {
      report.Reject(record.line, "Username: '" + creator.handle + "' repeats line " +
                                     std::to_string(it->second));
      continue;
    }
    SPHERE_RETURN_IF_ERROR(Emit(std::move(creator), sink, report));
    NoteRepairs(profile.repairs, record.line, report);
    report.Loaded();
  }
  return Status::Ok();
}

}  // namespace

Format KimPostsFormat() {
  return {
      .name = kPostsFormat,
      .description = "Kim et al. Instagram posts (instagram/kim_posts.csv.gz): creators + posts",
      .matches =
          [](const std::filesystem::path&, std::string_view first_line) {
            return first_line.starts_with("influencer,file,shortcode,post_id,owner_username,");
          },
      .run = RunKimPosts,
  };
}

Format KimInfluencersFormat() {
  return {
      .name = kInfluencersFormat,
      .description = "Kim et al. influencer list with niche labels (instagram/kim_influencers.txt)",
      .matches =
          MatchesHeader({"Username", "Category", "#Followers", "#Followees", "#Posts"}, '\t'),
      .run = RunKimInfluencers,
  };
}

}  // namespace sphere::ingest
