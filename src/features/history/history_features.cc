#include "features/history/history_features.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/time.h"

namespace sphere::features {
namespace {

// Seconds as fractional days.
double Days(int64_t seconds) {
  return static_cast<double>(seconds) / static_cast<double>(kSecondsPerDay);
}

std::optional<double> Median(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  double lower = *std::max_element(values.begin(), values.begin() + mid);
  return (lower + upper) / 2.0;
}

std::optional<double> Share(int64_t part, int64_t whole) {
  if (whole == 0) return std::nullopt;
  return static_cast<double>(part) / static_cast<double>(whole);
}

// Likes + comments; nullopt when neither is known (a comments-disabled post still counts
// its likes).
std::optional<double> EngagementOf(const Post& post) {
  if (!post.likes && !post.comments) return std::nullopt;
  return static_cast<double>(post.likes.value_or(0) + post.comments.value_or(0));
}

// Least-squares slope of ys against 0, 1, 2, ...
std::optional<double> Slope(const std::vector<double>& ys) {
  const size_t n = ys.size();
  if (n < 2) return std::nullopt;
  const double mean_x = (static_cast<double>(n) - 1.0) / 2.0;
  double mean_y = 0;
  for (double y : ys) mean_y += y;
  mean_y /= static_cast<double>(n);
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < n; ++i) {
    const double dx = static_cast<double>(i) - mean_x;
    sxy += dx * (ys[i] - mean_y);
    sxx += dx * dx;
  }
  return sxy / sxx;
}

std::optional<double> StdDev(const std::vector<double>& ys) {
  if (ys.size() < 2) return std::nullopt;
  double mean = 0;
  for (double y : ys) mean += y;
  mean /= static_cast<double>(ys.size());
  double ss = 0;
  for (double y : ys) ss += (y - mean) * (y - mean);
  return std::sqrt(ss / static_cast<double>(ys.size() - 1));
}

void AddSnapshotFeatures(std::span<const Snapshot> snapshots, UnixSeconds at,
                         const HistoryOptions& options, HistoryFeatures* h) {
  std::vector<const Snapshot*> before;
  for (const Snapshot& s : snapshots) {
    if (s.taken_at < at) before.push_back(&s);
  }
  if (before.empty()) return;
  std::stable_sort(before.begin(), before.end(),
                   [](const Snapshot* a, const Snapshot* b) { return a->taken_at < b->taken_at; });
  h->days_since_snapshot = Days(at - before.back()->taken_at);

  for (auto it = before.rbegin(); it != before.rend(); ++it) {
    if ((*it)->engagement_rate) {
      h->snapshot_engagement_rate = *(*it)->engagement_rate;
      break;
    }
  }

  const Snapshot* latest = nullptr;
  for (auto it = before.rbegin(); it != before.rend(); ++it) {
    if ((*it)->followers) {
      latest = *it;
      break;
    }
  }
  if (latest == nullptr) return;
  h->followers_at_t = static_cast<double>(*latest->followers);

  // Growth against the snapshot nearest to growth_days before the latest, normalised to
  // growth_days so that weekly and monthly series read alike. Needs a base at least half
  // the window back, so two snapshots a day apart do not pass for a month's growth.
  const double target = static_cast<double>(latest->taken_at) -
                        options.growth_days * static_cast<double>(kSecondsPerDay);
  const Snapshot* base = nullptr;
  for (const Snapshot* s : before) {
    if (!s->followers || *s->followers <= 0) continue;
    const double gap_days = Days(latest->taken_at - s->taken_at);
    if (gap_days < options.growth_days / 2.0) continue;
    if (base == nullptr || std::abs(static_cast<double>(s->taken_at) - target) <
                               std::abs(static_cast<double>(base->taken_at) - target)) {
      base = s;
    }
  }
  if (base == nullptr) return;
  const double gap_days = Days(latest->taken_at - base->taken_at);
  const double ratio =
      static_cast<double>(*latest->followers) / static_cast<double>(*base->followers) - 1.0;
  h->follower_growth = ratio * options.growth_days / gap_days;
}

}  // namespace

