// The profile's value types and its JSON form. Fitting is in fit.cc, generation in
// generate.cc.
#include "synth/synth.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/time.h"

namespace sphere::synth {

double QuantileTable::Sample(double u) const {
  const size_t k = q.size();
  if (k == 0) return 0;
  if (k == 1) return q[0];
  u = std::clamp(u, 0.0, 1.0);
  if (discrete) return q[std::min(k - 1, static_cast<size_t>(u * static_cast<double>(k)))];
  double pos = u * static_cast<double>(k - 1);
  size_t lo = std::min(k - 2, static_cast<size_t>(pos));
  double frac = pos - static_cast<double>(lo);
  return q[lo] + frac * (q[lo + 1] - q[lo]);
}

double QuantileTable::Cdf(double x) const {
  const size_t k = q.size();
  if (k <= 1) return 0.5;
  auto lower = static_cast<size_t>(std::lower_bound(q.begin(), q.end(), x) - q.begin());
  auto upper = static_cast<size_t>(std::upper_bound(q.begin(), q.end(), x) - q.begin());
  auto kd = static_cast<double>(k);
  if (discrete) {
    // A step holds 1/K of the mass per table entry equal to x; x sits in its middle.
    return (static_cast<double>(lower) + static_cast<double>(upper)) / 2.0 / kd;
  }
  if (lower < upper) {
    // x equals one or more quantiles: the middle of the flat stretch.
    return (static_cast<double>(lower) + static_cast<double>(upper - 1)) / 2.0 / (kd - 1);
  }
  if (lower == 0) return 0;
  if (lower == k) return 1;
  double frac = (x - q[lower - 1]) / (q[lower] - q[lower - 1]);
  return (static_cast<double>(lower - 1) + frac) / (kd - 1);
}

int64_t Categorical::total() const {
  int64_t sum = 0;
  for (int64_t c : counts) sum += c;
  return sum;
}

const std::string& Categorical::Sample(double u) const {
  auto target = static_cast<int64_t>(u * static_cast<double>(total()));
  int64_t seen = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    seen += counts[i];
    if (target < seen) return values[i];
  }
  return values.back();
}

double Categorical::ShareOf(std::string_view value) const {
  int64_t sum = total();
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] == value) return sum > 0 ? static_cast<double>(counts[i]) / sum : 0;
  }
  return 0;
}

namespace {

using Json = nlohmann::ordered_json;

// ---- Writing. ----

Json ToJsonValue(const QuantileTable& t) {
  Json j;
  j["n"] = t.n;
  j["discrete"] = t.discrete;
  j["q"] = t.q;
  return j;
}

Json ToJsonValue(const Categorical& c) {
  Json j = Json::array();
  for (size_t i = 0; i < c.values.size(); ++i) j.push_back(Json::array({c.values[i], c.counts[i]}));
  return j;
}

Json ToJsonValue(const Share& s) {
  Json j;
  j["n"] = s.n;
  j["p"] = s.p;
  return j;
}

template <typename T>
Json ToJsonValue(const Grouped<T>& groups) {
  Json j = Json::object();
  for (const auto& [key, value] : groups) j[key] = ToJsonValue(value);
  return j;
}

// ---- Reading. Problems are thrown as ProfileError (never past FromJson) with the path. ----

struct ProfileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const nlohmann::json& Member(const nlohmann::json& j, const std::string& path,
                             std::string_view name) {
  if (!j.is_object()) throw ProfileError(path + ": expected an object");
  auto it = j.find(name);
  if (it == j.end()) throw ProfileError(path + "." + std::string(name) + ": missing");
  return *it;
}

int64_t ReadInt(const nlohmann::json& j, const std::string& path) {
  if (!j.is_number_integer()) throw ProfileError(path + ": expected an integer");
  return j.get<int64_t>();
}

double ReadNumber(const nlohmann::json& j, const std::string& path) {
  if (!j.is_number()) throw ProfileError(path + ": expected a number");
  double v = j.get<double>();
  if (!std::isfinite(v)) throw ProfileError(path + ": expected a finite number");
  return v;
}

void FromJsonValue(const nlohmann::json& j, const std::string& path, QuantileTable& t) {
  t.n = ReadInt(Member(j, path, "n"), path + ".n");
  const nlohmann::json& discrete = Member(j, path, "discrete");
  if (!discrete.is_boolean()) throw ProfileError(path + ".discrete: expected true or false");
  t.discrete = discrete.get<bool>();
  const nlohmann::json& q = Member(j, path, "q");
  // Only a table fitted from nothing may be empty (emoji_per_caption without emoji).
  if (!q.is_array() || (q.empty() && t.n > 0)) {
    throw ProfileError(path + ".q: expected a non-empty array");
  }
  t.q.clear();
  for (size_t i = 0; i < q.size(); ++i) {
    double v = ReadNumber(q[i], path + ".q[" + std::to_string(i) + "]");
    if (!t.q.empty() && v < t.q.back()) throw ProfileError(path + ".q: not non-decreasing");
    t.q.push_back(v);
  }
  if (t.n < 0) throw ProfileError(path + ".n: negative");
}

// Categories are stored most frequent first; the order is re-established on reading
// because sampling depends on it.
void SortCategorical(Categorical& c) {
  std::vector<size_t> order(c.values.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (c.counts[a] != c.counts[b]) return c.counts[a] > c.counts[b];
    return c.values[a] < c.values[b];
  });
  Categorical sorted;
  for (size_t i : order) {
    sorted.values.push_back(std::move(c.values[i]));
    sorted.counts.push_back(c.counts[i]);
  }
  c = std::move(sorted);
}

