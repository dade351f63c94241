// ProfileBuilder: collects the few numbers per record the fit needs, then fits every
// quantity of SynthProfile at Build().
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <unordered_map>

#include "core/time.h"
#include "synth/synth.h"
#include "synth/text.h"

namespace sphere::synth {
namespace {

constexpr int64_t kUnknown = std::numeric_limits<int64_t>::min();

// Snapshots closer than this say more about reporting noise than growth; further apart
// than this, a "monthly" rate averages over too much.
constexpr double kMinGrowthSpanDays = 7;
constexpr double kMaxGrowthSpanDays = 400;
// Weekly gains are summed into windows of at least this many days before being turned
// into a 30-day rate, so their noise is that of a month, not of a week scaled up.
constexpr int kGainWindowDays = 28;

struct CreatorInfo {
  bool has_profile = false;  // Add(Creator) was called, not only referred to by a post
  Platform platform = Platform::kInstagram;
  std::optional<int64_t> followers;
  std::optional<int64_t> following;
  std::optional<int64_t> posts_count;
  std::optional<std::string> niche;
  std::optional<std::string> country;
  std::optional<bool> verified;
  UnixSeconds stats_as_of = 0;
};

struct PostInfo {
  uint32_t creator = 0;
  int64_t posted_at = kUnknown;
  int64_t likes = -1;  // -1: unknown
  int64_t comments = -1;
  int64_t views = -1;
  int64_t shares = -1;
  CaptionStats caption;
  MediaType media = MediaType::kImage;
  bool sponsored = false;
  bool described = false;
};

struct SnapshotInfo {
  uint32_t creator = 0;
  int64_t taken_at = 0;
  int64_t followers = -1;
  int64_t gain = kUnknown;
  int32_t period_days = 0;
};

template <typename T>
void MergeField(std::optional<T>& stored, const std::optional<T>& incoming, bool newer) {
  if (incoming && (newer || !stored)) stored = incoming;
}

std::string TierName(int64_t followers) { return std::string(ToString(TierOf(followers))); }

// Values of one quantity per group. Every observation is added to each group of its
// chain (most specific first); the chain's last group is the fallback of last resort and
// is kept from one observation, the others from FitOptions::min_group_size.
class GroupedSamples {
 public:
  void Add(std::initializer_list<std::string_view> chain, double value) {
    size_t i = 0;
    for (std::string_view key : chain) {
      Group& g = groups_[std::string(key)];
      g.values.push_back(value);
      if (++i == chain.size()) g.terminal = true;
    }
  }

  int64_t Count(const std::string& key) const {
    auto it = groups_.find(key);
    return it == groups_.end() ? 0 : static_cast<int64_t>(it->second.values.size());
  }

  Grouped<QuantileTable> Fit(const FitOptions& options, bool discrete) const {
    Grouped<QuantileTable> out;
    for (const auto& [key, group] : groups_) {
      auto n = static_cast<int64_t>(group.values.size());
      if (n == 0 || (!group.terminal && n < options.min_group_size)) continue;
      out[key] = FitTable(group.values, options.quantiles, discrete);
    }
    return out;
  }

  static QuantileTable FitTable(std::vector<double> values, int quantiles, bool discrete) {
    QuantileTable t;
    t.n = static_cast<int64_t>(values.size());
    t.discrete = discrete;
    if (values.empty()) return t;
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    const auto k = static_cast<size_t>(std::max(quantiles, 2));
    t.q.reserve(k);
    for (size_t i = 0; i < k; ++i) {
      if (discrete) {
        // The value at p = (i + 0.5) / k of the empirical step CDF.
        double p = (static_cast<double>(i) + 0.5) / static_cast<double>(k);
        auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(n)));
        t.q.push_back(values[std::min(n - 1, rank == 0 ? 0 : rank - 1)]);
      } else {
        // Linear interpolation between order statistics (Hyndman and Fan type 7).
        double h = static_cast<double>(i) / static_cast<double>(k - 1) * static_cast<double>(n - 1);
        auto lo = static_cast<size_t>(h);
        size_t hi = std::min(lo + 1, n - 1);
        t.q.push_back(values[lo] + (h - static_cast<double>(lo)) * (values[hi] - values[lo]));
      }
    }
    return t;
  }

