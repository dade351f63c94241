#include "service/value_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/niche.h"
#include "core/time.h"
#include "ingest/canonical/canonical_writer.h"
#include "market/comparables.h"
#include "market/score.h"
#include "model/explain/drivers.h"
#include "model/metrics/regression_metrics.h"
#include "model/value/value_dataset.h"
#include "service/creator_valuation.h"
#include "service/model_registry.h"
#include "service/plep_service.h"
#include "service/value_ranking.h"

namespace sphere::service {
namespace {

using json = nlohmann::json;

constexpr int kComparables = 5;
constexpr size_t kEvidenceObservations = 12;
constexpr size_t kEvidenceContributions = 5;

std::optional<double> ExtraNumber(const std::string& extra_json, std::string_view a,
                                  std::string_view b = {}) {
  const json extra = json::parse(extra_json, nullptr, /*allow_exceptions=*/false);
  if (!extra.is_object()) return std::nullopt;
  auto it = extra.find(a);
  if (it == extra.end()) return std::nullopt;
  const json* node = &*it;
  if (!b.empty()) {
    if (!node->is_object()) return std::nullopt;
    auto inner = node->find(b);
    if (inner == node->end()) return std::nullopt;
    node = &*inner;
  }
  if (!node->is_number()) return std::nullopt;
  return node->get<double>();
}

json Num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
json Opt(const std::optional<double>& v) { return v ? Num(*v) : json(nullptr); }

}  // namespace

Result<ValueInputs> LoadValueInputs(Store& store, const value::ProgressFn& progress) {
  ValueInputs in;
  std::vector<Creator> creators;
  SPHERE_RETURN_IF_ERROR(store.ForEachCreator([&](const Creator& c) {
    creators.push_back(c);
    return Status::Ok();
  }));
  std::unordered_map<std::string, size_t> index;
  index.reserve(creators.size());
  for (size_t i = 0; i < creators.size(); ++i)
    index[CreatorKeyText(creators[i].platform, creators[i].handle)] = i;
  std::vector<std::vector<Snapshot>> snapshots(creators.size());
  std::vector<std::vector<Post>> posts(creators.size());
  if (progress) progress("snapshots", 0, 3);
  SPHERE_RETURN_IF_ERROR(store.ForEachSnapshot([&](const Snapshot& s) {
    const auto it = index.find(CreatorKeyText(s.platform, s.creator_handle));
    if (it == index.end()) return Status::Ok();
    const int64_t id = creators[it->second].id;
    if (s.source == "global_youtube_2023") {
      const auto low = ExtraNumber(s.extra_json, "earnings_usd", "monthly_low");
      const auto high = ExtraNumber(s.extra_json, "earnings_usd", "monthly_high");
      if (low && high && *high > 0) in.monthly_earnings[id] = 0.5 * (*low + *high);
    } else if (s.source == "top200_instagram") {
      if (const auto score = ExtraNumber(s.extra_json, "influence_score")) {
        in.influence_score[id] = *score;
      }
    }
    snapshots[it->second].push_back(s);
    return Status::Ok();
  }));
  if (progress) progress("posts", 1, 3);
  SPHERE_RETURN_IF_ERROR(store.ForEachPost([&](const Post& p) {
    if (!p.posted_at || !p.likes || !p.comments) return Status::Ok();
    const auto it = index.find(CreatorKeyText(p.platform, p.creator_handle));
    if (it == index.end()) return Status::Ok();
    Post light;  // the history reads counts, time and format: drop captions early
    light.posted_at = p.posted_at;
    light.likes = p.likes;
    light.comments = p.comments;
    light.views = p.views;
    light.media_type = p.media_type;
    posts[it->second].push_back(std::move(light));
    return Status::Ok();
  }));
  if (progress) progress("histories", 2, 3);
  for (size_t i = 0; i < creators.size(); ++i) {
    if (snapshots[i].empty() && posts[i].empty() && !creators[i].followers) continue;
    SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> niche, PlepNicheOf(&store, creators[i]));
    in.histories.push_back(
        value::BuildHistory(creators[i], niche.value_or(""), snapshots[i], posts[i]));
    in.creators.push_back(std::move(creators[i]));
    // Freed as we go, so the raw records and the histories are not all held at once. Swapped
    // with empty vectors: `v = {}` assigns an empty list and keeps the capacity.
    std::vector<Snapshot>().swap(snapshots[i]);
    std::vector<Post>().swap(posts[i]);
  }
  if (progress) progress("histories", 3, 3);
  return in;
}