void FromJsonValue(const nlohmann::json& j, const std::string& path, Categorical& c) {
  if (!j.is_array()) throw ProfileError(path + ": expected an array of [value, count]");
  c = {};
  for (size_t i = 0; i < j.size(); ++i) {
    std::string at = path + "[" + std::to_string(i) + "]";
    const nlohmann::json& pair = j[i];
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string()) {
      throw ProfileError(at + ": expected [value, count]");
    }
    int64_t count = ReadInt(pair[1], at);
    if (count < 0) throw ProfileError(at + ": negative count");
    c.values.push_back(pair[0].get<std::string>());
    c.counts.push_back(count);
  }
  SortCategorical(c);
}

void FromJsonValue(const nlohmann::json& j, const std::string& path, Share& s) {
  s.n = ReadInt(Member(j, path, "n"), path + ".n");
  s.p = ReadNumber(Member(j, path, "p"), path + ".p");
  if (s.p < 0 || s.p > 1) throw ProfileError(path + ".p: not a share in [0, 1]");
}

template <typename T>
void FromJsonValue(const nlohmann::json& j, const std::string& path, Grouped<T>& groups) {
  if (!j.is_object()) throw ProfileError(path + ": expected an object of groups");
  groups.clear();
  for (const auto& [key, value] : j.items()) {
    FromJsonValue(value, path + "[\"" + key + "\"]", groups[key]);
  }
}

template <typename T>
void Read(const nlohmann::json& section, const std::string& path, std::string_view name, T& out) {
  FromJsonValue(Member(section, path, name), path + "." + std::string(name), out);
}

double ReadCorrelation(const nlohmann::json& section, const std::string& path,
                       std::string_view name) {
  double r = ReadNumber(Member(section, path, name), path + "." + std::string(name));
  if (r < 0 || r >= 1) throw ProfileError(path + "." + std::string(name) + ": not in [0, 1)");
  return r;
}

}  // namespace

std::string SynthProfile::ToJson() const {
  Json j;
  j["version"] = kVersion;
  j["reference_time"] = FormatIsoTime(reference_time);
  j["fitted_from"] = {
      {"creators", fitted_creators}, {"posts", fitted_posts}, {"snapshots", fitted_snapshots}};
  j["min_group_size"] = min_group_size;
  Json& c = j["creators"];
  c["platform_mix"] = ToJsonValue(platform_mix);
  c["tier_mix"] = ToJsonValue(tier_mix);
  c["niche_mix"] = ToJsonValue(niche_mix);
  c["country_mix"] = ToJsonValue(country_mix);
  c["followers"] = ToJsonValue(followers);
  c["following"] = ToJsonValue(following);
  c["posts_count"] = ToJsonValue(posts_count);
  c["verified"] = ToJsonValue(verified);
  Json& p = j["posts"];
  p["engagement_rate"] = ToJsonValue(engagement_rate);
  p["engagement_persistence"] = engagement_persistence;
  p["comment_share"] = ToJsonValue(comment_share);
  p["views_per_like"] = ToJsonValue(views_per_like);
  p["shares_per_like"] = ToJsonValue(shares_per_like);
  p["cadence_days"] = ToJsonValue(cadence_days);
  p["media_mix"] = ToJsonValue(media_mix);
  p["sponsored"] = ToJsonValue(sponsored);
  p["described"] = ToJsonValue(described);
  p["image_descriptions"] = ToJsonValue(image_descriptions);
  Json& t = j["captions"];
  t["chars"] = ToJsonValue(caption_chars);
  t["hashtags"] = ToJsonValue(hashtags);
  t["mentions"] = ToJsonValue(mentions);
  t["has_emoji"] = ToJsonValue(has_emoji);
  t["emoji_per_caption"] = ToJsonValue(emoji_per_caption);
  t["words"] = ToJsonValue(words);
  t["hashtag_words"] = ToJsonValue(hashtag_words);
  t["emoji"] = ToJsonValue(emoji);
  Json& g = j["growth"];
  g["growth_30d"] = ToJsonValue(growth_30d);
  g["growth_persistence"] = growth_persistence;
  return j.dump(1);
}