 private:
  struct Group {
    std::vector<double> values;
    bool terminal = false;
  };
  std::map<std::string, Group> groups_;
};

class GroupedCounts {
 public:
  void Add(std::initializer_list<std::string_view> chain, std::string_view value) {
    size_t i = 0;
    for (std::string_view key : chain) {
      Group& g = groups_[std::string(key)];
      ++g.counts[std::string(value)];
      ++g.n;
      if (++i == chain.size()) g.terminal = true;
    }
  }

  Grouped<Categorical> Fit(const FitOptions& options) const {
    Grouped<Categorical> out;
    for (const auto& [key, group] : groups_) {
      if (group.n == 0 || (!group.terminal && group.n < options.min_group_size)) continue;
      out[key] = TopOf(group.counts, std::numeric_limits<size_t>::max());
    }
    return out;
  }

  template <typename Map>
  static Categorical TopOf(const Map& counts, size_t limit) {
    std::vector<std::pair<std::string, int64_t>> sorted(counts.begin(), counts.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (sorted.size() > limit) sorted.resize(limit);
    Categorical c;
    for (auto& [value, count] : sorted) {
      c.values.push_back(std::move(value));
      c.counts.push_back(count);
    }
    return c;
  }

 private:
  struct Group {
    std::map<std::string, int64_t> counts;
    int64_t n = 0;
    bool terminal = false;
  };
  std::map<std::string, Group> groups_;
};

class GroupedShares {
 public:
  void Add(std::initializer_list<std::string_view> chain, bool yes) {
    size_t i = 0;
    for (std::string_view key : chain) {
      Group& g = groups_[std::string(key)];
      ++g.n;
      g.yes += yes ? 1 : 0;
      if (++i == chain.size()) g.terminal = true;
    }
  }

  Grouped<Share> Fit(const FitOptions& options) const {
    Grouped<Share> out;
    for (const auto& [key, g] : groups_) {
      if (g.n == 0 || (!g.terminal && g.n < options.min_group_size)) continue;
      out[key] = Share{g.n, static_cast<double>(g.yes) / static_cast<double>(g.n)};
    }
    return out;
  }

 private:
  struct Group {
    int64_t n = 0;
    int64_t yes = 0;
    bool terminal = false;
  };
  std::map<std::string, Group> groups_;
};

// Ranks from 1, ties sharing their average rank.
std::vector<double> Ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> ranks(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

double Pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const auto n = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0;
}

// The Gaussian-copula correlation that reproduces the rank (Spearman) correlation of the
// pairs: rho = 2 sin(pi * rho_s / 6). Negative values are clamped to 0 (persistence, not
// alternation, is what real series show) and too few pairs give 0 (independent draws).
double CopulaCorrelation(const std::vector<double>& first, const std::vector<double>& second,
                         int min_pairs) {
  if (static_cast<int>(first.size()) < std::max(min_pairs, 3)) return 0;
  double rs = Pearson(Ranks(first), Ranks(second));
  double rho = 2.0 * std::sin(std::numbers::pi * rs / 6.0);
  return std::clamp(rho, 0.0, 0.99);
}

template <typename T>
const T* Lookup(const Grouped<T>& groups, std::initializer_list<std::string_view> chain) {
  for (std::string_view key : chain) {
    auto it = groups.find(std::string(key));
    if (it != groups.end()) return &it->second;
  }
  return nullptr;
}

// One fitted growth observation, in the order of its creator's series.
struct GrowthPoint {
  uint32_t creator = 0;
  int series = 0;  // 0: from follower totals, 1: from summed gains
  std::string tier;
  double growth = 0;
};

}  // namespace

struct ProfileBuilder::Data : TokenVisitor {
  std::unordered_map<std::string, uint32_t> index;  // "platform/handle" -> creators[]
  std::vector<CreatorInfo> creators;
  std::vector<PostInfo> posts;
  std::vector<SnapshotInfo> snapshots;
  std::unordered_map<std::string, int64_t> words;
  std::unordered_map<std::string, int64_t> hashtags;
  std::unordered_map<std::string, int64_t> emoji;
  std::unordered_map<std::string, int64_t> descriptions;
  int64_t ignored = 0;

