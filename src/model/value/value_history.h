// What the Market Value model reads about one creator: every observation of their level and
// growth from every source, in time order, reduced from the store's snapshots and posts.
//
// Sources measure engagement differently, so each observation says what it holds:
//   smi2022 Instagram: average engagement per post (extra_json avg_engagement);
//   smi2022 TikTok and YouTube, top200: average likes + comments per post, average views;
//   Social Blade weekly and Global YouTube 2023: follower (subscriber) and view GAINS;
//   posts (Kim, TikTok trending): each post's likes + comments (lifetime, at crawl) and views.
// A Summary cuts the history at an as-of instant: nothing after it is read, except the
// profile's follower count for a creator with no dated follower observation at all (Kim's
// counts exist only at crawl time; the PLEP model makes the same choice). See
// docs/market-value.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.h"

namespace sphere::value {

struct Observation {
  UnixSeconds at = 0;
  std::string source;
  std::optional<double> followers;
  std::optional<double> engagement_per_post;
  std::optional<double> views_per_post;
  // How the engagement is made (quality signals that may predict where it goes):
  // authentic engagement / engagement (smi2022 Instagram), comments / likes.
  std::optional<double> authentic_share;
  std::optional<double> comment_share;
  // Gains over the period_days that end at `at`.
  std::optional<double> followers_gain;
  std::optional<double> views_gain;
  int period_days = 0;
};

struct PostPoint {
  UnixSeconds at = 0;
  double engagement = 0;  // likes + comments
  std::optional<double> views;
  MediaType media_type = MediaType::kImage;
};

struct CreatorHistory {
  int64_t creator_id = 0;
  Platform platform = Platform::kInstagram;
  std::string handle;
  std::string niche;  // taxonomy id, "" when unknown
  // The profile's count, kept only when no observation has a follower count.
  std::optional<double> profile_followers;
  UnixSeconds profile_as_of = 0;  // the profile's stats_as_of (0 when unknown)
  std::vector<Observation> observations;  // by time
  std::vector<PostPoint> posts;           // dated posts with likes and comments, by time
};

// Builds a history from stored records (any order). Snapshots with nothing the model reads
// are dropped; so are posts without a time or without likes and comments.
CreatorHistory BuildHistory(const Creator& creator, std::string niche,
                            const std::vector<Snapshot>& snapshots,
                            const std::vector<Post>& posts);

// The engagement per post a snapshot states (see the header comment), or nullopt.
std::optional<double> SnapshotEngagement(Platform platform, const Snapshot& snapshot);

// The views per post a snapshot states (avg_views).
std::optional<double> SnapshotViews(const Snapshot& snapshot);

// A level read from the history at an as-of instant: its value, when it was observed and
// from which source ("posts" for a median of recent posts).
struct Level {
  double value = 0;
  UnixSeconds at = 0;
  std::string source;
};

// How the creator's recent follower growth is known (features and the last-value baseline).
enum class GainKind { kGainSeries = 0, kLevels = 1, kNone = 2 };

// Everything the features and the baselines need, as of one instant.
struct Summary {
  UnixSeconds as_of = 0;
  std::optional<Level> followers;  // latest count; the profile's when no observation has one
  bool followers_from_profile = false;
  std::optional<double> followers_prev;  // the count >= 20 days before `followers`
  std::optional<double> followers_prev_days;
  std::optional<Level> engagement;  // per post
  std::optional<double> authentic_share;  // of the latest snapshot that states it
  std::optional<double> comment_share;
  std::optional<double> engagement_prev;
  std::optional<double> engagement_prev_days;
  std::optional<Level> views;  // per post
  std::optional<double> views_prev;
  std::optional<double> views_prev_days;
  // Daily follower gain: over the last 28 days of gain reports (>= 21 days covered), or
  // between the last two counts. nullopt when neither is known.
  std::optional<double> daily_gain;
  GainKind gain_kind = GainKind::kNone;
  std::optional<double> daily_gain_prev_28d;  // the 28 days before that (gain series only)
  std::optional<double> daily_gain_84d;       // last 84 days (gain series only)
  std::optional<double> gain_volatility;      // stdev of period gains / (mean |gain| + 1)
  std::optional<double> negative_gain_share;  // share of losing periods, last 84 days
  std::optional<double> daily_views_gain;     // last 28 days of view-gain reports
  int posts = 0;                              // dated posts at or before as_of
  std::optional<double> posts_per_30d;        // over the last 90 days
  std::optional<double> post_engagement_cv;   // stdev / mean of ln(1+e), last 10 posts
  std::optional<double> video_share;          // last 10 posts
  std::optional<double> carousel_share;
  int observations = 0;  // observations at or before as_of
  double span_days = 0;  // first to last of them
  std::vector<const Observation*> used;  // the observations read, by time (evidence)
};

// `history` must outlive the Summary (it points into it).
Summary Summarize(const CreatorHistory& history, UnixSeconds as_of);

// The newest time anything in the history was observed; the kept profile count's date only
// when nothing else is dated (0 when nothing is).
UnixSeconds LatestObservation(const CreatorHistory& history);

}  // namespace sphere::value