Result<TrainValueReport> TrainValueModel(Store& store, const TrainValueOptions& options,
                                         const value::ProgressFn& progress) {
  TrainValueReport report;
  if (options.if_absent) {
    // Registered is not enough: the files must load here, against this build's schema.
    SPHERE_ASSIGN_OR_RETURN(
        std::optional<ModelRecord> latest,
        LoadableModel(store, value::kValueModelKind, [](const std::filesystem::path& dir) {
          return value::ValueModel::Load(dir).ok();
        }));
    if (latest) {
      report.skipped = true;
      report.version = latest->version;
      report.model_dir = latest->artifact_path;
      return report;
    }
  }
  SPHERE_ASSIGN_OR_RETURN(ValueInputs inputs, LoadValueInputs(store, progress));
  report.histories = static_cast<int64_t>(inputs.histories.size());
  const value::ValueDataset data = value::BuildValueDataset(std::move(inputs.histories));
  report.examples = static_cast<int64_t>(data.examples.size());
  if (data.examples.empty()) {
    return FailedPrecondition(
        "no creator in the store has a time series to learn from: import the smi2022 months, "
        "Social Blade's weekly gains or Kim et al.'s posts before `sphere train value`");
  }
  SPHERE_ASSIGN_OR_RETURN(value::TrainedValue trained,
                          value::TrainValue(data, options.train, progress));
  report.version = trained.model->version();
  report.report = trained.report;

  SPHERE_ASSIGN_OR_RETURN(const std::filesystem::path dir,
                          NewModelDir(value::ValueModelDir(options.models_dir, report.version),
                                      "Market Value model", report.version));
  SPHERE_RETURN_IF_ERROR(trained.model->Save(dir));
  SPHERE_RETURN_IF_ERROR(WriteModelText(
      dir / "backtest.md", "# Market Value backtest: " + report.version + "\n\n" + trained.report));
  report.model_dir = dir;

  ModelRecord record;
  record.kind = std::string(value::kValueModelKind);
  record.version = report.version;
  record.artifact_path = dir.string();
  record.data_hash = trained.data_sha256;
  record.manifest_json = trained.model->manifest_json();
  record.metrics_json = trained.metrics_json;
  record.created_at = options.train.now;
  SPHERE_RETURN_IF_ERROR(store.SaveModel(record).status());
  return report;
}

Result<std::shared_ptr<const value::ValueModel>> LoadCurrentValueModel(Store& store) {
  SPHERE_ASSIGN_OR_RETURN(std::optional<ModelRecord> latest,
                          store.LatestModel(value::kValueModelKind));
  if (!latest) {
    return NotFound(
        "no Market Value model is registered in this store: train one with `sphere train value`");
  }
  return value::ValueModel::Load(latest->artifact_path);
}

namespace {

// One creator valued, before the population-wide scores and comparables. Kept for every
// creator until the values are built, so it holds only what they read: the forecast without
// its feature vector and with the evidence's top contributions only, and the follower count
// instead of the whole Summary (the evidence re-reads the history: Summarize is cheap and
// deterministic). Holding both was 3.4 KB a creator of the 9.7 GiB that valuing 1M creators
// took before (docs/benchmarks.md).
struct Valued {
  size_t history = 0;
  UnixSeconds as_of = 0;
  std::optional<double> followers;  // the summary's, at as_of
  value::ValueForecast forecast;
  market::Fee fee;
  double fee_now = 0;
  MediaType format = MediaType::kImage;
  double momentum = 0;
};

json InputsJson(const value::CreatorHistory& h, const value::Summary& s) {
  json inputs = json::array();
  const size_t first =
      s.used.size() > kEvidenceObservations ? s.used.size() - kEvidenceObservations : 0;
  for (size_t i = first; i < s.used.size(); ++i) {
    const value::Observation& o = *s.used[i];
    json row = {{"source", o.source}, {"at", FormatIsoTime(o.at)}};
    if (o.followers) row["followers"] = *o.followers;
    if (o.engagement_per_post) row["engagement_per_post"] = *o.engagement_per_post;
    if (o.views_per_post) row["views_per_post"] = *o.views_per_post;
    if (o.followers_gain) {
      row["followers_gain"] = *o.followers_gain;
      row["period_days"] = o.period_days;
    }
    if (o.views_gain) row["views_gain"] = *o.views_gain;
    inputs.push_back(std::move(row));
  }
  json out = {{"observations_used", s.observations}, {"observations", inputs}};
  if (s.posts > 0) {
    out["posts"] = {{"count", s.posts},
                    {"last_at", s.engagement && s.engagement->source == "posts"
                                    ? json(FormatIsoTime(s.engagement->at))
                                    : json(nullptr)},
                    {"per_30d", Opt(s.posts_per_30d)}};
  }
  if (s.followers_from_profile) {
    out["profile"] = {{"followers", s.followers->value},
                      {"note", "the profile's count (no dated follower observation exists)"}};
  }
  (void)h;
  return out;
}

}  // namespace

