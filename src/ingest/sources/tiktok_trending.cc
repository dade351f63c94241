// tiktok-scraper output of 1,000 trending TikTok videos (Sep-Dec 2020; data/SOURCES.md):
// an object {"collector": [video, ...]} (a bare array of videos is read too).
//
// Each video is a post and its author a creator (emitted once, before the author's first
// post). A row's "line" is the video's 1-based position in the array: the file is one
// physical line, so its line numbers would say nothing; reasons begin "element N".
// The file has no follower counts (authorMeta carries no fans field).
//
// observed_at, when the counts were read, is the crawl time TikTok stamped into each
// signed videoUrl ("...&l=20201221155747..."), read as UTC: every video says
// 2020-12-21 15:xx, after its createTime, so post age at crawl time is known.
#include <simdjson.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "ingest/formats.h"
#include "ingest/numbers.h"
#include "ingest/sources/source_util.h"
#include "ingest/text_input.h"

namespace sphere::ingest {
namespace {

namespace dom = simdjson::dom;

constexpr std::string_view kSource = "tiktok_trending";

// Reads typed fields of one element and remembers the first one with a wrong type.
// Absent and null fields are "no value", not errors.
class FieldReader {
 public:
  const std::string& error() const { return error_; }

  std::optional<dom::element> Get(dom::object object, std::string_view key) {
    dom::element value;
    if (object.at_key(key).get(value) != simdjson::SUCCESS || value.is_null()) {
      return std::nullopt;
    }
    return value;
  }

  std::optional<std::string_view> String(dom::object object, std::string_view key,
                                         std::string_view path) {
    std::optional<dom::element> value = Get(object, key);
    if (!value) return std::nullopt;
    std::string_view text;
    if (value->get_string().get(text) != simdjson::SUCCESS) return Fail(path, "not a string");
    return text;
  }

  // A non-negative integer; counts and times are never negative.
  std::optional<int64_t> Count(dom::object object, std::string_view key, std::string_view path) {
    std::optional<dom::element> value = Get(object, key);
    if (!value) return std::nullopt;
    int64_t number = 0;
    if (value->get_int64().get(number) != simdjson::SUCCESS) {
      return Fail(path, "not an integer");
    }
    if (number < 0) return Fail(path, std::to_string(number) + " is negative");
    return number;
  }

  std::optional<bool> Bool(dom::object object, std::string_view key, std::string_view path) {
    std::optional<dom::element> value = Get(object, key);
    if (!value) return std::nullopt;
    bool flag = false;
    if (value->get_bool().get(flag) != simdjson::SUCCESS) return Fail(path, "not true/false");
    return flag;
  }

  std::optional<dom::object> Object(dom::object object, std::string_view key,
                                    std::string_view path) {
    std::optional<dom::element> value = Get(object, key);
    if (!value) return std::nullopt;
    dom::object inner;
    if (value->get_object().get(inner) != simdjson::SUCCESS) return Fail(path, "not an object");
    return inner;
  }

  std::optional<dom::array> Array(dom::object object, std::string_view key, std::string_view path) {
    std::optional<dom::element> value = Get(object, key);
    if (!value) return std::nullopt;
    dom::array inner;
    if (value->get_array().get(inner) != simdjson::SUCCESS) return Fail(path, "not an array");
    return inner;
  }

  // The video id: TikTok ids are strings of digits, but a number is accepted too.
  std::optional<std::string> Id(dom::object object, std::string_view key, std::string_view path) {
    std::optional<dom::element> value = Get(object, key);
    if (!value) return std::nullopt;
    std::string_view text;
    if (value->get_string().get(text) == simdjson::SUCCESS) return std::string(text);
    uint64_t number = 0;
    if (value->get_uint64().get(number) == simdjson::SUCCESS) return std::to_string(number);
    return Fail(path, "not a string or an integer");
  }

 private:
  std::nullopt_t Fail(std::string_view path, std::string_view what) {
    if (error_.empty()) error_ = std::string(path) + ": " + std::string(what);
    return std::nullopt;
  }

  std::string error_;
};

// The crawl time in a signed TikTok video URL: "l=YYYYMMDDhhmmss" then more digits.
std::optional<UnixSeconds> CrawlTime(std::string_view url) {
  for (std::string_view marker : {"?l=", "&l="}) {
    size_t at = url.find(marker);
    if (at == std::string_view::npos) continue;
    return ParseDigitTimestamp(url.substr(at + marker.size()));
  }
  return std::nullopt;
}

class TrendingImporter {
 public:
  TrendingImporter(RecordSink& sink, ImportReport& report) : sink_(sink), report_(report) {}

