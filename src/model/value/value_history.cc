#include "model/value/value_history.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/time.h"

namespace sphere::value {
namespace {

constexpr double kDay = static_cast<double>(kSecondsPerDay);
constexpr int kRecentPosts = 10;

std::optional<double> Positive(std::optional<double> v) {
  if (v && std::isfinite(*v) && *v >= 0) return v;
  return std::nullopt;
}

std::optional<double> AsDouble(const std::optional<int64_t>& v) {
  if (!v) return std::nullopt;
  return static_cast<double>(*v);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

std::optional<double> SnapshotEngagement(Platform platform, const Snapshot& s) {
  if (platform == Platform::kInstagram && s.source == "smi2022") {
    // smi2022 Instagram states average engagement per post in extra_json; authentic
    // engagement is a subset of it and would mix two measures in one series.
    const auto extra = nlohmann::json::parse(s.extra_json, nullptr, /*allow_exceptions=*/false);
    if (extra.is_object()) {
      const auto it = extra.find("avg_engagement");
      if (it != extra.end() && it->is_number()) return Positive(it->get<double>());
    }
    return std::nullopt;
  }
  if (!s.avg_likes) return std::nullopt;
  // Comments are missing on some YouTube rows; likes are most of engagement there (the
  // median comments/likes ratio is about 2%), so likes alone stand in.
  return Positive(*s.avg_likes + s.avg_comments.value_or(0));
}

std::optional<double> SnapshotViews(const Snapshot& s) {
  // Global YouTube 2023's lifetime views / uploads is NOT used: channels with few uploads
  // (music) reach billions of views per video that way, which no sponsor would price.
  return Positive(s.avg_views);
}

CreatorHistory BuildHistory(const Creator& creator, std::string niche,
                            const std::vector<Snapshot>& snapshots,
                            const std::vector<Post>& posts) {
  CreatorHistory h;
  h.creator_id = creator.id;
  h.platform = creator.platform;
  h.handle = creator.handle;
  h.niche = std::move(niche);
  for (const Snapshot& s : snapshots) {
    Observation o;
    o.at = s.taken_at;
    o.source = s.source;
    o.followers = Positive(AsDouble(s.followers));
    o.engagement_per_post = SnapshotEngagement(creator.platform, s);
    o.views_per_post = SnapshotViews(s);
    if (o.engagement_per_post && *o.engagement_per_post > 0 && s.authentic_engagement) {
      o.authentic_share = *s.authentic_engagement / *o.engagement_per_post;
    }
    if (s.avg_likes && *s.avg_likes > 0 && s.avg_comments) {
      o.comment_share = *s.avg_comments / *s.avg_likes;
    }
    if (s.period_days && *s.period_days > 0) {
      o.followers_gain = AsDouble(s.followers_gain);
      o.views_gain = AsDouble(s.views_gain);
      o.period_days = *s.period_days;
    }
    if (o.followers || o.engagement_per_post || o.views_per_post || o.followers_gain ||
        o.views_gain) {
      h.observations.push_back(std::move(o));
    }
  }
  std::stable_sort(h.observations.begin(), h.observations.end(),
                   [](const Observation& a, const Observation& b) { return a.at < b.at; });
  const bool any_followers = std::any_of(h.observations.begin(), h.observations.end(),
                                         [](const Observation& o) { return o.followers; });
  if (!any_followers && creator.followers && *creator.followers >= 0) {
    h.profile_followers = static_cast<double>(*creator.followers);
    h.profile_as_of = creator.stats_as_of;
  }
  for (const Post& p : posts) {
    if (!p.posted_at || !p.likes || !p.comments) continue;
    PostPoint point;
    point.at = *p.posted_at;
    point.engagement = static_cast<double>(std::max<int64_t>(0, *p.likes + *p.comments));
    if (p.views && *p.views >= 0) point.views = static_cast<double>(*p.views);
    point.media_type = p.media_type;
    h.posts.push_back(point);
  }
  std::stable_sort(h.posts.begin(), h.posts.end(),
                   [](const PostPoint& a, const PostPoint& b) { return a.at < b.at; });
  return h;
}

UnixSeconds LatestObservation(const CreatorHistory& h) {
  UnixSeconds latest = 0;
  if (!h.observations.empty()) latest = h.observations.back().at;
  if (!h.posts.empty()) latest = std::max(latest, h.posts.back().at);
  // The profile's date only when nothing else is dated: a Kim profile is dated at the crawl,
  // often years after the creator's last post, and forecasting from there would extrapolate.
  if (latest == 0 && h.profile_followers) latest = h.profile_as_of;
  return latest;
}

namespace {

// The latest value of a field at or before as_of, and the one at least 20 days before it.
template <typename Get>
void LatestTwo(const std::vector<const Observation*>& obs, Get get, std::optional<Level>& last,
               std::optional<double>& prev, std::optional<double>& prev_days) {
  for (auto it = obs.rbegin(); it != obs.rend(); ++it) {
    const std::optional<double> v = get(**it);
    if (!v) continue;
    if (!last) {
      last = Level{*v, (*it)->at, (*it)->source};
    } else if (last->at - (*it)->at >= 20 * kSecondsPerDay) {
      prev = *v;
      prev_days = (last->at - (*it)->at) / kDay;
      return;
    }
  }
}

}  // namespace

Summary Summarize(const CreatorHistory& h, UnixSeconds as_of) {
  Summary s;
  s.as_of = as_of;
  for (const Observation& o : h.observations) {
    if (o.at > as_of) break;
    s.used.push_back(&o);
  }
  s.observations = static_cast<int>(s.used.size());
  if (!s.used.empty()) s.span_days = (s.used.back()->at - s.used.front()->at) / kDay;

  LatestTwo(
      s.used, [](const Observation& o) { return o.followers; }, s.followers, s.followers_prev,
      s.followers_prev_days);
  if (!s.followers && h.profile_followers) {
    s.followers = Level{*h.profile_followers, as_of, "profile"};
    s.followers_from_profile = true;
  }
  LatestTwo(
      s.used, [](const Observation& o) { return o.engagement_per_post; }, s.engagement,
      s.engagement_prev, s.engagement_prev_days);
  LatestTwo(
      s.used, [](const Observation& o) { return o.views_per_post; }, s.views, s.views_prev,
      s.views_prev_days);
  for (auto it = s.used.rbegin(); it != s.used.rend(); ++it) {
    if (!s.authentic_share && (*it)->authentic_share) s.authentic_share = (*it)->authentic_share;
    if (!s.comment_share && (*it)->comment_share) s.comment_share = (*it)->comment_share;
  }

  // Gain reports: windows of 28 and 84 days ending at as_of (a report counts when it ends in
  // the window; its whole period is taken).
  auto gain_window = [&](UnixSeconds from, UnixSeconds to, bool views) -> std::optional<double> {
    double sum = 0, days = 0;
    for (const Observation* o : s.used) {
      const std::optional<double>& g = views ? o->views_gain : o->followers_gain;
      if (!g || o->at <= from || o->at > to) continue;
      sum += *g;
      days += o->period_days;
    }
    const double span = (to - from) / kDay;
    if (days < 0.75 * span) return std::nullopt;
    return sum / days;
  };
  const UnixSeconds d28 = 28 * kSecondsPerDay;
  // A 30-day report (Global YouTube) ending up to 45 days before as_of still counts.
  s.daily_gain = gain_window(as_of - d28, as_of, false);
  if (!s.daily_gain) {
    for (auto it = s.used.rbegin(); it != s.used.rend(); ++it) {
      const Observation& o = **it;
      if (o.followers_gain && o.period_days >= 21 && as_of - o.at <= 45 * kSecondsPerDay) {
        s.daily_gain = *o.followers_gain / o.period_days;
        break;
      }
    }
  }
  if (s.daily_gain) {
    s.gain_kind = GainKind::kGainSeries;
    s.daily_gain_prev_28d = gain_window(as_of - 2 * d28, as_of - d28, false);
    s.daily_gain_84d = gain_window(as_of - 3 * d28, as_of, false);
    std::vector<double> gains;
    for (const Observation* o : s.used) {
      if (o->followers_gain && o->at > as_of - 3 * d28) gains.push_back(*o->followers_gain);
    }
    if (gains.size() >= 3) {
      double mean = 0, abs_mean = 0, negative = 0;
      for (double g : gains) {
        mean += g;
        abs_mean += std::fabs(g);
        negative += g < 0;
      }
      mean /= gains.size();
      abs_mean /= gains.size();
      double var = 0;
      for (double g : gains) var += (g - mean) * (g - mean);
      s.gain_volatility = std::sqrt(var / (gains.size() - 1)) / (abs_mean + 1);
      s.negative_gain_share = negative / gains.size();
    }
  } else if (s.followers && s.followers_prev && !s.followers_from_profile) {
    s.daily_gain = (s.followers->value - *s.followers_prev) / *s.followers_prev_days;
    s.gain_kind = GainKind::kLevels;
  }
  s.daily_views_gain = gain_window(as_of - d28, as_of, true);

  // Posts at or before as_of.
  const auto end = std::upper_bound(h.posts.begin(), h.posts.end(), as_of,
                                    [](UnixSeconds t, const PostPoint& p) { return t < p.at; });
  s.posts = static_cast<int>(end - h.posts.begin());
  if (s.posts > 0) {
    const auto first_recent = end - std::min(s.posts, kRecentPosts);
    std::vector<double> engagement, views, logs;
    double video = 0, carousel = 0;
    for (auto it = first_recent; it != end; ++it) {
      engagement.push_back(it->engagement);
      logs.push_back(std::log1p(it->engagement));
      if (it->views) views.push_back(*it->views);
      video += it->media_type == MediaType::kVideo;
      carousel += it->media_type == MediaType::kCarousel;
    }
    const double n = static_cast<double>(engagement.size());
    s.video_share = video / n;
    s.carousel_share = carousel / n;
    if (logs.size() >= 2) {
      double mean = 0;
      for (double l : logs) mean += l;
      mean /= n;
      double var = 0;
      for (double l : logs) var += (l - mean) * (l - mean);
      s.post_engagement_cv = std::sqrt(var / (n - 1)) / (mean + 1e-9);
    }
    const UnixSeconds last_post = (end - 1)->at;
    // A posts-based level replaces a snapshot level only when it is more recent.
    if (!s.engagement || last_post > s.engagement->at) {
      if (s.engagement) {
        s.engagement_prev = s.engagement->value;
        s.engagement_prev_days = (last_post - s.engagement->at) / kDay;
      } else if (s.posts >= 2) {
        s.engagement_prev = (end - 2)->engagement;
        s.engagement_prev_days = std::max(1.0, (last_post - (end - 2)->at) / kDay);
      }
      s.engagement = Level{Median(engagement), last_post, "posts"};
    }
    if (!views.empty() && (!s.views || last_post > s.views->at)) {
      s.views = Level{Median(views), last_post, "posts"};
    }
    int recent = 0;
    for (auto it = h.posts.begin(); it != end; ++it) recent += it->at > as_of - 90 * kSecondsPerDay;
    s.posts_per_30d = recent / 3.0;
  }
  return s;
}

}  // namespace sphere::value
