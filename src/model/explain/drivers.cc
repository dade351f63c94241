#include "model/explain/drivers.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>
#include <unordered_map>

#include "core/niche.h"

namespace sphere::explain {
namespace {

using features::FeatureVector;

constexpr std::string_view kNichePrefix = "niche.";

// A post's feature values by name; NaN when the feature is missing or not in the vector.
// A sorted vector, not a hash map: built for every explained post, and ~100 node allocations
// per request showed in the server's profile.
class Values {
 public:
  struct Named {
    std::string_view name;
    double value;
    size_t position;  // in the vector
  };
  explicit Values(const FeatureVector& x) {
    values_.reserve(x.size());
    for (size_t i = 0; i < x.size(); ++i) values_.push_back({x[i].name, x[i].value, i});
    std::sort(values_.begin(), values_.end(),
              [](const Named& a, const Named& b) { return a.name < b.name; });
  }
  double operator()(std::string_view name) const {
    auto it = std::lower_bound(values_.begin(), values_.end(), name,
                               [](const Named& a, std::string_view n) { return a.name < n; });
    return it == values_.end() || it->name != name ? features::kMissing : it->value;
  }
  bool Known(std::string_view name) const { return !std::isnan((*this)(name)); }
  bool Is(std::string_view name) const { return (*this)(name) == 1.0; }
  // True when a feature whose name starts with `prefix`, other than `except`, has a value.
  bool AnyKnown(std::string_view prefix, std::initializer_list<std::string_view> except) const {
    for (const Named& v : values_) {
      if (v.name.starts_with(prefix) && !std::isnan(v.value) &&
          std::find(except.begin(), except.end(), v.name) == except.end()) {
        return true;
      }
    }
    return false;
  }
  // The first name that appears twice, with both positions; nullopt when names are unique.
  std::optional<std::pair<const Named*, const Named*>> Duplicate() const {
    for (size_t i = 1; i < values_.size(); ++i) {
      if (values_[i].name == values_[i - 1].name) {
        const Named* a = &values_[i - 1];
        const Named* b = &values_[i];
        if (a->position > b->position) std::swap(a, b);
        return std::make_pair(a, b);
      }
    }
    return std::nullopt;
  }