  Status Element(dom::element element, int64_t number) {
    const std::string where = "element " + std::to_string(number) + ": ";
    dom::object video;
    if (element.get_object().get(video) != simdjson::SUCCESS) {
      report_.Reject(number, where + "not an object");
      return Status::Ok();
    }
    FieldReader in;
    std::optional<std::string> id = in.Id(video, "id", "id");
    std::optional<dom::object> author = in.Object(video, "authorMeta", "authorMeta");
    std::optional<std::string_view> name;
    std::optional<std::string_view> nick;
    std::optional<std::string_view> author_id;
    std::optional<bool> verified;
    if (author) {
      name = in.String(*author, "name", "authorMeta.name");
      nick = in.String(*author, "nickName", "authorMeta.nickName");
      author_id = in.String(*author, "id", "authorMeta.id");
      verified = in.Bool(*author, "verified", "authorMeta.verified");
    }
    std::optional<int64_t> created = in.Count(video, "createTime", "createTime");
    std::optional<std::string_view> text = in.String(video, "text", "text");
    std::optional<int64_t> likes = in.Count(video, "diggCount", "diggCount");
    std::optional<int64_t> comments = in.Count(video, "commentCount", "commentCount");
    std::optional<int64_t> shares = in.Count(video, "shareCount", "shareCount");
    std::optional<int64_t> plays = in.Count(video, "playCount", "playCount");
    std::optional<std::string_view> video_url = in.String(video, "videoUrl", "videoUrl");
    std::optional<std::string_view> web_url = in.String(video, "webVideoUrl", "webVideoUrl");

    std::optional<int64_t> width, height, duration;
    if (std::optional<dom::object> meta = in.Object(video, "videoMeta", "videoMeta")) {
      width = in.Count(*meta, "width", "videoMeta.width");
      height = in.Count(*meta, "height", "videoMeta.height");
      duration = in.Count(*meta, "duration", "videoMeta.duration");
    }
    nlohmann::json music = nlohmann::json::object();
    if (std::optional<dom::object> meta = in.Object(video, "musicMeta", "musicMeta")) {
      if (auto v = in.String(*meta, "musicId", "musicMeta.musicId")) music["id"] = *v;
      if (auto v = in.String(*meta, "musicName", "musicMeta.musicName")) music["name"] = *v;
      if (auto v = in.String(*meta, "musicAuthor", "musicMeta.musicAuthor")) music["author"] = *v;
      if (auto v = in.Bool(*meta, "musicOriginal", "musicMeta.musicOriginal")) {
        music["original"] = *v;
      }
    }
    nlohmann::json hashtags = nlohmann::json::array();
    if (std::optional<dom::array> tags = in.Array(video, "hashtags", "hashtags")) {
      for (dom::element tag : *tags) {
        dom::object tag_object;
        if (tag.get_object().get(tag_object) != simdjson::SUCCESS) {
          report_.Reject(number, where + "hashtags: an entry is not an object");
          return Status::Ok();
        }
        if (auto v = in.String(tag_object, "name", "hashtags[].name")) hashtags.push_back(*v);
      }
    }
    nlohmann::json mentions = nlohmann::json::array();
    if (std::optional<dom::array> list = in.Array(video, "mentions", "mentions")) {
      for (dom::element mention : *list) {
        std::string_view m;
        if (mention.get_string().get(m) != simdjson::SUCCESS) {
          report_.Reject(number, where + "mentions: an entry is not a string");
          return Status::Ok();
        }
        mentions.push_back(m);
      }
    }

    if (!in.error().empty()) {
      report_.Reject(number, where + in.error());
      return Status::Ok();
    }
    if (!id || id->empty()) {
      report_.Reject(number, where + "id: missing");
      return Status::Ok();
    }
    std::string handle = name ? NormalizeHandle(*name) : "";
    if (handle.empty()) {
      report_.Reject(number, where + "authorMeta.name: missing");
      return Status::Ok();
    }
    if (!IsUsername(handle)) {
      report_.Reject(
          number, where + "authorMeta.name: '" + std::string(*name) + "' is not a TikTok username");
      return Status::Ok();
    }
    if (auto [it, inserted] = first_element_.try_emplace(*id, number); !inserted) {
      report_.Reject(number, where + "id: " + *id + " is a duplicate of element " +
                                 std::to_string(it->second) + "; the first is kept");
      return Status::Ok();
    }
    std::optional<UnixSeconds> observed = video_url ? CrawlTime(*video_url) : std::nullopt;

    if (emitted_.insert(handle).second) {
      Creator creator;
      creator.platform = Platform::kTikTok;
      creator.handle = handle;
      creator.display_name = nick ? std::string(Trim(*nick)) : "";
      creator.verified = verified;
      creator.stats_as_of = observed.value_or(created.value_or(0));
      creator.source = std::string(kSource);
      SPHERE_RETURN_IF_ERROR(Emit(std::move(creator), sink_, report_));
    }

    Post post;
    post.platform = Platform::kTikTok;
    post.creator_handle = handle;
    post.external_id = *id;
    post.posted_at = created;
    post.media_type = MediaType::kVideo;
    post.caption = text ? std::string(*text) : "";
    post.likes = likes;
    post.comments = comments;
    post.shares = shares;
    post.views = plays;
    if (width && *width <= INT32_MAX) post.width = static_cast<int32_t>(*width);
    if (height && *height <= INT32_MAX) post.height = static_cast<int32_t>(*height);
    post.observed_at = observed;
    post.source = std::string(kSource);
    nlohmann::json extra = nlohmann::json::object();
    if (duration) extra["duration_s"] = *duration;
    if (!music.empty()) extra["music"] = std::move(music);
    extra["hashtags"] = std::move(hashtags);
    extra["mentions"] = std::move(mentions);
    if (author_id) extra["author_id"] = *author_id;
    if (web_url) extra["web_video_url"] = *web_url;
    post.extra_json = ToJsonText(extra);
    SPHERE_RETURN_IF_ERROR(Emit(std::move(post), sink_, report_));
    report_.Loaded();
    return Status::Ok();
  }