Result<ValueRun> ValueCreators(Store& store, const value::ValueModel& model,
                               const market::RateCard& card, const ValueOptions& options,
                               const value::ProgressFn& progress) {
  if (options.horizon_days < 1 || options.horizon_days > 365) {
    return InvalidArgument("horizon: must be 1..365 days, got " +
                           std::to_string(options.horizon_days));
  }
  SPHERE_ASSIGN_OR_RETURN(ValueInputs in, LoadValueInputs(store, progress));
  std::vector<Creator>().swap(in.creators);  // the histories carry all that valuing reads

  // The one creator asked for, if any.
  std::optional<size_t> wanted;
  if (options.creator) {
    std::string text = *options.creator;
    std::optional<Platform> platform;
    if (const size_t slash = text.find('/'); slash != std::string::npos) {
      SPHERE_ASSIGN_OR_RETURN(Platform p, ParsePlatform(text.substr(0, slash)));
      platform = p;
      text = text.substr(slash + 1);
    }
    const std::string handle = NormalizeHandle(text);
    std::vector<size_t> matches;
    for (size_t i = 0; i < in.histories.size(); ++i) {
      if (in.histories[i].handle == handle &&
          (!platform || in.histories[i].platform == *platform)) {
        matches.push_back(i);
      }
    }
    if (matches.empty()) {
      SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> known,
                              store.FindCreator(platform.value_or(Platform::kInstagram), handle));
      return NotFound("creator: '" + *options.creator + "' " +
                      (known ? "has no history the Market Value reads (no snapshots, posts or "
                               "follower count)"
                             : "is not in the store"));
    }
    if (matches.size() > 1) {
      std::string which;
      for (size_t i : matches) {
        which += ' ';
        which += CreatorKeyText(in.histories[i].platform, handle);
      }
      return InvalidArgument("creator: '" + *options.creator +
                             "' is on more than one platform; name one of:" + which);
    }
    wanted = matches.front();
  }

  ValueRun run;
  std::vector<Valued> valued;
  valued.reserve(in.histories.size());
  std::string wanted_failure;
  for (size_t i = 0; i < in.histories.size(); ++i) {
    const value::CreatorHistory& h = in.histories[i];
    if (progress && i % 4096 == 0) progress("value", static_cast<int64_t>(i), in.histories.size());
    const UnixSeconds as_of = options.as_of ? *options.as_of : value::LatestObservation(h);
    auto skip = [&](const std::string& reason) {
      run.skipped[reason]++;
      if (wanted && *wanted == i) wanted_failure = reason;
    };
    // ValueCreatorAt is what the alerts evaluator and backtest call for one creator: the same
    // code, so a creator's value here and in an alert cannot drift apart.
    Result<CreatorValuation> one =
        ValueCreatorAt(model, card, h, as_of, options.horizon_days, /*explain=*/true);
    if (!one.ok()) {
      if (one.status().code() != Code::kFailedPrecondition) return one.status();
      skip(std::string(one.status().message()));
      continue;
    }
    Valued v;
    v.history = i;
    v.as_of = as_of;
    v.followers = one->followers;
    v.forecast = std::move(one->forecast);
    v.forecast.x = {};
    if (v.forecast.contributions.size() > kEvidenceContributions) {
      v.forecast.contributions.resize(kEvidenceContributions);
      v.forecast.contributions.shrink_to_fit();
    }
    v.fee = std::move(one->fee);
    v.fee_now = one->fee_now;
    v.format = one->format;
    v.momentum = one->momentum;
    valued.push_back(std::move(v));
  }
  if (wanted && !wanted_failure.empty()) {
    return FailedPrecondition("creator: '" + *options.creator +
                              "' cannot be valued: " + wanted_failure);
  }
  run.valued = static_cast<int64_t>(valued.size());
  if (progress) progress("value", in.histories.size(), in.histories.size());

  // Scores: percentiles of fee_mid within platform, and within platform and niche.
  std::vector<double> score(valued.size(), 0), niche_score(valued.size(), NAN);
  {
    std::map<std::string, std::vector<size_t>> by_platform, by_niche;
    for (size_t k = 0; k < valued.size(); ++k) {
      const value::CreatorHistory& h = in.histories[valued[k].history];
      by_platform[std::string(ToString(h.platform))].push_back(k);
      if (!h.niche.empty()) by_niche[CreatorKeyText(h.platform, h.niche)].push_back(k);
    }
    auto fill = [&](const std::map<std::string, std::vector<size_t>>& groups,
                    std::vector<double>& out) {
      for (const auto& [key, members] : groups) {
        std::vector<double> fees;
        for (size_t k : members) fees.push_back(valued[k].fee.mid);
        const std::vector<double> s = market::PercentileScores(fees);
        for (size_t j = 0; j < members.size(); ++j) out[members[j]] = s[j];
      }
    };
    fill(by_platform, score);
    fill(by_niche, niche_score);
  }

  // Comparables: same platform and niche, nearest in (ln followers, ln engagement per post,
  // ln engagement rate, 30-day relative follower gain), each standardised within platform.
  std::vector<market::ComparablePoint> points(valued.size());
  {
    std::map<Platform, std::array<std::pair<double, double>, 4>> moments;  // sum, sum of squares
    std::map<Platform, std::array<int64_t, 4>> counts;
    for (size_t k = 0; k < valued.size(); ++k) {
      const value::CreatorHistory& h = in.histories[valued[k].history];
      const double followers = valued[k].followers.value_or(NAN);
      const double engagement = valued[k].forecast.engagement.mid;
      const double gain =
          valued[k].forecast.follower_gain ? valued[k].forecast.follower_gain->mid : NAN;
      points[k].creator_id = h.creator_id;
      points[k].platform = h.platform;
      points[k].niche = h.niche;
      points[k].x = {std::log1p(followers), std::log1p(engagement),
                     followers >= 1 ? std::log((engagement + 1) / followers) : NAN,
                     followers >= 1 ? gain * 30.0 / options.horizon_days / followers : NAN};
      for (size_t d = 0; d < 4; ++d) {
        if (!std::isfinite(points[k].x[d])) {
          points[k].x[d] = NAN;
          continue;
        }
        moments[h.platform][d].first += points[k].x[d];
        moments[h.platform][d].second += points[k].x[d] * points[k].x[d];
        counts[h.platform][d]++;
      }
    }
    for (market::ComparablePoint& p : points) {
      for (size_t d = 0; d < 4; ++d) {
        if (std::isnan(p.x[d])) continue;
        const double n = static_cast<double>(counts[p.platform][d]);
        const double mean = moments[p.platform][d].first / n;
        const double var = moments[p.platform][d].second / n - mean * mean;
        p.x[d] = var > 1e-12 ? (p.x[d] - mean) / std::sqrt(var) : 0;
      }
    }
  }
  const market::ComparableFinder finder = market::ComparableFinder::Build(points);
  std::unordered_map<int64_t, size_t> by_creator;
  for (size_t k = 0; k < valued.size(); ++k) by_creator[points[k].creator_id] = k;

  // Cross-checks against the only money-like figures, next to followers alone.
  auto cross_check = [&](const std::string& name, const std::map<int64_t, double>& figure,
                         bool use_score) {
    std::vector<double> value_x, followers_x, y;
    for (size_t k = 0; k < valued.size(); ++k) {
      const value::CreatorHistory& h = in.histories[valued[k].history];
      const auto it = figure.find(h.creator_id);
      if (it == figure.end() || !valued[k].followers) continue;
      value_x.push_back(use_score ? score[k] : valued[k].fee.mid);
      followers_x.push_back(*valued[k].followers);
      y.push_back(it->second);
    }
    if (y.size() < 3) return;
    run.cross_checks.push_back({name, static_cast<int64_t>(y.size()), metrics::Spearman(value_x, y),
                                metrics::Spearman(followers_x, y)});
  };
  cross_check("youtube_monthly_earnings", in.monthly_earnings, false);
  cross_check("top200_influence_score", in.influence_score, true);
  {
    std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> xy;
    for (const Valued& v : valued) {
      if (!v.followers || *v.followers < 1 || v.fee.mid <= 0) continue;
      auto& [x, y] = xy[std::string(ToString(in.histories[v.history].platform))];
      x.push_back(std::log(*v.followers));
      y.push_back(std::log(v.fee.mid));
    }
    for (const auto& [platform, pair] : xy) {
      if (pair.first.size() >= 3) {
        run.fee_followers_r[platform] = {metrics::Pearson(pair.first, pair.second),
                                         static_cast<int64_t>(pair.first.size())};
      }
    }
  }

  // Values (all, or the one asked for) with their evidence, built, stored and handed on a
  // chunk at a time: the evidence is most of a value's size (about 2 KB of JSON), and 1M of
  // them at once do not fit beside everything else.
  std::vector<MarketValue> chunk;
  chunk.reserve(std::min(kValueWriteChunk, wanted ? size_t{1} : valued.size()));
  int64_t written = 0;
  auto flush = [&]() -> Status {
    if (chunk.empty()) return Status::Ok();
    if (options.write_store) SPHERE_RETURN_IF_ERROR(store.WriteMarketValues(chunk));
    written += static_cast<int64_t>(chunk.size());
    if (progress) progress("evidence", written, wanted ? 1 : run.valued);
    if (options.on_value) {
      for (const MarketValue& v : chunk) SPHERE_RETURN_IF_ERROR(options.on_value(v));
      chunk.clear();
    } else {
      run.values.insert(run.values.end(), std::make_move_iterator(chunk.begin()),
                        std::make_move_iterator(chunk.end()));
      chunk.clear();
    }
    return Status::Ok();
  };
  for (size_t k = 0; k < valued.size(); ++k) {
    const Valued& v = valued[k];
    if (wanted && v.history != *wanted) continue;
    const value::CreatorHistory& h = in.histories[v.history];
    const value::ValueForecast& f = v.forecast;
    MarketValue mv;
    mv.creator_id = h.creator_id;
    mv.platform = h.platform;
    mv.creator_handle = h.handle;
    mv.as_of = v.as_of;
    mv.horizon_days = options.horizon_days;
    mv.model_version = model.version();
    mv.computed_at = options.now;
    mv.niche = h.niche;
    if (v.followers) mv.followers = static_cast<int64_t>(std::llround(*v.followers));
    mv.format = std::string(ToString(v.format));
    mv.engagement_per_post = f.engagement.mid;
    mv.engagement_low = f.engagement.low;
    mv.engagement_high = f.engagement.high;
    if (f.views) {
      mv.views_per_post = f.views->mid;
      mv.views_low = f.views->low;
      mv.views_high = f.views->high;
    }
    if (f.follower_gain) {
      mv.follower_gain = f.follower_gain->mid;
      mv.follower_gain_low = f.follower_gain->low;
      mv.follower_gain_high = f.follower_gain->high;
    }
    mv.fee_low = v.fee.low;
    mv.fee_mid = v.fee.mid;
    mv.fee_high = v.fee.high;
    mv.score = score[k];
    if (std::isfinite(niche_score[k])) mv.niche_score = niche_score[k];
    mv.tier = mv.followers ? std::string(ToString(TierOf(*mv.followers))) : "";
    mv.momentum = v.momentum;

    json comparables = json::array();
    for (const market::Neighbour& n : finder.Nearest(points[k], kComparables)) {
      const size_t o = by_creator.at(n.creator_id);
      const Valued& other = valued[o];
      const value::CreatorHistory& oh = in.histories[other.history];
      comparables.push_back(
          {{"handle", oh.handle},
           {"platform", ToString(oh.platform)},
           {"followers", other.followers ? json(*other.followers) : json(nullptr)},
           {"engagement_per_post", other.forecast.engagement.mid},
           {"fee_mid", other.fee.mid},
           {"score", score[o]},
           {"distance", Num(n.distance)}});
    }
    json contributions = json::array();
    for (size_t c = 0; c < f.contributions.size() && c < kEvidenceContributions; ++c) {
      const value::Contribution& con = f.contributions[c];
      contributions.push_back({{"feature", con.feature},
                               {"value", Num(con.value)},
                               {"contribution", con.contribution},
                               {"effect", explain::FormatEffect(con.contribution)}});
    }
    json evidence = {{"inputs", InputsJson(h, value::Summarize(h, v.as_of))},
                     {"niche", h.niche.empty() ? json(nullptr) : json(h.niche)},
                     {"base",
                      {{"engagement_per_post", f.engagement_now},
                       {"engagement_basis", f.engagement_basis},
                       {"views_per_post", Opt(f.views_now)},
                       {"views_basis", f.views_basis},
                       {"gain_basis", f.gain_basis}}},
                     {"baselines",
                      {{"last_engagement", Opt(f.bases.last_engagement)},
                       {"followers_x_niche_rate_engagement", Opt(f.bases.niche_rate_engagement)}}},
                     {"fee",
                      {{"basis", v.fee.basis},
                       {"rate", v.fee.rate},
                       {"multiplier", v.fee.multiplier},
                       {"currency", card.currency},
                       {"rate_card", card.origin},
                       {"fee_now", v.fee_now}}},
                     {"range_level", model.range_level()},
                     {"comparables", comparables},
                     {"contributions", contributions},
                     {"model_version", model.version()}};
    mv.evidence_json = evidence.dump();
    chunk.push_back(std::move(mv));
    if (chunk.size() >= kValueWriteChunk) SPHERE_RETURN_IF_ERROR(flush());
  }
  SPHERE_RETURN_IF_ERROR(flush());
  return run;
}

