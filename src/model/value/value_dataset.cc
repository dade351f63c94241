#include "model/value/value_dataset.h"

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "core/time.h"
#include "model/value/value_features.h"

namespace sphere::value {
namespace {

constexpr UnixSeconds kDay = kSecondsPerDay;
constexpr int kMinPairDays = 20;
constexpr int kMaxPairDays = 200;
constexpr int kWeeklyHistoryWeeks = 8;
constexpr int kWeeklyHorizonWeeks = 4;
constexpr int kWeeklyOriginStepWeeks = 2;
constexpr int kPostsHorizonDays = 30;  // nominal: the next post

std::string CreatorKeyOf(const CreatorHistory& h) {
  return std::string(ToString(h.platform)) + "/" + h.handle;
}

void SnapshotExamples(size_t index, const CreatorHistory& h, Split split,
                      std::vector<ValueExample>& out) {
  const auto& obs = h.observations;
  for (size_t i = 0; i < obs.size(); ++i) {
    for (size_t j = i + 1; j < obs.size(); ++j) {
      if (obs[j].source != obs[i].source) continue;
      const int64_t days = (obs[j].at - obs[i].at) / kDay;
      if (days < kMinPairDays || days > kMaxPairDays) continue;
      ValueExample e;
      e.history = index;
      e.family = Family::kSnapshots;
      e.split = split;
      e.as_of = obs[i].at;
      e.target_end = obs[j].at;
      e.horizon_days = static_cast<int>(days);
      e.engagement = obs[j].engagement_per_post;
      if (IsVideoPlatform(h.platform)) e.views = obs[j].views_per_post;
      if (obs[i].followers && obs[j].followers) {
        e.daily_gain = (*obs[j].followers - *obs[i].followers) / static_cast<double>(days);
      }
      if (!e.engagement && !e.views && !e.daily_gain) continue;
      e.summary = Summarize(h, e.as_of);
      out.push_back(std::move(e));
    }
  }
}

void WeeklyExamples(size_t index, const CreatorHistory& h, Split split,
                    std::vector<ValueExample>& out) {
  // The weekly gain reports, by end date.
  std::vector<const Observation*> weeks;
  for (const Observation& o : h.observations) {
    if (o.followers_gain && o.period_days == 7) weeks.push_back(&o);
  }
  for (size_t w = kWeeklyHistoryWeeks - 1; w + kWeeklyHorizonWeeks < weeks.size();
       w += kWeeklyOriginStepWeeks) {
    const UnixSeconds as_of = weeks[w]->at;
    double sum = 0;
    bool complete = true;
    for (int k = 1; k <= kWeeklyHorizonWeeks; ++k) {
      const Observation* next = weeks[w + k];
      if (next->at != as_of + 7 * k * kDay) complete = false;
      sum += *next->followers_gain;
    }
    if (!complete) continue;
    ValueExample e;
    e.history = index;
    e.family = Family::kWeekly;
    e.split = split;
    e.as_of = as_of;
    e.target_end = as_of + 7 * kWeeklyHorizonWeeks * kDay;
    e.horizon_days = 7 * kWeeklyHorizonWeeks;
    e.daily_gain = sum / e.horizon_days;
    e.summary = Summarize(h, as_of);
    out.push_back(std::move(e));
  }
}

void PostExamples(size_t index, const CreatorHistory& h, Split split,
                  std::vector<ValueExample>& out) {
  for (size_t k = 1; k < h.posts.size(); ++k) {
    const PostPoint& post = h.posts[k];
    if (post.at <= h.posts.front().at) continue;  // needs an earlier post
    ValueExample e;
    e.history = index;
    e.family = Family::kPosts;
    e.split = split;
    e.as_of = post.at - 1;
    e.target_end = post.at;
    e.horizon_days = kPostsHorizonDays;
    e.engagement = post.engagement;
    if (IsVideoPlatform(h.platform)) e.views = post.views;
    e.summary = Summarize(h, e.as_of);
    out.push_back(std::move(e));
  }
}

}  // namespace

std::string_view ToString(Family family) {
  switch (family) {
    case Family::kSnapshots: return "snapshots";
    case Family::kWeekly: return "weekly";
    case Family::kPosts: return "posts";
  }
  return "?";
}

std::string_view ToString(Target target) {
  switch (target) {
    case Target::kEngagement: return "engagement";
    case Target::kViews: return "views";
    case Target::kFollowers: return "followers";
  }
  return "?";
}

std::optional<double> ValueExample::TargetValue(Target t) const {
  switch (t) {
    case Target::kEngagement: return engagement;
    case Target::kViews: return views;
    case Target::kFollowers: return daily_gain;
  }
  return std::nullopt;
}

ValueDataset BuildValueDataset(std::vector<CreatorHistory> histories) {
  ValueDataset data;
  data.histories = std::move(histories);
  for (size_t i = 0; i < data.histories.size(); ++i) {
    const CreatorHistory& h = data.histories[i];
    const Split split = SplitOf(CreatorKeyOf(h));
    SnapshotExamples(i, h, split, data.examples);
    WeeklyExamples(i, h, split, data.examples);
    PostExamples(i, h, split, data.examples);
  }
  return data;
}

std::string ValueDataset::Sha256() const {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  auto feed = [&](const void* p, size_t n) {
    crypto_hash_sha256_update(&state, static_cast<const unsigned char*>(p), n);
  };
  auto feed_opt = [&](const std::optional<double>& v) {
    const double x = v ? *v : std::nan("");
    feed(&x, sizeof x);
  };
  for (const CreatorHistory& h : histories) {
    feed(h.handle.data(), h.handle.size() + 1);
    const int platform = static_cast<int>(h.platform);
    feed(&platform, sizeof platform);
    feed(h.niche.data(), h.niche.size() + 1);
    feed_opt(h.profile_followers);
    for (const Observation& o : h.observations) {
      feed(&o.at, sizeof o.at);
      feed(o.source.data(), o.source.size() + 1);
      feed_opt(o.followers);
      feed_opt(o.engagement_per_post);
      feed_opt(o.views_per_post);
      feed_opt(o.followers_gain);
      feed_opt(o.views_gain);
      feed(&o.period_days, sizeof o.period_days);
    }
    for (const PostPoint& p : h.posts) {
      feed(&p.at, sizeof p.at);
      feed(&p.engagement, sizeof p.engagement);
      feed_opt(p.views);
    }
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : digest) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return hex;
}

}  // namespace sphere::value
