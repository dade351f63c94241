// Synthetic creators, posts and snapshots for scale tests, with distributions fitted to
// the real data so that features and models behave on them as on real records.
//
// Two steps. ProfileBuilder sees real records (from a Store's ForEach* or straight from an
// importer: it is a RecordSink) and Build() fits a SynthProfile: empirical quantile tables
// and category mixes, per group where the data allows, with pooled fallbacks. Generate()
// streams records drawn from a profile into any RecordSink (a CanonicalCsvWriter, say),
// creator by creator in constant memory, and is deterministic: the same profile, options
// and seed give the same records on every run and machine with the same libm (draws use
// our own PRNG and inverse-CDF sampling, never std::*_distribution).
//
// Synthetic records are recognisable and never collide with real ones: handles are
// "synth~<n>" ('~' is not allowed in Instagram, TikTok or YouTube handles), post ids
// "synth~<n>~<k>", and every record's source is "synth". ProfileBuilder ignores records
// whose source is "synth", so fitting on a store that holds generated data fits the real
// part only.
//
// Typical use (the `sphere synth` command):
//   synth::ProfileBuilder builder;
//   SPHERE_RETURN_IF_ERROR(store.ForEachCreator([&](const Creator& c) { return builder.Add(c); }));
//   SPHERE_RETURN_IF_ERROR(store.ForEachPost([&](const Post& p) { return builder.Add(p); }));
//   SPHERE_RETURN_IF_ERROR(store.ForEachSnapshot([&](const Snapshot& s) { return builder.Add(s);
//   })); SPHERE_ASSIGN_OR_RETURN(synth::SynthProfile profile, builder.Build());
//   SPHERE_ASSIGN_OR_RETURN(auto writer, ingest::CanonicalCsvWriter::Open(out_dir));
//   SPHERE_RETURN_IF_ERROR(synth::Generate(profile, options, *writer));
//   SPHERE_RETURN_IF_ERROR(writer->Close());
//
// Not thread-safe per object; distinct builders and profiles may be used concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "ingest/importer.h"

namespace sphere::synth {

inline constexpr std::string_view kSynthSource = "synth";
inline constexpr std::string_view kSynthHandlePrefix = "synth~";

// The empirical distribution of one quantity as `q.size()` quantiles, sampled by inverse
// CDF. Continuous tables hold the quantiles at p = k/(K-1) (minimum to maximum) and
// interpolate linearly between them; discrete tables (counts such as hashtags per caption)
// hold them at p = (k+0.5)/K and are sampled as a step function, so they only ever yield
// observed values.
struct QuantileTable {
  int64_t n = 0;  // observations fitted
  bool discrete = false;
  std::vector<double> q;  // non-decreasing; at least one value

  // The value at cumulative probability u in [0, 1).
  double Sample(double u) const;
  // Where x falls in the distribution, in [0, 1] (the inverse of Sample).
  double Cdf(double x) const;
  double Median() const { return Sample(0.5); }
};

// Counts of categories, sampled in proportion. Sorted by count, then value.
struct Categorical {
  std::vector<std::string> values;
  std::vector<int64_t> counts;

  int64_t total() const;
  // The category at cumulative share u in [0, 1). Requires a non-empty table.
  const std::string& Sample(double u) const;
  // Share of `value`, 0 when absent.
  double ShareOf(std::string_view value) const;
};

// The share of observations with some property (a sponsored post, a verified creator).
struct Share {
  int64_t n = 0;
  double p = 0;
};

// A quantity fitted per group. Keys are '/'-joined group values, most specific first in
// every lookup, e.g. "micro/beauty" then "micro" then "" (everything pooled).
template <typename T>
using Grouped = std::map<std::string, T>;

struct SynthProfile {
  static constexpr int kVersion = 1;

  // Generated activity ends here: the latest post or snapshot time seen, at midnight UTC.
  UnixSeconds reference_time = 0;
  // What the profile was fitted from (creators: those with a follower count), and the
  // smallest group given its own table.
  int64_t fitted_creators = 0;
  int64_t fitted_posts = 0;
  int64_t fitted_snapshots = 0;
  int min_group_size = 0;

  // Creators (those with a follower count). Keys: platform, tier = ToString(FollowerTier).
  Categorical platform_mix;
  Grouped<Categorical> tier_mix;       // platform | ""
  Grouped<Categorical> niche_mix;      // platform | ""; value "" = no niche
  Grouped<Categorical> country_mix;    // platform | ""; value "" = unknown
  Grouped<QuantileTable> followers;    // platform/tier | tier
  Grouped<QuantileTable> following;    // tier | ""
  Grouped<QuantileTable> posts_count;  // tier | ""
  Grouped<Share> verified;             // tier | ""