std::string ValuesCsvHeader() {
  return "platform,handle,as_of,horizon_days,niche,tier,followers,format,"
         "forecast_engagement_per_post,engagement_low,engagement_high,forecast_views_per_post,"
         "views_low,views_high,forecast_follower_gain,follower_gain_low,follower_gain_high,"
         "fee_low,fee_mid,fee_high,score,niche_score,momentum,model_version\n";
}

void AppendValuesCsvRow(std::string& out, const MarketValue& v) {
  auto num = [](double x) { return fmt::format("{:.6g}", x); };
  auto opt = [&](const std::optional<double>& x) { return x ? num(*x) : std::string(); };
  ingest::AppendCsvText(out, ToString(v.platform));
  out += ',';
  ingest::AppendCsvText(out, v.creator_handle);
  out += ',' + FormatIsoTime(v.as_of) + ',' + std::to_string(v.horizon_days) + ',';
  ingest::AppendCsvText(out, v.niche);
  out += ',' + v.tier + ',' + (v.followers ? std::to_string(*v.followers) : "") + ',' + v.format;
  out +=
      ',' + num(v.engagement_per_post) + ',' + num(v.engagement_low) + ',' + num(v.engagement_high);
  out += ',' + opt(v.views_per_post) + ',' + opt(v.views_low) + ',' + opt(v.views_high);
  out +=
      ',' + opt(v.follower_gain) + ',' + opt(v.follower_gain_low) + ',' + opt(v.follower_gain_high);
  out += ',' + fmt::format("{:.2f},{:.2f},{:.2f}", v.fee_low, v.fee_mid, v.fee_high);
  out += ',' + fmt::format("{:.1f}", v.score) + ',' +
         (v.niche_score ? fmt::format("{:.1f}", *v.niche_score) : "") + ',' +
         fmt::format("{:.4f}", v.momentum) + ',';
  ingest::AppendCsvText(out, v.model_version);
  out += '\n';
}

std::string ValuesCsv(const std::vector<MarketValue>& values) {
  std::string out = ValuesCsvHeader();
  for (const MarketValue& v : values) AppendValuesCsvRow(out, v);
  return out;
}

Result<std::vector<MarketValue>> RankStoredValues(Store& store, const market::RankQuery& query) {
  SPHERE_RETURN_IF_ERROR(market::ValidateRankQuery(query));
  SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<ValueRanking> ranking, ValueRanking::Build(store));
  return ranking->Query(query);
}

}  // namespace sphere::service