 private:
  std::vector<Named> values_;
};

// ---- Formatting ------------------------------------------------------------------------

// `value` with `decimals` decimals, trailing zeros (and a bare point) removed.
std::string Fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  std::string s = buffer;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

// "1 hashtag", "5 hashtags", "no hashtags".
std::string Count(double n, std::string_view one, std::string_view many) {
  if (n == 0) return "no " + std::string(many);
  return FormatCount(n) + " " + std::string(std::round(n) == 1 ? one : many);
}

// A share in [0, 1] as a percentage with up to two significant digits below 1%:
// 0.4 -> "40%", 0.0139 -> "1.4%", 0.0023 -> "0.23%".
std::string Percent(double share) {
  const double pct = share * 100;
  const double magnitude = std::abs(pct);
  const int decimals = magnitude >= 10 ? 0 : magnitude >= 1 ? 1 : 2;
  return Fixed(pct, decimals) + "%";
}

std::string SignedPercent(double share) { return (share > 0 ? "+" : "") + Percent(share); }

// "5 hours", "1 day", "356 days".
std::string Duration(double days) {
  if (days < 1) {
    const double hours = std::round(days * 24);
    return hours < 1 ? "less than an hour" : Count(hours, "hour", "hours");
  }
  return Count(std::round(days), "day", "days");
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator = ", ") {
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

// ---- Labels ----------------------------------------------------------------------------
// One function per group. Each may read any feature of the post (the image groups look at
// the image source), not only its own.

std::string PostingTime(const Values& v) {
  static constexpr std::string_view kWeekdays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                   "Friday", "Saturday", "Sunday"};  // 0 = Monday
  const double hour = v("post.hour_utc");
  const double weekday = v("post.weekday_utc");
  const bool has_hour = hour >= 0 && hour < 24;
  const bool has_weekday = weekday >= 0 && weekday < 7;
  char clock[16];
  std::snprintf(clock, sizeof clock, "%02d:00 UTC", has_hour ? static_cast<int>(hour) : 0);
  const std::string day = has_weekday ? std::string(kWeekdays[static_cast<int>(weekday)]) : "";
  if (has_hour && has_weekday) return "posted " + day + " " + clock;
  if (has_weekday) return "posted on a " + day;
  if (has_hour) return std::string("posted at ") + clock;
  return "posting time unknown";
}

std::string FormatLabel(const Values& v) {
  if (v.Is("post.is_carousel")) return "carousel";
  if (v.Is("post.is_video")) return "video";
  if (!v.Known("post.is_carousel") && !v.Known("post.is_video")) return "format unknown";
  return "single image";
}

std::string Sponsored(const Values& v) {
  if (!v.Known("post.sponsored")) return "sponsorship unknown";
  return v.Is("post.sponsored") ? "sponsored" : "not sponsored";
}

std::string PostAge(const Values& v) {
  const double days = v("post.age_days");
  if (std::isnan(days)) return "counting time unknown";
  return "counted " + Duration(days) + " after posting";
}

std::string PlatformLabel(const Values& v) {
  if (v.Is("creator.instagram")) return "on Instagram";
  if (v.Is("creator.tiktok")) return "on TikTok";
  if (v.Is("creator.youtube")) return "on YouTube";
  if (v.Known("creator.instagram") || v.Known("creator.tiktok") || v.Known("creator.youtube")) {
    return "on another platform";
  }
  return "platform unknown";
}

std::string Followers(const Values& v) {
  const double n = v("creator.followers");
  return std::isnan(n) ? "followers unknown" : Count(n, "follower", "followers");
}

std::string Following(const Values& v) {
  const double n = v("creator.following");
  if (std::isnan(n)) return "following unknown";
  return n == 0 ? "follows no accounts" : "follows " + Count(n, "account", "accounts");
}

std::string CreatorPosts(const Values& v) {
  const double n = v("creator.posts_count");
  if (std::isnan(n)) return "profile post count unknown";
  return Count(n, "post", "posts") + " on the profile";
}

std::string Verified(const Values& v) {
  if (!v.Known("creator.verified")) return "verification unknown";
  return v.Is("creator.verified") ? "verified account" : "not verified";
}

// A caption count with its own "unknown".
std::string CaptionCount(const Values& v, std::string_view name, std::string_view one,
                         std::string_view many) {
  const double n = v(name);
  if (std::isnan(n)) return std::string(many) + " unknown";
  return Count(n, one, many);
}

std::string Hashtags(const Values& v) {
  return CaptionCount(v, "caption.hashtags", "hashtag", "hashtags");
}

std::string Mentions(const Values& v) {
  return CaptionCount(v, "caption.mentions", "mention", "mentions");
}

std::string Links(const Values& v) {
  const double n = v("caption.urls");
  if (std::isnan(n)) return "links unknown";
  return n == 0 ? "no links in the caption" : Count(n, "link", "links") + " in the caption";
}

std::string CaptionLength(const Values& v) {
  const double chars = v("caption.chars");
  if (std::isnan(chars)) return "caption length unknown";
  if (chars == 0) return "no caption";
  std::string label = "caption of " + Count(chars, "character", "characters");
  const double breaks = v("caption.line_breaks");
  if (breaks > 0) label += ", " + Count(breaks, "line break", "line breaks");
  return label;
}

std::string Emoji(const Values& v) {
  const double n = v("caption.emoji");
  if (std::isnan(n)) return "emoji unknown";
  if (n == 0) return "no emoji";
  std::string label = Count(n, "emoji", "emoji");
  // wink's valences run -5..5; most listed emoji sit at 1-3 or below -1.
  const double valence = v("caption.emoji_valence");
  if (valence >= 1) label += ", positive";
  if (valence <= -1) label += ", negative";
  if (valence > -1 && valence < 1) label += ", neutral";
  return label;
}

std::string Tone(const Values& v) {
  std::vector<std::string> parts;
  const double sentiment = v("caption.sentiment");
  // VADER's own thresholds for its compound score.
  if (std::isnan(sentiment)) {
    parts.push_back("sentiment unknown");
  } else if (sentiment >= 0.05) {
    parts.push_back("positive tone");
  } else if (sentiment <= -0.05) {
    parts.push_back("negative tone");
  } else {
    parts.push_back("neutral tone");
  }
  if (double n = v("caption.calls_to_action"); n > 0) {
    parts.push_back(Count(n, "call to action", "calls to action"));
  }
  if (double n = v("caption.questions"); n > 0) parts.push_back(Count(n, "question", "questions"));
  if (double n = v("caption.exclamations"); n > 0) {
    parts.push_back(Count(n, "exclamation", "exclamations"));
  }
  if (v("caption.uppercase_share") > 0.5) parts.push_back("mostly capitals");
  return Join(parts);
}

std::string Language(const Values& v) {
  if (!v.Known("caption.is_english")) return "language undetermined";
  return v.Is("caption.is_english") ? "English caption" : "non-English caption";
}

std::string CaptionEncoding(const Values& v) {
  const double n = v("caption.invalid_bytes");
  if (std::isnan(n)) return "caption encoding unknown";
  if (n == 0) return "caption text well-formed";
  return Count(n, "invalid byte", "invalid bytes") + " in the caption";
}

enum class ImageSource { kNone, kDescription, kPixels };

ImageSource SourceOf(const Values& v) {
  if (v.Is("visual.source_pixels")) return ImageSource::kPixels;
  if (v.Is("visual.source_description")) return ImageSource::kDescription;
  return ImageSource::kNone;
}

constexpr std::string_view kNoImage = "no image analysed";

std::string ImageSourceLabel(const Values& v) {
  switch (SourceOf(v)) {
    case ImageSource::kPixels:
      return "image analysed from its pixels";
    case ImageSource::kDescription:
      // "No photo description available." and empty descriptions leave everything missing.
      return v.AnyKnown("visual.", {"visual.source_description", "visual.source_pixels"})
                 ? "image from its description"
                 : "no usable image description";
    case ImageSource::kNone:
      break;
  }
  return std::string(kNoImage);
}

std::string ImagePeople(const Values& v) {
  if (SourceOf(v) == ImageSource::kNone) return std::string(kNoImage);
  const double people = v("visual.people");
  if (std::isnan(people)) return "people in the image unknown";
  if (people == 0) return "no people in the image";
  std::string label = Count(people, "person", "people") + " in the image";
  if (v.Is("visual.smiling")) label += ", smiling";
  if (double share = v("visual.face_area_share"); share > 0) {
    label += ", faces fill " + Percent(share) + " of it";
  }
  return label;
}

// The scene flags are "visual.<flag>": the label names the flags that are set.
std::string ImageScene(const Values& v, const std::vector<std::string_view>& features) {
  if (SourceOf(v) == ImageSource::kNone) return std::string(kNoImage);
  std::vector<std::string> present;
  bool known = false;
  for (std::string_view name : features) {
    known = known || v.Known(name);
    if (v.Is(name)) present.emplace_back(name.substr(name.find('.') + 1));
  }
  if (!present.empty()) return "scene: " + Join(present);
  if (known) return "no recognised scene";
  return SourceOf(v) == ImageSource::kPixels ? "scene not classified (photo)" : "scene unknown";
}

std::string ImageQuality(const Values& v) {
  if (SourceOf(v) == ImageSource::kNone) return std::string(kNoImage);
  std::vector<std::string> parts;
  // BRISQUE: 0 best - 100 worst; natural, undistorted photos mostly score under 30.
  if (double brisque = v("visual.brisque"); !std::isnan(brisque)) {
    const char* word = brisque < 30 ? "good" : brisque < 50 ? "fair" : "poor";
    parts.push_back(std::string(word) + " quality (BRISQUE " + Fixed(brisque, 0) + ")");
  }
  const double brightness = v("visual.brightness");
  if (brightness < 0.3) parts.push_back("dark");
  if (brightness > 0.7) parts.push_back("bright");
  const double saturation = v("visual.saturation");
  if (saturation < 0.15) parts.push_back("muted colours");
  if (saturation > 0.45) parts.push_back("vivid colours");
  if (!parts.empty()) return "image: " + Join(parts);
  const bool measured = v.Known("visual.brightness") || v.Known("visual.contrast") ||
                        v.Known("visual.saturation") || v.Known("visual.colourfulness") ||
                        v.Known("visual.sharpness");
  if (measured) return "image: ordinary exposure and colour";
  return SourceOf(v) == ImageSource::kDescription ? "image quality not measured (description)"
                                                  : "image quality not measured";
}

std::string ImageText(const Values& v) {
  if (SourceOf(v) == ImageSource::kNone) return std::string(kNoImage);
  if (!v.Known("visual.text")) return "text in the image unknown";
  if (!v.Is("visual.text")) return "no text in the image";
  std::string label = "text in the image";
  if (double share = v("visual.text_area_share"); share > 0) {
    label += " (covers " + Percent(share) + ")";
  }
  return label;
}

bool NoEarlierPosts(const Values& v) {
  const double posts = v("history.posts_before");
  return std::isnan(posts) || posts == 0;
}

std::string HistoryLevel(const Values& v) {
  const double median = v("history.median_engagement");
  if (std::isnan(median)) {
    return NoEarlierPosts(v) ? "no earlier posts" : "no counts on earlier posts";
  }
  std::string label = "earlier posts' median " + Count(median, "engagement", "engagements");
  if (double comments = v("history.median_comments"); !std::isnan(comments)) {
    label += ", " + Count(comments, "comment", "comments");
  }
  if (double views = v("history.median_views"); !std::isnan(views)) {
    label += ", " + Count(views, "view", "views");
  }
  return label;
}

std::string HistoryTrend(const Values& v) {
  const double slope = v("history.engagement_trend");
  if (std::isnan(slope)) {
    return NoEarlierPosts(v) ? "no earlier posts" : "too few earlier posts for a trend";
  }
  // Slope of ln(1 + e) per post: exp(slope) - 1 is the change from one post to the next.
  const double change = std::expm1(slope);
  std::string label;
  if (std::abs(change) < 0.01) {
    label = "engagement flat over earlier posts";
  } else {
    label = std::string(change > 0 ? "engagement rising " : "engagement falling ") +
            Percent(std::abs(change)) + " per post";
  }
  // Standard deviation of ln(1 + e): 0.5 is posts within about ±65% of each other.
  const double spread = v("history.engagement_spread");
  if (spread < 0.5) label += ", steady";
  if (spread > 1.0) label += ", uneven";
  return label;
}

std::string HistoryActivity(const Values& v) {
  if (NoEarlierPosts(v)) return "no earlier posts";
  std::string label = Count(v("history.posts_before"), "earlier post", "earlier posts");
  if (double recent = v("history.posts_last_30d"); !std::isnan(recent)) {
    label += ", " + FormatCount(recent) + " in the last 30 days";
  }
  if (double since = v("history.days_since_last_post"); !std::isnan(since)) {
    label += ", previous " + Duration(since) + " before";
  }
  return label;
}

std::string HistoryFormatMix(const Values& v) {
  const double carousels = v("history.carousel_share");
  const double videos = v("history.video_share");
  const double sponsored = v("history.sponsored_share");
  if (std::isnan(carousels) && std::isnan(videos) && std::isnan(sponsored)) {
    return "no earlier posts";
  }
  std::vector<std::string> parts;
  if (carousels > 0) parts.push_back(Percent(carousels) + " carousels");
  if (videos > 0) parts.push_back(Percent(videos) + " videos");
  if (carousels == 0 && videos == 0) parts.push_back("all single images");
  if (sponsored > 0) parts.push_back(Percent(sponsored) + " sponsored");
  if (sponsored == 0) parts.push_back("none sponsored");
  return "earlier posts: " + Join(parts);
}

std::string FollowerGrowth(const Values& v) {
  const double growth = v("history.follower_growth");
  const double followers = v("history.followers_at_t");
  std::vector<std::string> parts;
  if (!std::isnan(growth)) parts.push_back(SignedPercent(growth) + " followers per 30 days");
  if (!std::isnan(followers)) {
    parts.push_back(Count(followers, "follower", "followers") + " at the last snapshot");
  }
  if (!parts.empty()) return Join(parts);
  if (double age = v("history.days_since_snapshot"); !std::isnan(age)) {
    return "no follower counts in snapshots";
  }
  return "no follower history";
}

std::string EngagementRate(const Values& v) {
  if (double rate = v("history.engagement_rate"); !std::isnan(rate)) {
    return "engagement rate " + Percent(rate);
  }
  if (double rate = v("history.snapshot_engagement_rate"); !std::isnan(rate)) {
    return "engagement rate " + Percent(rate) + " (profile snapshot)";
  }
  return "engagement rate unknown";
}

std::string NicheLabel(const Values& v, const std::vector<std::string_view>& features) {
  bool known = false;
  for (std::string_view name : features) {
    known = known || v.Known(name);
    if (!v.Is(name)) continue;
    const std::string_view id = name.substr(kNichePrefix.size());
    for (const NicheInfo& niche : Niches()) {
      if (niche.id == id) return "niche: " + std::string(niche.name);
    }
  }
  return known ? "no niche" : "niche unknown";
}

// ---- The group table -------------------------------------------------------------------

using LabelFn = std::string (*)(const Values&, const std::vector<std::string_view>& features);

template <std::string (*F)(const Values&)>
std::string IgnoringFeatures(const Values& v, const std::vector<std::string_view>&) {
  return F(v);
}

struct Group {
  std::string_view id;
  std::vector<std::string_view> features;  // empty for the niche group: matched by prefix
  LabelFn label;
};

const std::vector<Group>& Groups() {
  static const std::vector<Group> groups = {
      {"posting_time", {"post.hour_utc", "post.weekday_utc"}, IgnoringFeatures<PostingTime>},
      {"format", {"post.is_carousel", "post.is_video"}, IgnoringFeatures<FormatLabel>},
      {"sponsored", {"post.sponsored"}, IgnoringFeatures<Sponsored>},
      {"post_age", {"post.age_days"}, IgnoringFeatures<PostAge>},
      {"platform",
       {"creator.instagram", "creator.tiktok", "creator.youtube"},
       IgnoringFeatures<PlatformLabel>},
      {"followers", {"creator.followers"}, IgnoringFeatures<Followers>},
      {"following", {"creator.following"}, IgnoringFeatures<Following>},
      {"creator_posts", {"creator.posts_count"}, IgnoringFeatures<CreatorPosts>},
      {"verified", {"creator.verified"}, IgnoringFeatures<Verified>},
      {"hashtags", {"caption.hashtags"}, IgnoringFeatures<Hashtags>},
      {"mentions", {"caption.mentions"}, IgnoringFeatures<Mentions>},
      {"links", {"caption.urls"}, IgnoringFeatures<Links>},
      {"caption_length",
       {"caption.chars", "caption.words", "caption.line_breaks"},
       IgnoringFeatures<CaptionLength>},
      {"emoji", {"caption.emoji", "caption.emoji_valence"}, IgnoringFeatures<Emoji>},
      {"tone",
       {"caption.sentiment", "caption.questions", "caption.exclamations", "caption.uppercase_share",
        "caption.calls_to_action"},
       IgnoringFeatures<Tone>},
      {"language",
       {"caption.is_english", "caption.language_confidence"},
       IgnoringFeatures<Language>},
      {"caption_encoding", {"caption.invalid_bytes"}, IgnoringFeatures<CaptionEncoding>},
      {"image_source",
       {"visual.source_description", "visual.source_pixels"},
       IgnoringFeatures<ImageSourceLabel>},
      {"image_people",
       {"visual.people", "visual.smiling", "visual.face_area_share"},
       IgnoringFeatures<ImagePeople>},
      {"image_scene",
       {"visual.outdoor", "visual.indoor",   "visual.nature",  "visual.sky",     "visual.water",
        "visual.food",    "visual.drink",    "visual.animal",  "visual.child",   "visual.closeup",
        "visual.selfie",  "visual.standing", "visual.sitting", "visual.fashion", "visual.sport",
        "visual.night",   "visual.urban",    "visual.event",   "visual.home",    "visual.device"},
       ImageScene},
      {"image_quality",
       {"visual.brightness", "visual.contrast", "visual.saturation", "visual.colourfulness",
        "visual.sharpness", "visual.brisque"},
       IgnoringFeatures<ImageQuality>},
      {"image_text", {"visual.text", "visual.text_area_share"}, IgnoringFeatures<ImageText>},
      {"history_level",
       {"history.scored_posts", "history.median_engagement", "history.mean_log_engagement",
        "history.median_comments", "history.median_views"},
       IgnoringFeatures<HistoryLevel>},
      {"history_trend",
       {"history.engagement_trend", "history.engagement_spread"},
       IgnoringFeatures<HistoryTrend>},
      {"history_activity",
       {"history.posts_before", "history.median_gap_days", "history.days_since_last_post",
        "history.posts_last_30d"},
       IgnoringFeatures<HistoryActivity>},
      {"history_format_mix",
       {"history.carousel_share", "history.video_share", "history.sponsored_share"},
       IgnoringFeatures<HistoryFormatMix>},
      {"follower_growth",
       {"history.followers_at_t", "history.follower_growth", "history.days_since_snapshot"},
       IgnoringFeatures<FollowerGrowth>},
      {"engagement_rate",
       {"history.engagement_rate", "history.snapshot_engagement_rate"},
       IgnoringFeatures<EngagementRate>},
      {"niche", {}, NicheLabel},
  };
  return groups;
}

constexpr size_t kNoGroup = static_cast<size_t>(-1);

// Feature name -> index into Groups(); kNoGroup when a name is listed twice (a bug in the
// table, reported rather than resolved arbitrarily).
const std::unordered_map<std::string_view, size_t>& GroupOfName() {
  static const std::unordered_map<std::string_view, size_t> index = [] {
    std::unordered_map<std::string_view, size_t> out;
    for (size_t g = 0; g < Groups().size(); ++g) {
      for (std::string_view name : Groups()[g].features) {
        auto [it, inserted] = out.emplace(name, g);
        if (!inserted) it->second = kNoGroup;
      }
    }
    return out;
  }();
  return index;
}

size_t NicheGroup() {
  static const size_t index = [] {
    for (size_t g = 0; g < Groups().size(); ++g) {
      if (Groups()[g].id == "niche") return g;
    }
    return kNoGroup;
  }();
  return index;
}

Result<size_t> GroupOf(std::string_view name) {
  if (auto it = GroupOfName().find(name); it != GroupOfName().end()) {
    if (it->second == kNoGroup) {
      return Internal("feature " + std::string(name) + " is listed in two driver groups");
    }
    return it->second;
  }
  if (name.starts_with(kNichePrefix) && IsNiche(name.substr(kNichePrefix.size()))) {
    return NicheGroup();
  }
  return InvalidArgument("feature " + std::string(name) +
                         " belongs to no driver group; add it to model/explain/drivers.cc");
}

}  // namespace

Result<std::vector<Driver>> GroupContributions(const FeatureVector& x,
                                               std::span<const double> contributions) {
  if (contributions.size() != x.size()) {
    return InvalidArgument("contributions: " + std::to_string(contributions.size()) +
                           " values for " + std::to_string(x.size()) +
                           " features (the bias is not one of them)");
  }
  const std::vector<Group>& groups = Groups();
  std::vector<double> sums(groups.size(), 0.0);
  std::vector<std::vector<std::string_view>> members(groups.size());
  const Values values(x);
  if (auto twice = values.Duplicate()) {
    return InvalidArgument("feature " + std::string(twice->first->name) + " appears twice (at " +
                           std::to_string(twice->first->position) + " and " +
                           std::to_string(twice->second->position) + ")");
  }
  for (size_t i = 0; i < x.size(); ++i) {
    const std::string_view name = x[i].name;
    if (!std::isfinite(contributions[i])) {
      return InvalidArgument("contribution of feature " + std::string(name) + " is not finite");
    }
    SPHERE_ASSIGN_OR_RETURN(size_t g, GroupOf(name));
    sums[g] += contributions[i];
    members[g].push_back(name);
  }

  std::vector<Driver> drivers;
  for (size_t g = 0; g < groups.size(); ++g) {
    if (members[g].empty()) continue;
    drivers.push_back({std::string(groups[g].id), groups[g].label(values, members[g]), sums[g],
                       std::move(members[g])});
  }
  std::stable_sort(drivers.begin(), drivers.end(), [](const Driver& a, const Driver& b) {
    return std::abs(a.contribution) > std::abs(b.contribution);
  });
  return drivers;
}

TopDrivers Top(const std::vector<Driver>& drivers, size_t n) {
  TopDrivers top;
  for (const Driver& d : drivers) {
    if (d.contribution > 0) top.positive.push_back(d);
    if (d.contribution < 0) top.negative.push_back(d);
  }
  std::stable_sort(top.positive.begin(), top.positive.end(), [](const Driver& a, const Driver& b) {
    return a.contribution > b.contribution;
  });
  std::stable_sort(top.negative.begin(), top.negative.end(), [](const Driver& a, const Driver& b) {
    return a.contribution < b.contribution;
  });
  if (top.positive.size() > n) top.positive.resize(n);
  if (top.negative.size() > n) top.negative.resize(n);
  return top;
}

std::string FormatEffect(double log_contribution) {
  if (!std::isfinite(log_contribution)) return "n/a";
  const double factor = std::exp(log_contribution);
  if (factor >= 3) return "×" + FormatCount(factor);
  const double pct = std::expm1(log_contribution) * 100;
  const double magnitude = std::abs(pct);
  if (magnitude < 0.05) return "±0%";
  std::string digits = Fixed(magnitude, magnitude < 1 ? 1 : 0);
  // exp(c) > 0, so the effect is never -100%, however it rounds.
  if (pct < 0 && digits == "100") digits = "99.9";
  return (pct > 0 ? "+" : "-") + digits + "%";
}

std::string FormatCount(double value) {
  if (std::isnan(value)) return "?";
  if (std::isinf(value)) return value > 0 ? "∞" : "-∞";
  const std::string sign = value < 0 ? "-" : "";
  const double magnitude = std::abs(value);
  if (std::round(magnitude) < 1000) {
    // Small values keep one decimal when they have one (a median of 2.5 comments).
    return sign + Fixed(magnitude, magnitude < 10 ? 1 : 0);
  }
  static constexpr struct {
    double scale;
    const char* suffix;
  } kUnits[] = {{1e3, "k"}, {1e6, "M"}, {1e9, "B"}};
  for (size_t u = 0; u < std::size(kUnits); ++u) {
    const double scaled = magnitude / kUnits[u].scale;
    const int decimals = scaled < 10 ? 2 : scaled < 100 ? 1 : 0;
    const std::string digits = Fixed(scaled, decimals);
    // 999,960 rounds to "1000k": that is the next unit's "1M".
    if (std::strtod(digits.c_str(), nullptr) >= 1000 && u + 1 < std::size(kUnits)) continue;
    return sign + digits + kUnits[u].suffix;
  }
  return sign + "?";  // not reached: the last unit always returns
}

}  // namespace sphere::explain
