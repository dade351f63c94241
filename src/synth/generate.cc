// Generate(): draws creators, posts and snapshots from a SynthProfile.
//
// Every creator has its own random streams (StreamSeed(seed, creator, purpose)), so a
// creator's records depend only on the profile, the seed, its number and the options that
// shape it, and generation needs no state beyond the creator at hand.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/time.h"
#include "synth/random.h"
#include "synth/synth.h"
#include "synth/text.h"

namespace sphere::synth {
namespace {

enum Purpose : uint64_t { kCreatorStream = 1, kPostStream = 2, kSnapshotStream = 3 };

constexpr int64_t kSnapshotSpacingDays = 30;

// Categorical sampling in constant time (Walker's alias method, Vose's construction):
// captions draw tens of words each, so a binary search per word would dominate the run.
class CumulativeSampler {
 public:
  CumulativeSampler() = default;
  explicit CumulativeSampler(const Categorical& c) : values_(&c.values) {
    const size_t n = c.counts.size();
    int64_t total = c.total();
    if (n == 0 || total <= 0) return;
    threshold_.assign(n, 1.0);
    alias_.resize(n);
    std::vector<double> scaled(n);
    std::vector<size_t> small, large;
    for (size_t i = 0; i < n; ++i) {
      alias_[i] = i;
      scaled[i] =
          static_cast<double>(c.counts[i]) * static_cast<double>(n) / static_cast<double>(total);
      (scaled[i] < 1.0 ? small : large).push_back(i);
    }
    while (!small.empty() && !large.empty()) {
      size_t s = small.back();
      size_t l = large.back();
      small.pop_back();
      threshold_[s] = scaled[s];
      alias_[s] = l;
      scaled[l] -= 1.0 - scaled[s];
      if (scaled[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    // Whatever is left holds (up to rounding) exactly one column: keep it whole.
  }
  bool empty() const { return threshold_.empty(); }
  size_t SampleIndex(Rng& rng) const {
    double u = rng.Uniform() * static_cast<double>(threshold_.size());
    auto column = std::min(static_cast<size_t>(u), threshold_.size() - 1);
    return u - static_cast<double>(column) < threshold_[column] ? column : alias_[column];
  }
  const std::string& Sample(Rng& rng) const { return (*values_)[SampleIndex(rng)]; }
  const std::vector<std::string>& values() const { return *values_; }

 private:
  const std::vector<std::string>* values_ = nullptr;
  std::vector<double> threshold_;  // keep the column with this probability, else its alias
  std::vector<size_t> alias_;
};

template <typename T>
const T* Lookup(const Grouped<T>& groups, std::initializer_list<std::string_view> chain) {
  for (std::string_view key : chain) {
    auto it = groups.find(std::string(key));
    if (it != groups.end()) return &it->second;
  }
  return nullptr;
}

bool Usable(const QuantileTable* t) { return t != nullptr && !t->q.empty(); }

int64_t RoundCount(double v) {
  if (!(v > 0)) return 0;
  if (v > 9e18) return std::numeric_limits<int64_t>::max();
  return std::llround(v);
}

std::string Handle(int64_t creator) {
  return std::string(kSynthHandlePrefix) + std::to_string(creator);
}

// Everything Generate looks up once rather than per record.
struct Prepared {
  std::vector<Platform> platforms;                    // choices for a creator's platform
  std::vector<double> platform_cumulative;            // their cumulative weights
  std::map<std::string, CumulativeSampler> samplers;  // keyed by "<what>:<group>"
  CumulativeSampler words, hashtags, emoji, descriptions;
  std::vector<int32_t> word_chars, hashtag_chars, emoji_chars;
};

const CumulativeSampler* SamplerFor(const Prepared& prep, std::string_view what,
                                    const Grouped<Categorical>& groups,
                                    std::initializer_list<std::string_view> chain) {
  for (std::string_view key : chain) {
    if (groups.count(std::string(key)) == 0) continue;
    auto it = prep.samplers.find(std::string(what) + ":" + std::string(key));
    if (it != prep.samplers.end() && !it->second.empty()) return &it->second;
  }
  return nullptr;
}

Result<Prepared> Prepare(const SynthProfile& profile, const SynthOptions& options) {
  Prepared prep;
  if (options.platform_mix.empty()) {
    for (size_t i = 0; i < profile.platform_mix.values.size(); ++i) {
      Result<Platform> p = ParsePlatform(profile.platform_mix.values[i]);
      if (!p.ok())
        return FailedPrecondition("profile: creators.platform_mix: " + p.error().message());
      prep.platforms.push_back(*p);
      prep.platform_cumulative.push_back(static_cast<double>(profile.platform_mix.counts[i]));
    }
  } else {
    for (const auto& [platform, weight] : options.platform_mix) {
      if (!std::isfinite(weight) || weight < 0) {
        return InvalidArgument("platform_mix: the weight of " + std::string(ToString(platform)) +
                               " must be a non-negative number");
      }
      prep.platforms.push_back(platform);
      prep.platform_cumulative.push_back(weight);
    }
  }
  double sum = 0;
  for (double& w : prep.platform_cumulative) w = (sum += w);
  if (options.creators > 0 && !(sum > 0)) {
    return FailedPrecondition("no platform to generate creators for (empty platform mix)");
  }
  const std::pair<std::string_view, const Grouped<Categorical>*> kMixes[] = {
      {"tier", &profile.tier_mix},
      {"niche", &profile.niche_mix},
      {"country", &profile.country_mix},
      {"media", &profile.media_mix}};
  for (const auto& [what, groups] : kMixes) {
    for (const auto& [key, categorical] : *groups) {
      prep.samplers.emplace(std::string(what) + ":" + key, CumulativeSampler(categorical));
    }
  }
  prep.words = CumulativeSampler(profile.words);
  prep.hashtags = CumulativeSampler(profile.hashtag_words);
  prep.emoji = CumulativeSampler(profile.emoji);
  prep.descriptions = CumulativeSampler(profile.image_descriptions);
  for (const std::string& w : profile.words.values) prep.word_chars.push_back(CodePoints(w));
  for (const std::string& h : profile.hashtag_words.values) {
    prep.hashtag_chars.push_back(CodePoints(h) + 1);
  }
  for (const std::string& e : profile.emoji.values) prep.emoji_chars.push_back(CodePoints(e));
  return prep;
}

// Checks up front that every table a creator of each platform could need exists, so that
// generation cannot fail half-way on the profile.
Status CheckProfile(const SynthProfile& profile, const SynthOptions& options,
                    const Prepared& prep) {
  auto missing = [](std::string_view what) {
    return FailedPrecondition("profile: no " + std::string(what) +
                              " table to draw from (fit the profile on more data)");
  };
  for (Platform platform : prep.platforms) {
    std::string plat(ToString(platform));
    const CumulativeSampler* tiers = SamplerFor(prep, "tier", profile.tier_mix, {plat, ""});
    if (tiers == nullptr) return missing("tier_mix for " + plat);
    for (const std::string& tier : tiers->values()) {
      if (!Usable(Lookup(profile.followers, {plat + "/" + tier, tier}))) {
        return missing("followers for " + plat + "/" + tier);
      }
    }
  }
  if (options.posts_per_creator > 0) {
    if (!Usable(Lookup(profile.engagement_rate, {""}))) return missing("engagement_rate");
    if (!Usable(Lookup(profile.cadence_days, {""}))) return missing("cadence_days");
    if (!Usable(Lookup(profile.caption_chars, {""}))) return missing("caption chars");
    if (!Usable(Lookup(profile.hashtags, {""}))) return missing("caption hashtags");
    if (!Usable(Lookup(profile.mentions, {""}))) return missing("caption mentions");
    if (SamplerFor(prep, "media", profile.media_mix, {""}) == nullptr) return missing("media_mix");
    for (const auto& [key, mix] : profile.media_mix) {
      for (const std::string& media : mix.values) {
        Result<MediaType> m = ParseMediaType(media);
        if (!m.ok()) return FailedPrecondition("profile: posts.media_mix: " + m.error().message());
      }
    }
  }
  if (options.snapshot_months > 0 && !Usable(Lookup(profile.growth_30d, {""}))) {
    return FailedPrecondition(
        "profile: no growth table, so no snapshots can be generated: the data it was fitted "
        "on had no consecutive snapshots or weekly gains of a creator (import data/multi or "
        "data/youtube too), or generate with snapshot_months = 0");
  }
  return Status::Ok();
}

// The tables one creator draws its posts and snapshots from.
struct CreatorPlan {
  const QuantileTable* engagement = nullptr;
  const QuantileTable* comment_share = nullptr;
  const QuantileTable* views_per_like = nullptr;
  const QuantileTable* shares_per_like = nullptr;
  const QuantileTable* cadence = nullptr;
  const QuantileTable* chars = nullptr;
  const QuantileTable* hashtags = nullptr;
  const QuantileTable* mentions = nullptr;
  const QuantileTable* growth = nullptr;
  const Share* has_emoji = nullptr;
  const Share* sponsored = nullptr;
  const Share* described = nullptr;
  const CumulativeSampler* media = nullptr;
};

class Generator {
 public:
  Generator(const SynthProfile& profile, const SynthOptions& options, const Prepared& prep,
            ingest::RecordSink& out)
      : profile_(profile),
        options_(options),
        prep_(prep),
        out_(out),
        end_time_(options.end_time.value_or(profile.reference_time)) {}

  Status OneCreator(int64_t index) {
    Rng rng(StreamSeed(options_.seed, static_cast<uint64_t>(index), kCreatorStream));
    double u = rng.Uniform() * prep_.platform_cumulative.back();
    size_t p = static_cast<size_t>(
        std::upper_bound(prep_.platform_cumulative.begin(), prep_.platform_cumulative.end(), u) -
        prep_.platform_cumulative.begin());
    Platform platform = prep_.platforms[std::min(p, prep_.platforms.size() - 1)];
    std::string plat(ToString(platform));
    const std::string& tier = SamplerFor(prep_, "tier", profile_.tier_mix, {plat, ""})->Sample(rng);
    double followers_draw =
        Lookup(profile_.followers, {plat + "/" + tier, tier})->Sample(rng.Uniform());

    Creator c;
    c.platform = platform;
    c.handle = Handle(index);
    c.display_name = "Synth Creator " + std::to_string(index);
    c.followers = RoundCount(followers_draw);
    if (const CumulativeSampler* s = SamplerFor(prep_, "niche", profile_.niche_mix, {plat, ""})) {
      const std::string& niche = s->Sample(rng);
      if (!niche.empty()) c.niche = niche;
    }
    if (const CumulativeSampler* s =
            SamplerFor(prep_, "country", profile_.country_mix, {plat, ""})) {
      const std::string& country = s->Sample(rng);
      if (!country.empty()) c.country = country;
    }
    if (const QuantileTable* t = Lookup(profile_.following, {tier, ""}); Usable(t)) {
      c.following = RoundCount(t->Sample(rng.Uniform()));
    }
    if (const QuantileTable* t = Lookup(profile_.posts_count, {tier, ""}); Usable(t)) {
      c.posts_count =
          std::max<int64_t>(RoundCount(t->Sample(rng.Uniform())), options_.posts_per_creator);
    }
    if (const Share* s = Lookup(profile_.verified, {tier, ""})) c.verified = rng.Bernoulli(s->p);
    c.stats_as_of = end_time_;
    c.source = std::string(kSynthSource);

    CreatorPlan plan;
    std::string niche = c.niche.value_or("");
    plan.engagement = niche.empty()
                          ? Lookup(profile_.engagement_rate, {tier, ""})
                          : Lookup(profile_.engagement_rate, {tier + "/" + niche, tier, ""});
    plan.comment_share = Lookup(profile_.comment_share, {plat, ""});
    plan.views_per_like = Lookup(profile_.views_per_like, {plat});
    plan.shares_per_like = Lookup(profile_.shares_per_like, {plat});
    plan.cadence = Lookup(profile_.cadence_days, {plat, ""});
    plan.chars = Lookup(profile_.caption_chars, {plat, ""});
    plan.hashtags = Lookup(profile_.hashtags, {plat, ""});
    plan.mentions = Lookup(profile_.mentions, {plat, ""});
    plan.growth = Lookup(profile_.growth_30d, {plat + "/" + tier, plat, ""});
    plan.has_emoji = Lookup(profile_.has_emoji, {plat, ""});
    plan.sponsored = Lookup(profile_.sponsored, {plat, ""});
    plan.described = Lookup(profile_.described, {plat});
    plan.media = SamplerFor(prep_, "media", profile_.media_mix, {plat, ""});

    int64_t followers = *c.followers;
    std::optional<int64_t> following = c.following;
    SPHERE_RETURN_IF_ERROR(out_.Accept(std::move(c)));
    SPHERE_RETURN_IF_ERROR(Posts(index, platform, followers, plan));
    return Snapshots(index, platform, followers, following, plan);
  }

 private:
  Status Posts(int64_t index, Platform platform, int64_t followers, const CreatorPlan& plan) {
    const int count = options_.posts_per_creator;
    if (count <= 0) return Status::Ok();
    Rng rng(StreamSeed(options_.seed, static_cast<uint64_t>(index), kPostStream));

    // Posting times, newest first, then emitted oldest first. The newest post lies a
    // random part of one gap before the end, so creators do not all post at the end.
    times_.assign(static_cast<size_t>(count), 0);
    auto gap_seconds = [&] {
      return static_cast<int64_t>(
          std::llround(plan.cadence->Sample(rng.Uniform()) * kSecondsPerDay));
    };
    int64_t t = end_time_ - static_cast<int64_t>(
                                std::llround(rng.Uniform() * static_cast<double>(gap_seconds())));
    for (int k = count - 1; k >= 0; --k) {
      times_[static_cast<size_t>(k)] = t;
      t -= gap_seconds();
    }

    // A creator's engagement level persists across its posts (Gaussian copula).
    const double rho = profile_.engagement_persistence;
    const double shared = rng.Normal();
    const double a = std::sqrt(rho);
    const double b = std::sqrt(1.0 - rho);

    for (int k = 0; k < count; ++k) {
      Post p;
      p.platform = platform;
      p.creator_handle = Handle(index);
      p.external_id = p.creator_handle + "~" + std::to_string(k);
      p.posted_at = times_[static_cast<size_t>(k)];
      p.observed_at = end_time_;
      p.source = std::string(kSynthSource);
      p.media_type = ParseMediaType(plan.media->Sample(rng)).value();  // checked up front

      double er = plan.engagement->Sample(NormalCdf(a * shared + b * rng.Normal()));
      double engagement = er * static_cast<double>(followers);
      if (plan.comment_share != nullptr) {
        double share = std::clamp(plan.comment_share->Sample(rng.Uniform()), 0.0, 1.0);
        p.likes = RoundCount(engagement * (1.0 - share));
        p.comments = RoundCount(engagement * share);
      } else {
        p.likes = RoundCount(engagement);
      }
      if (plan.views_per_like != nullptr) {
        p.views =
            RoundCount(static_cast<double>(*p.likes) * plan.views_per_like->Sample(rng.Uniform()));
      }
      if (plan.shares_per_like != nullptr) {
        p.shares =
            RoundCount(static_cast<double>(*p.likes) * plan.shares_per_like->Sample(rng.Uniform()));
      }
      if (plan.sponsored != nullptr) p.sponsored = rng.Bernoulli(plan.sponsored->p);
      if (p.media_type != MediaType::kVideo && plan.described != nullptr &&
          !prep_.descriptions.empty() && rng.Bernoulli(plan.described->p)) {
        p.image_description = prep_.descriptions.Sample(rng);
      }
      Caption(rng, plan, p.caption);
      SPHERE_RETURN_IF_ERROR(out_.Accept(std::move(p)));
    }
    return Status::Ok();
  }

  // A caption with the fitted length, hashtag, mention and emoji counts: vocabulary words,
  // emoji between them, then mentions of other synthetic creators, then hashtags.
  void Caption(Rng& rng, const CreatorPlan& plan, std::string& out) {
    out.clear();
    auto target = static_cast<int>(plan.chars->Sample(rng.Uniform()));
    auto hashtags = static_cast<int>(plan.hashtags->Sample(rng.Uniform()));
    auto mentions = static_cast<int>(plan.mentions->Sample(rng.Uniform()));
    int emoji = 0;
    if (plan.has_emoji != nullptr && !prep_.emoji.empty() && rng.Bernoulli(plan.has_emoji->p)) {
      emoji = std::max(1, static_cast<int>(profile_.emoji_per_caption.Sample(rng.Uniform())));
    }

    tail_.clear();
    int tail_chars = 0;
    for (int i = 0; i < mentions; ++i) {
      tail_ += " @";
      tail_ += Handle(static_cast<int64_t>(rng.Below(static_cast<uint64_t>(options_.creators))));
    }
    tail_chars = CodePoints(tail_);  // ASCII so far
    for (int i = 0; i < hashtags && !prep_.hashtags.empty(); ++i) {
      size_t h = prep_.hashtags.SampleIndex(rng);
      tail_ += " #";
      tail_ += prep_.hashtags.values()[h];
      tail_chars += 1 + prep_.hashtag_chars[h];
    }

    body_.clear();
    int body_chars = 0;
    int body_target = target - tail_chars - 2 * emoji;
    while (body_chars < body_target && !prep_.words.empty()) {
      size_t w = prep_.words.SampleIndex(rng);
      body_.push_back(static_cast<int32_t>(w));
      body_chars += prep_.word_chars[w] + (body_.size() > 1 ? 1 : 0);
    }
    // Emoji go after a random word (position 0: before the first).
    emoji_at_.clear();
    for (int i = 0; i < emoji; ++i) {
      emoji_at_.emplace_back(rng.Below(body_.size() + 1), prep_.emoji.SampleIndex(rng));
    }
    std::sort(emoji_at_.begin(), emoji_at_.end());
    size_t next_emoji = 0;
    auto append = [&](std::string_view token) {
      if (!out.empty()) out += ' ';
      out += token;
    };
    for (size_t w = 0; w <= body_.size(); ++w) {
      while (next_emoji < emoji_at_.size() && emoji_at_[next_emoji].first == w) {
        append(prep_.emoji.values()[emoji_at_[next_emoji++].second]);
      }
      if (w < body_.size()) append(prep_.words.values()[static_cast<size_t>(body_[w])]);
    }
    if (out.empty() && !tail_.empty()) {
      out.assign(tail_, 1, std::string::npos);  // no body: drop the tail's leading space
    } else {
      out += tail_;
    }
  }

  Status Snapshots(int64_t index, Platform platform, int64_t followers,
                   std::optional<int64_t> following, const CreatorPlan& plan) {
    const int months = options_.snapshot_months;
    if (months <= 0) return Status::Ok();
    Rng rng(StreamSeed(options_.seed, static_cast<uint64_t>(index), kSnapshotStream));
    // Sizes back from today's follower count: size[k-1] = size[k] / (1 + growth of month k),
    // with month-to-month growth correlated as fitted (AR(1) on the normal scale).
    const double rho = profile_.growth_persistence;
    const double innovation = std::sqrt(1.0 - rho * rho);
    sizes_.assign(static_cast<size_t>(months) + 1, 0);
    sizes_[static_cast<size_t>(months)] = static_cast<double>(followers);
    double z = rng.Normal();
    for (int k = months; k >= 1; --k) {
      double growth = std::max(plan.growth->Sample(NormalCdf(z)), -0.99);
      sizes_[static_cast<size_t>(k - 1)] = sizes_[static_cast<size_t>(k)] / (1.0 + growth);
      z = rho * z + innovation * rng.Normal();
    }
    for (int k = 1; k <= months; ++k) {
      Snapshot s;
      s.platform = platform;
      s.creator_handle = Handle(index);
      s.taken_at =
          end_time_ - static_cast<int64_t>(months - k) * kSnapshotSpacingDays * kSecondsPerDay;
      s.source = std::string(kSynthSource);
      int64_t now = RoundCount(sizes_[static_cast<size_t>(k)]);
      s.followers = now;
      s.following = following;
      s.followers_gain = now - RoundCount(sizes_[static_cast<size_t>(k - 1)]);
      s.period_days = static_cast<int32_t>(kSnapshotSpacingDays);
      SPHERE_RETURN_IF_ERROR(out_.Accept(std::move(s)));
    }
    return Status::Ok();
  }

  const SynthProfile& profile_;
  const SynthOptions& options_;
  const Prepared& prep_;
  ingest::RecordSink& out_;
  const UnixSeconds end_time_;
  // Scratch space reused across creators, so memory stays flat.
  std::vector<int64_t> times_;
  std::vector<double> sizes_;
  std::vector<int32_t> body_;
  std::vector<std::pair<size_t, size_t>> emoji_at_;
  std::string tail_;
};

}  // namespace

Status Generate(const SynthProfile& profile, const SynthOptions& options, ingest::RecordSink& out) {
  if (options.creators < 0) return InvalidArgument("creators: must not be negative");
  if (options.posts_per_creator < 0) {
    return InvalidArgument("posts_per_creator: must not be negative");
  }
  if (options.snapshot_months < 0) return InvalidArgument("snapshot_months: must not be negative");
  SPHERE_ASSIGN_OR_RETURN(Prepared prep, Prepare(profile, options));
  if (options.creators == 0) return Status::Ok();
  SPHERE_RETURN_IF_ERROR(CheckProfile(profile, options, prep));
  Generator generator(profile, options, prep, out);
  for (int64_t i = 0; i < options.creators; ++i) {
    SPHERE_RETURN_IF_ERROR(generator.OneCreator(i));
  }
  return Status::Ok();
}

}  // namespace sphere::synth