  uint32_t CreatorIndex(Platform platform, const std::string& handle) {
    std::string key(ToString(platform));
    key += '/';
    key += handle;
    auto [it, inserted] = index.try_emplace(std::move(key), static_cast<uint32_t>(creators.size()));
    if (inserted) {
      creators.emplace_back();
      creators.back().platform = platform;
    }
    return it->second;
  }

  void Visit(TokenKind kind, std::string_view token) override {
    switch (kind) {
      case TokenKind::kWord:
        ++words[std::string(token)];
        break;
      case TokenKind::kHashtag:
        ++hashtags[std::string(token)];
        break;
      case TokenKind::kEmoji:
        ++emoji[std::string(token)];
        break;
    }
  }
};

ProfileBuilder::ProfileBuilder(FitOptions options)
    : options_(options), data_(std::make_unique<Data>()) {}
ProfileBuilder::~ProfileBuilder() = default;

int64_t ProfileBuilder::ignored_synthetic() const { return data_->ignored; }

Status ProfileBuilder::Add(const Creator& c) {
  if (c.source == kSynthSource) {
    ++data_->ignored;
    return Status::Ok();
  }
  CreatorInfo& info = data_->creators[data_->CreatorIndex(c.platform, c.handle)];
  // The store's rule: a present value wins unless it is older than the one kept.
  bool newer = !info.has_profile || c.stats_as_of >= info.stats_as_of;
  MergeField(info.followers, c.followers, newer);
  MergeField(info.following, c.following, newer);
  MergeField(info.posts_count, c.posts_count, newer);
  MergeField(info.niche, c.niche, newer);
  MergeField(info.country, c.country, newer);
  MergeField(info.verified, c.verified, newer);
  info.stats_as_of = std::max(info.stats_as_of, c.stats_as_of);
  info.has_profile = true;
  return Status::Ok();
}

Status ProfileBuilder::Add(const Post& p) {
  if (p.source == kSynthSource) {
    ++data_->ignored;
    return Status::Ok();
  }
  PostInfo info;
  info.creator = data_->CreatorIndex(p.platform, p.creator_handle);
  info.posted_at = p.posted_at.value_or(kUnknown);
  info.likes = p.likes.value_or(-1);
  info.comments = p.comments.value_or(-1);
  info.views = p.views.value_or(-1);
  info.shares = p.shares.value_or(-1);
  info.caption = ScanCaption(p.caption, data_.get());
  info.media = p.media_type;
  info.sponsored = p.sponsored;
  info.described = !p.image_description.empty();
  if (info.described) ++data_->descriptions[p.image_description];
  data_->posts.push_back(info);
  return Status::Ok();
}

Status ProfileBuilder::Add(const Snapshot& s) {
  if (s.source == kSynthSource) {
    ++data_->ignored;
    return Status::Ok();
  }
  SnapshotInfo info;
  info.creator = data_->CreatorIndex(s.platform, s.creator_handle);
  info.taken_at = s.taken_at;
  info.followers = s.followers.value_or(-1);
  info.gain = s.followers_gain.value_or(kUnknown);
  info.period_days = s.period_days.value_or(0);
  data_->snapshots.push_back(info);
  return Status::Ok();
}