  // Posts.
  Grouped<QuantileTable> engagement_rate;  // (likes+comments)/followers; tier/niche | tier | ""
  // Correlation (Gaussian copula) between the engagement of two posts of one creator.
  double engagement_persistence = 0;
  Grouped<QuantileTable> comment_share;    // comments/(likes+comments); platform | ""
  Grouped<QuantileTable> views_per_like;   // platform only (no view counts elsewhere)
  Grouped<QuantileTable> shares_per_like;  // platform only
  Grouped<QuantileTable> cadence_days;     // days between consecutive posts; platform | ""
  Grouped<Categorical> media_mix;          // platform | ""
  Grouped<Share> sponsored;                // platform | ""
  Grouped<Share> described;                // has an image description; platform only
  Categorical image_descriptions;          // the most frequent descriptions

  // Captions.
  Grouped<QuantileTable> caption_chars;  // Unicode code points; platform | ""
  Grouped<QuantileTable> hashtags;       // per caption; platform | ""
  Grouped<QuantileTable> mentions;       // per caption; platform | ""
  Grouped<Share> has_emoji;              // platform | ""
  QuantileTable emoji_per_caption;       // among captions with emoji
  Categorical words;                     // most frequent lower-cased words
  Categorical hashtag_words;             // most frequent hashtags, without '#'
  Categorical emoji;                     // most frequent emoji

  // Growth: relative follower change per 30 days; platform/tier | platform | "". Empty
  // when the data had no consecutive snapshots or weekly gains of any creator (the
  // Instagram files alone, say): then Generate makes no snapshots (snapshot_months = 0)
  // and refuses to invent a growth curve.
  Grouped<QuantileTable> growth_30d;
  // Lag-one correlation (Gaussian copula) between a creator's consecutive monthly growth.
  double growth_persistence = 0;

  bool has_growth() const { return growth_30d.count("") > 0; }

  // Pretty-printed JSON holding every field above (see docs/data-formats.md#synth).
  std::string ToJson() const;
  // InvalidArgument naming the member when the JSON is not a valid profile.
  static Result<SynthProfile> FromJson(std::string_view json);
};

struct FitOptions {
  // A group gets its own table from this many observations; thinner groups use the
  // next, coarser group.
  int min_group_size = 50;
  // Build fails unless each required quantity has this many observations in total.
  int min_observations = 20;
  int quantiles = 101;
  size_t words = 3000;
  size_t hashtags = 1000;
  size_t emoji = 200;
  size_t image_descriptions = 200;
};

// Collects what the fit needs from real records, in any order (posts are joined to their
// creator's followers at Build). Memory: a few dozen bytes per post and snapshot plus the
// caption vocabulary.
class ProfileBuilder : public ingest::RecordSink {
 public:
  explicit ProfileBuilder(FitOptions options = {});
  ~ProfileBuilder() override;
  ProfileBuilder(const ProfileBuilder&) = delete;
  ProfileBuilder& operator=(const ProfileBuilder&) = delete;

  // Always OK; records from synth (source "synth") are counted and ignored. Returning a
  // Status lets these be passed straight to Store::ForEach*.
  Status Add(const Creator& creator);
  Status Add(const Post& post);
  Status Add(const Snapshot& snapshot);
  Status Accept(Creator creator) override { return Add(creator); }
  Status Accept(Post post) override { return Add(post); }
  Status Accept(Snapshot snapshot) override { return Add(snapshot); }

  int64_t ignored_synthetic() const;

  // FailedPrecondition naming every required quantity with too little data to fit:
  // creators with followers, posts, engagement, posting gaps. Growth is not required.
  Result<SynthProfile> Build() const;

 private:
  struct Data;
  FitOptions options_;
  std::unique_ptr<Data> data_;
};

struct SynthOptions {
  int64_t creators = 1000;
  int posts_per_creator = 20;
  // Monthly snapshots per creator (30 days apart, the last at the end time).
  int snapshot_months = 12;
  uint64_t seed = 1;
  // Share of creators per platform (weights, normalised); empty: the fitted mix.
  std::vector<std::pair<Platform, double>> platform_mix;
  // The time generated activity ends; default: the profile's reference_time.
  std::optional<UnixSeconds> end_time;
};

// Streams options.creators creators, each followed by its posts (oldest first) and its
// snapshots, into `out`. Memory does not grow with the number of records. InvalidArgument
// for bad options; FailedPrecondition, before anything is written, for a profile that
// lacks a table the options need (snapshots without has_growth(), say); a sink error
// stops generation and is returned.
Status Generate(const SynthProfile& profile, const SynthOptions& options, ingest::RecordSink& out);

}  // namespace sphere::synth