Result<SynthProfile> SynthProfile::FromJson(std::string_view text) {
  try {
    nlohmann::json j = nlohmann::json::parse(text);
    SynthProfile out;
    const std::string root = "profile";
    if (ReadInt(Member(j, root, "version"), "profile.version") != kVersion) {
      throw ProfileError("profile.version: expected " + std::to_string(kVersion));
    }
    const nlohmann::json& time = Member(j, root, "reference_time");
    Result<UnixSeconds> reference =
        time.is_string() ? ParseIsoTime(time.get<std::string>()) : InvalidArgument("not a string");
    if (!reference.ok())
      throw ProfileError("profile.reference_time: " + reference.error().message());
    out.reference_time = *reference;
    const nlohmann::json& from = Member(j, root, "fitted_from");
    const std::string fp = "profile.fitted_from";
    out.fitted_creators = ReadInt(Member(from, fp, "creators"), fp + ".creators");
    out.fitted_posts = ReadInt(Member(from, fp, "posts"), fp + ".posts");
    out.fitted_snapshots = ReadInt(Member(from, fp, "snapshots"), fp + ".snapshots");
    out.min_group_size =
        static_cast<int>(ReadInt(Member(j, root, "min_group_size"), "profile.min_group_size"));

    const std::string cp = "profile.creators";
    const nlohmann::json& c = Member(j, root, "creators");
    Read(c, cp, "platform_mix", out.platform_mix);
    Read(c, cp, "tier_mix", out.tier_mix);
    Read(c, cp, "niche_mix", out.niche_mix);
    Read(c, cp, "country_mix", out.country_mix);
    Read(c, cp, "followers", out.followers);
    Read(c, cp, "following", out.following);
    Read(c, cp, "posts_count", out.posts_count);
    Read(c, cp, "verified", out.verified);

    const std::string pp = "profile.posts";
    const nlohmann::json& p = Member(j, root, "posts");
    Read(p, pp, "engagement_rate", out.engagement_rate);
    out.engagement_persistence = ReadCorrelation(p, pp, "engagement_persistence");
    Read(p, pp, "comment_share", out.comment_share);
    Read(p, pp, "views_per_like", out.views_per_like);
    Read(p, pp, "shares_per_like", out.shares_per_like);
    Read(p, pp, "cadence_days", out.cadence_days);
    Read(p, pp, "media_mix", out.media_mix);
    Read(p, pp, "sponsored", out.sponsored);
    Read(p, pp, "described", out.described);
    Read(p, pp, "image_descriptions", out.image_descriptions);

    const std::string tp = "profile.captions";
    const nlohmann::json& t = Member(j, root, "captions");
    Read(t, tp, "chars", out.caption_chars);
    Read(t, tp, "hashtags", out.hashtags);
    Read(t, tp, "mentions", out.mentions);
    Read(t, tp, "has_emoji", out.has_emoji);
    Read(t, tp, "emoji_per_caption", out.emoji_per_caption);
    Read(t, tp, "words", out.words);
    Read(t, tp, "hashtag_words", out.hashtag_words);
    Read(t, tp, "emoji", out.emoji);

    const std::string gp = "profile.growth";
    const nlohmann::json& g = Member(j, root, "growth");
    Read(g, gp, "growth_30d", out.growth_30d);
    out.growth_persistence = ReadCorrelation(g, gp, "growth_persistence");
    return out;
  } catch (const ProfileError& e) {
    return InvalidArgument(e.what());
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(std::string("profile: ") + e.what());
  }
}

}  // namespace sphere::synth