HistoryFeatures ComputeHistory(const Creator& creator, std::span<const Post> posts,
                               std::span<const Snapshot> snapshots, UnixSeconds at,
                               const HistoryOptions& options) {
  HistoryFeatures h;
  // Posts strictly before t, oldest first. A post without a time cannot be placed before
  // anything, so it never counts.
  std::vector<const Post*> before;
  for (const Post& p : posts) {
    if (p.posted_at && *p.posted_at < at) before.push_back(&p);
  }
  std::stable_sort(before.begin(), before.end(),
                   [](const Post* a, const Post* b) { return *a->posted_at < *b->posted_at; });
  h.posts_before = static_cast<int64_t>(before.size());

  AddSnapshotFeatures(snapshots, at, options, &h);

  if (!before.empty()) {
    int64_t carousels = 0, videos = 0, sponsored = 0, last_30d = 0;
    std::vector<double> gaps;
    for (size_t i = 0; i < before.size(); ++i) {
      const Post& p = *before[i];
      carousels += p.media_type == MediaType::kCarousel;
      videos += p.media_type == MediaType::kVideo;
      sponsored += p.sponsored;
      last_30d += at - *p.posted_at <= 30 * kSecondsPerDay;
      if (i > 0) gaps.push_back(Days(*p.posted_at - *before[i - 1]->posted_at));
    }
    const auto n = static_cast<int64_t>(before.size());
    h.carousel_share = Share(carousels, n);
    h.video_share = Share(videos, n);
    h.sponsored_share = Share(sponsored, n);
    h.posts_last_30d = static_cast<double>(last_30d);
    h.median_gap_days = Median(std::move(gaps));
    h.days_since_last_post = Days(at - *before.back()->posted_at);
  }

  // Level, trend and consistency over the most recent scored posts.
  std::vector<double> engagement, log_engagement, comments, views;
  for (auto it = before.rbegin();
       it != before.rend() && static_cast<int>(engagement.size()) < options.window_posts; ++it) {
    const Post& p = **it;
    std::optional<double> e = EngagementOf(p);
    if (!e) continue;
    engagement.push_back(*e);
    log_engagement.push_back(std::log1p(*e));
    if (p.comments) comments.push_back(static_cast<double>(*p.comments));
    if (p.views) views.push_back(static_cast<double>(*p.views));
  }
  std::reverse(log_engagement.begin(), log_engagement.end());  // oldest first for the trend
  h.scored_posts = static_cast<int64_t>(engagement.size());
  if (!engagement.empty()) {
    h.median_engagement = Median(engagement);
    double sum = 0;
    for (double v : log_engagement) sum += v;
    h.mean_log_engagement = sum / static_cast<double>(log_engagement.size());
    h.engagement_trend = Slope(log_engagement);
    h.engagement_spread = StdDev(log_engagement);
    h.median_comments = Median(std::move(comments));
    h.median_views = Median(std::move(views));
    std::optional<double> followers = h.followers_at_t;
    if (!followers && creator.followers) followers = static_cast<double>(*creator.followers);
    if (followers && *followers > 0) h.engagement_rate = *h.median_engagement / *followers;
  }
  return h;
}

void AppendHistoryFeatures(const HistoryFeatures& h, FeatureVector* out) {
  out->Add("history.posts_before", static_cast<double>(h.posts_before));
  out->Add("history.scored_posts", static_cast<double>(h.scored_posts));
  out->Add("history.median_engagement", h.median_engagement);
  out->Add("history.mean_log_engagement", h.mean_log_engagement);
  out->Add("history.engagement_trend", h.engagement_trend);
  out->Add("history.engagement_spread", h.engagement_spread);
  out->Add("history.median_comments", h.median_comments);
  out->Add("history.median_views", h.median_views);
  out->Add("history.engagement_rate", h.engagement_rate);
  out->Add("history.median_gap_days", h.median_gap_days);
  out->Add("history.days_since_last_post", h.days_since_last_post);
  out->Add("history.posts_last_30d", h.posts_last_30d);
  out->Add("history.carousel_share", h.carousel_share);
  out->Add("history.video_share", h.video_share);
  out->Add("history.sponsored_share", h.sponsored_share);
  out->Add("history.followers_at_t", h.followers_at_t);
  out->Add("history.follower_growth", h.follower_growth);
  out->Add("history.snapshot_engagement_rate", h.snapshot_engagement_rate);
  out->Add("history.days_since_snapshot", h.days_since_snapshot);
}

}  // namespace sphere::features
