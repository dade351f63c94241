// Creator history at a time t: what a creator's past says about their next post.
//
// Computed strictly from posts published before t and snapshots taken before t, so a
// model trained on a post never sees that post, later posts, or later follower counts.
// A post's likes and comments are the counts as observed (the data sets read them at crawl
// time, after t); that is the only information about a past post there is, and it is what
// a brand sees on the creator's profile at serving time too.
//
// Pure functions over plain records: no store access, no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/domain.h"
#include "features/feature_vector.h"

namespace sphere::features {

struct HistoryOptions {
  // The most recent posts that level, trend and consistency look at.
  int window_posts = 20;
  // Follower growth is measured over this many days before t.
  int growth_days = 30;
};

struct HistoryFeatures {
  int64_t posts_before = 0;  // posts published before t (any counts)
  // Over the last window_posts posts before t with likes or comments known:
  int64_t scored_posts = 0;                   // how many that is
  std::optional<double> median_engagement;    // median likes + comments per post
  std::optional<double> mean_log_engagement;  // mean ln(1 + likes + comments)
  std::optional<double> engagement_trend;     // OLS slope of ln(1 + e) per post, oldest to newest
  std::optional<double> engagement_spread;    // std of ln(1 + e): lower is more consistent
  std::optional<double> median_comments;      // median comments per post
  std::optional<double> median_views;         // median views per post (video platforms)
  std::optional<double> engagement_rate;      // median_engagement / followers at t
  // Cadence over all posts before t:
  std::optional<double> median_gap_days;  // median days between consecutive posts
  std::optional<double> days_since_last_post;
  std::optional<double> posts_last_30d;  // posts in the 30 days before t
  // Format mix and sponsorship over all posts before t (shares in [0, 1]):
  std::optional<double> carousel_share;
  std::optional<double> video_share;
  std::optional<double> sponsored_share;
  // From snapshots taken before t:
  std::optional<double> followers_at_t;            // the latest snapshot's followers
  std::optional<double> follower_growth;           // relative change over growth_days
  std::optional<double> snapshot_engagement_rate;  // the latest snapshot's engagement rate
  std::optional<double> days_since_snapshot;
};

// `posts` and `snapshots` belong to one creator, in any order. `creator` supplies the
// profile followers used for the engagement rate when no snapshot before t has them: they
// are the creator's current count, as a brand sees it (see the note at the top).
HistoryFeatures ComputeHistory(const Creator& creator, std::span<const Post> posts,
                               std::span<const Snapshot> snapshots, UnixSeconds at,
                               const HistoryOptions& options = {});

// Appends under "history.*" in a fixed order; absent values are NaN.
void AppendHistoryFeatures(const HistoryFeatures& h, FeatureVector* out);

}  // namespace sphere::features