Result<SynthProfile> ProfileBuilder::Build() const {
  const Data& d = *data_;
  const FitOptions& opt = options_;
  SynthProfile out;
  out.min_group_size = opt.min_group_size;
  std::vector<std::string> missing;
  auto require = [&](int64_t have, std::string_view what) {
    if (have < opt.min_observations) {
      missing.push_back(std::string(what) + " (" + std::to_string(have) + " of " +
                        std::to_string(opt.min_observations) + " needed)");
    }
  };

  // ---- Creators: those with a follower count, the population Generate reproduces. ----
  std::map<std::string, int64_t> platforms;
  GroupedCounts tiers, niches, countries;
  GroupedSamples followers, following, posts_count;
  GroupedShares verified;
  int64_t with_followers = 0;
  for (const CreatorInfo& c : d.creators) {
    if (!c.has_profile || !c.followers || *c.followers < 0) continue;
    ++with_followers;
    std::string plat(ToString(c.platform));
    std::string tier = TierName(*c.followers);
    ++platforms[plat];
    tiers.Add({plat, ""}, tier);
    followers.Add({plat + "/" + tier, tier}, static_cast<double>(*c.followers));
    niches.Add({plat, ""}, c.niche.value_or(""));
    countries.Add({plat, ""}, c.country.value_or(""));
    if (c.following && *c.following >= 0) {
      following.Add({tier, ""}, static_cast<double>(*c.following));
    }
    if (c.posts_count && *c.posts_count >= 0) {
      posts_count.Add({tier, ""}, static_cast<double>(*c.posts_count));
    }
    if (c.verified) verified.Add({tier, ""}, *c.verified);
  }
  require(with_followers, "creators with a follower count");
  out.fitted_creators = with_followers;
  out.platform_mix = GroupedCounts::TopOf(platforms, platforms.size());
  out.tier_mix = tiers.Fit(opt);
  out.niche_mix = niches.Fit(opt);
  out.country_mix = countries.Fit(opt);
  out.followers = followers.Fit(opt, /*discrete=*/false);
  out.following = following.Fit(opt, false);
  out.posts_count = posts_count.Fit(opt, false);
  out.verified = verified.Fit(opt);

  // ---- Posts. ----
  out.fitted_posts = static_cast<int64_t>(d.posts.size());
  GroupedSamples engagement, comment_share, views_per_like, shares_per_like;
  GroupedSamples chars, hashtags, mentions, cadence;
  GroupedShares has_emoji, sponsored, described;
  GroupedCounts media;
  std::vector<double> emoji_counts;
  int64_t engagement_n = 0;
  // The engagement keys of each creator, for the persistence pass below.
  auto engagement_chain = [&](const CreatorInfo& c, std::string& tier, std::string& tier_niche) {
    tier = TierName(*c.followers);
    tier_niche = c.niche ? tier + "/" + *c.niche : std::string();
  };
  for (const PostInfo& p : d.posts) {
    const CreatorInfo& c = d.creators[p.creator];
    std::string plat(ToString(c.platform));
    chars.Add({plat, ""}, p.caption.chars);
    hashtags.Add({plat, ""}, p.caption.hashtags);
    mentions.Add({plat, ""}, p.caption.mentions);
    has_emoji.Add({plat, ""}, p.caption.emoji > 0);
    if (p.caption.emoji > 0) emoji_counts.push_back(p.caption.emoji);
    media.Add({plat, ""}, ToString(p.media));
    sponsored.Add({plat, ""}, p.sponsored);
    described.Add({plat}, p.described);
    if (p.likes >= 0 && c.has_profile && c.followers && *c.followers > 0) {
      std::string tier, tier_niche;
      engagement_chain(c, tier, tier_niche);
      double er = static_cast<double>(p.likes + std::max<int64_t>(p.comments, 0)) /
                  static_cast<double>(*c.followers);
      if (tier_niche.empty()) {
        engagement.Add({tier, ""}, er);
      } else {
        engagement.Add({tier_niche, tier, ""}, er);
      }
      ++engagement_n;
    }
    if (p.likes >= 0 && p.comments >= 0 && p.likes + p.comments > 0) {
      comment_share.Add(
          {plat, ""}, static_cast<double>(p.comments) / static_cast<double>(p.likes + p.comments));
    }
    if (p.views >= 0 && p.likes > 0) {
      views_per_like.Add({plat}, static_cast<double>(p.views) / static_cast<double>(p.likes));
    }
    if (p.shares >= 0 && p.likes > 0) {
      shares_per_like.Add({plat}, static_cast<double>(p.shares) / static_cast<double>(p.likes));
    }
  }
  require(static_cast<int64_t>(d.posts.size()), "posts");
  require(engagement_n, "posts with likes whose creator has a follower count");
  out.engagement_rate = engagement.Fit(opt, false);
  out.comment_share = comment_share.Fit(opt, false);
  out.views_per_like = views_per_like.Fit(opt, false);
  out.shares_per_like = shares_per_like.Fit(opt, false);
  out.caption_chars = chars.Fit(opt, /*discrete=*/true);
  out.hashtags = hashtags.Fit(opt, true);
  out.mentions = mentions.Fit(opt, true);
  out.has_emoji = has_emoji.Fit(opt);
  out.emoji_per_caption = GroupedSamples::FitTable(emoji_counts, opt.quantiles, true);
  out.media_mix = media.Fit(opt);
  out.sponsored = sponsored.Fit(opt);
  out.described = described.Fit(opt);
  out.image_descriptions = GroupedCounts::TopOf(d.descriptions, opt.image_descriptions);
  out.words = GroupedCounts::TopOf(d.words, opt.words);
  out.hashtag_words = GroupedCounts::TopOf(d.hashtags, opt.hashtags);
  out.emoji = GroupedCounts::TopOf(d.emoji, opt.emoji);

  // Cadence and engagement persistence need each creator's posts in time order.
  std::vector<uint32_t> by_creator(d.posts.size());
  for (size_t i = 0; i < by_creator.size(); ++i) by_creator[i] = static_cast<uint32_t>(i);
  std::sort(by_creator.begin(), by_creator.end(), [&](uint32_t a, uint32_t b) {
    const PostInfo& pa = d.posts[a];
    const PostInfo& pb = d.posts[b];
    if (pa.creator != pb.creator) return pa.creator < pb.creator;
    if (pa.posted_at != pb.posted_at) return pa.posted_at < pb.posted_at;
    return a < b;
  });
  std::vector<double> er_first, er_second;
  int64_t gaps = 0;
  for (size_t i = 0; i + 1 < by_creator.size(); ++i) {
    const PostInfo& a = d.posts[by_creator[i]];
    const PostInfo& b = d.posts[by_creator[i + 1]];
    if (a.creator != b.creator) continue;
    const CreatorInfo& c = d.creators[a.creator];
    if (a.posted_at != kUnknown && b.posted_at > a.posted_at) {
      cadence.Add({ToString(c.platform), ""},
                  static_cast<double>(b.posted_at - a.posted_at) / kSecondsPerDay);
      ++gaps;
    }
    if (a.likes >= 0 && b.likes >= 0 && c.has_profile && c.followers && *c.followers > 0) {
      std::string tier, tier_niche;
      engagement_chain(c, tier, tier_niche);
      const QuantileTable* table = Lookup(out.engagement_rate, {tier_niche, tier, ""});
      if (table == nullptr) continue;
      auto f = static_cast<double>(*c.followers);
      er_first.push_back(
          table->Cdf(static_cast<double>(a.likes + std::max<int64_t>(a.comments, 0)) / f));
      er_second.push_back(
          table->Cdf(static_cast<double>(b.likes + std::max<int64_t>(b.comments, 0)) / f));
    }
  }
  require(gaps, "gaps between consecutive dated posts of a creator");
  out.cadence_days = cadence.Fit(opt, false);
  out.engagement_persistence = CopulaCorrelation(er_first, er_second, opt.min_observations);

  // ---- Growth, from consecutive follower totals and from summed weekly gains. ----
  out.fitted_snapshots = static_cast<int64_t>(d.snapshots.size());
  std::vector<uint32_t> snaps(d.snapshots.size());
  for (size_t i = 0; i < snaps.size(); ++i) snaps[i] = static_cast<uint32_t>(i);
  std::sort(snaps.begin(), snaps.end(), [&](uint32_t a, uint32_t b) {
    const SnapshotInfo& sa = d.snapshots[a];
    const SnapshotInfo& sb = d.snapshots[b];
    if (sa.creator != sb.creator) return sa.creator < sb.creator;
    if (sa.taken_at != sb.taken_at) return sa.taken_at < sb.taken_at;
    return a < b;
  });
  std::vector<GrowthPoint> points;
  for (size_t begin = 0; begin < snaps.size();) {
    size_t end = begin;
    while (end < snaps.size() &&
           d.snapshots[snaps[end]].creator == d.snapshots[snaps[begin]].creator) {
      ++end;
    }
    uint32_t creator = d.snapshots[snaps[begin]].creator;
    const CreatorInfo& c = d.creators[creator];
    // Totals: each snapshot with followers against the previous one with followers.
    const SnapshotInfo* previous = nullptr;
    for (size_t i = begin; i < end; ++i) {
      const SnapshotInfo& s = d.snapshots[snaps[i]];
      if (s.followers <= 0) continue;
      if (previous != nullptr) {
        double days = static_cast<double>(s.taken_at - previous->taken_at) / kSecondsPerDay;
        if (days >= kMinGrowthSpanDays && days <= kMaxGrowthSpanDays) {
          double ratio =
              static_cast<double>(s.followers) / static_cast<double>(previous->followers);
          points.push_back(
              {creator, 0, TierName(previous->followers), std::pow(ratio, 30.0 / days) - 1.0});
        }
      }
      if (previous == nullptr || s.taken_at > previous->taken_at) previous = &s;
    }
    // Gains: contiguous periods summed into windows of >= kGainWindowDays, relative to the
    // size at the window's start (the snapshot's own total, else the creator's).
    int64_t window_gain = 0;
    int window_days = 0;
    int64_t window_end = 0;
    for (size_t i = begin; i < end; ++i) {
      const SnapshotInfo& s = d.snapshots[snaps[i]];
      if (s.gain == kUnknown || s.period_days <= 0) continue;
      int64_t start = s.taken_at - static_cast<int64_t>(s.period_days) * kSecondsPerDay;
      if (window_days > 0 && std::llabs(start - window_end) > kSecondsPerDay) {
        window_gain = 0;
        window_days = 0;
      }
      if (window_days > 0 && s.taken_at <= window_end) continue;  // a second source, same week
      window_gain += s.gain;
      window_days += s.period_days;
      window_end = s.taken_at;
      if (window_days < kGainWindowDays) continue;
      int64_t size_end = s.followers > 0 ? s.followers : c.followers.value_or(0);
      int64_t size_start = size_end - window_gain;
      if (size_end > 0 && size_start > 0) {
        double ratio = static_cast<double>(size_end) / static_cast<double>(size_start);
        points.push_back(
            {creator, 1, TierName(size_start), std::pow(ratio, 30.0 / window_days) - 1.0});
      }
      window_gain = 0;
      window_days = 0;
    }
    begin = end;
  }
  GroupedSamples growth;
  for (const GrowthPoint& g : points) {
    std::string plat(ToString(d.creators[g.creator].platform));
    growth.Add({plat + "/" + g.tier, plat, ""}, g.growth);
  }
  // Growth is optional: without it a profile still generates creators and posts, and
  // Generate refuses to make snapshots (see SynthProfile::has_growth).
  out.growth_30d = growth.Fit(opt, false);
  std::vector<double> growth_first, growth_second;
  for (size_t i = 0; i + 1 < points.size(); ++i) {
    const GrowthPoint& a = points[i];
    const GrowthPoint& b = points[i + 1];
    if (a.creator != b.creator || a.series != b.series) continue;
    std::string plat(ToString(d.creators[a.creator].platform));
    const QuantileTable* ta = Lookup(out.growth_30d, {plat + "/" + a.tier, plat, ""});
    const QuantileTable* tb = Lookup(out.growth_30d, {plat + "/" + b.tier, plat, ""});
    if (ta == nullptr || tb == nullptr) continue;
    growth_first.push_back(ta->Cdf(a.growth));
    growth_second.push_back(tb->Cdf(b.growth));
  }
  out.growth_persistence = CopulaCorrelation(growth_first, growth_second, opt.min_observations);

  // ---- When generated activity ends: the last observed day. ----
  int64_t last = kUnknown;
  for (const PostInfo& p : d.posts) last = std::max(last, p.posted_at);
  for (const SnapshotInfo& s : d.snapshots) last = std::max(last, s.taken_at);
  if (last != kUnknown)
    out.reference_time = last - ((last % kSecondsPerDay) + kSecondsPerDay) % kSecondsPerDay;

  if (!missing.empty()) {
    std::string message = "cannot fit a synth profile: too few ";
    for (size_t i = 0; i < missing.size(); ++i) message += (i ? "; too few " : "") + missing[i];
    message += ". Import the bundled real data first (sphere import data)";
    return FailedPrecondition(message);
  }
  return out;
}

}  // namespace sphere::synth