 private:
  RecordSink& sink_;
  ImportReport& report_;
  std::unordered_set<std::string> emitted_;
  std::unordered_map<std::string, int64_t> first_element_;
};

Status ImportTrending(const std::filesystem::path& path, RecordSink& sink, ImportReport& report) {
  // Through LineReader so a gzip copy or a BOM is handled as for every other format.
  SPHERE_ASSIGN_OR_RETURN(auto lines, LineReader::Open(path));
  std::string text;
  std::string_view line;
  while (true) {
    SPHERE_ASSIGN_OR_RETURN(bool more, lines->Next(line));
    if (!more) break;
    text += line;
  }
  simdjson::padded_string json(text);
  dom::parser parser;
  dom::element root;
  if (auto error = parser.parse(json).get(root); error != simdjson::SUCCESS) {
    return InvalidArgument(path.string() + ": not valid JSON: " + simdjson::error_message(error));
  }
  dom::array videos;
  dom::object object;
  if (root.get_object().get(object) == simdjson::SUCCESS) {
    if (object["collector"].get_array().get(videos) != simdjson::SUCCESS) {
      return InvalidArgument(path.string() +
                             ": expected a \"collector\" array of videos in the top object");
    }
  } else if (root.get_array().get(videos) != simdjson::SUCCESS) {
    return InvalidArgument(path.string() +
                           ": expected an array of videos or an object with a \"collector\" "
                           "array");
  }
  TrendingImporter importer(sink, report);
  int64_t number = 0;
  for (dom::element video : videos) {
    SPHERE_RETURN_IF_ERROR(importer.Element(video, ++number));
  }
  return Status::Ok();
}

bool MatchesTrending(const std::filesystem::path& path, std::string_view first_line) {
  if (!HasExtension(path, ".json")) return false;
  std::string_view head = Trim(first_line.substr(0, 4096));
  if (!head.starts_with('{') && !head.starts_with('[')) return false;
  return head.find("\"authorMeta\"") != std::string_view::npos ||
         head.find("\"collector\"") != std::string_view::npos;
}

}  // namespace

Format TikTokTrendingFormat() {
  return {
      .name = "tiktok_trending",
      .description =
          "tiktok-scraper JSON of trending videos ({\"collector\": [...]} or an "
          "array): posts and their authors",
      .matches = MatchesTrending,
      .run = ImportTrending,
  };
}

}  // namespace sphere::ingest
