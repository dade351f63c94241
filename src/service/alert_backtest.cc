#include "service/alert_backtest.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "core/split.h"
#include "service/creator_valuation.h"

namespace sphere::service {
namespace {

constexpr int64_t kDay = 24 * 3600;
constexpr int64_t kViewsGainSpan = 28 * kDay;

// The points with an observed value, as (date, value).
std::vector<std::pair<UnixSeconds, double>> Observed(const ReplayedCreator& creator) {
  std::vector<std::pair<UnixSeconds, double>> out;
  for (const ReplayPoint& p : creator.points) {
    if (p.observed && std::isfinite(*p.observed)) out.emplace_back(p.state.as_of, *p.observed);
  }
  return out;
}

bool Spiked(double from, double to, double spike) { return from > 0 && to >= (1 + spike) * from; }

// For each observed point i: whether it is judgeable (a later observed point within the
// window) and whether a spike follows it within the window.
struct Outlook {
  std::vector<bool> judgeable, followed;
};
Outlook OutlookOf(const std::vector<std::pair<UnixSeconds, double>>& obs, double spike,
                  int window_days) {
  const int64_t window = int64_t{window_days} * kDay;
  Outlook out{std::vector<bool>(obs.size(), false), std::vector<bool>(obs.size(), false)};
  for (size_t i = 0; i < obs.size(); ++i) {
    if (!(obs[i].second > 0)) continue;  // no ratio from nothing: never judgeable
    for (size_t j = i + 1; j < obs.size() && obs[j].first <= obs[i].first + window; ++j) {
      out.judgeable[i] = true;
      if (Spiked(obs[i].second, obs[j].second, spike)) out.followed[i] = true;
    }
  }
  return out;
}

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace

double RuleScore::precision() const {
  return flags > 0 ? static_cast<double>(hits) / static_cast<double>(flags) : NAN;
}
double RuleScore::recall() const {
  return onsets > 0 ? static_cast<double>(caught) / static_cast<double>(onsets) : NAN;
}
double RuleScore::flag_rate() const {
  return states > 0 ? static_cast<double>(flags) / static_cast<double>(states) : NAN;
}
double RuleScore::median_lead() const { return Quantile(leads_days, 0.5); }
double RuleScore::mean_lead() const {
  if (leads_days.empty()) return NAN;
  double sum = 0;
  for (double d : leads_days) sum += d;
  return sum / static_cast<double>(leads_days.size());
}

std::vector<UnixSeconds> SeriesDates(const value::CreatorHistory& history,
                                     std::string_view source) {
  std::vector<UnixSeconds> dates;
  for (const value::Observation& o : history.observations) {
    if (o.source == source) dates.push_back(o.at);
  }
  std::sort(dates.begin(), dates.end());
  dates.erase(std::unique(dates.begin(), dates.end()), dates.end());
  return dates;
}

Result<ReplayedCreator> ReplayCreator(const value::ValueModel& model, const market::RateCard& card,
                                      const value::CreatorHistory& history,
                                      const std::vector<UnixSeconds>& dates,
                                      ObservedQuantity observed, int horizon_days) {
  ReplayedCreator out;
  out.key = CreatorKeyText(history.platform, history.handle);
  out.test = SplitOf(out.key) == Split::kTest;
  out.points.reserve(dates.size());
  for (const UnixSeconds t : dates) {
    ReplayPoint p;
    alerts::CreatorState& s = p.state;
    s.creator_id = history.creator_id;
    s.platform = history.platform;
    s.handle = history.handle;
    s.niche = history.niche;
    s.as_of = t;
    Result<CreatorValuation> v = ValueCreatorAt(model, card, history, t, horizon_days);
    if (v.ok()) {
      s.value = v->fee_now;  // the observed value, not the forecast
      s.momentum = v->momentum;
      s.growth = v->growth;
      s.follower_growth = v->follower_growth;
      s.engagement_rate = v->engagement_rate;
      s.followers = v->followers;
    } else if (v.status().code() != Code::kFailedPrecondition) {
      return v.status();
    }
    switch (observed) {
      case ObservedQuantity::kFeeNow:
        if (v.ok()) p.observed = v->fee_now;
        break;
      case ObservedQuantity::kViewsGain4w: {
        // Read from the history directly, up to t only: the same cut Summarize makes.
        double sum = 0;
        int n = 0;
        for (const value::Observation& o : history.observations) {
          if (o.at > t) break;
          if (o.at > t - kViewsGainSpan && o.views_gain) {
            sum += *o.views_gain;
            ++n;
          }
        }
        if (n > 0) p.observed = sum / n;
        break;
      }
    }
    out.points.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<FlagDates>> ReplayRules(const std::vector<ReplayedCreator>& creators,
                                           const std::vector<alerts::Rule>& rules) {
  alerts::RuleIndex index;
  std::unordered_map<int64_t, size_t> position;
  for (size_t r = 0; r < rules.size(); ++r) {
    if (!position.emplace(rules[r].id, r).second) {
      return InvalidArgument("rules: id " + std::to_string(rules[r].id) + " given twice");
    }
    SPHERE_RETURN_IF_ERROR(index.Add(rules[r]));
  }
  std::unordered_map<int64_t, size_t> creator_of;
  std::vector<std::tuple<UnixSeconds, size_t, size_t>> order;  // date, creator, point
  for (size_t c = 0; c < creators.size(); ++c) {
    for (size_t k = 0; k < creators[c].points.size(); ++k) {
      const int64_t id = creators[c].points[k].state.creator_id;
      if (auto [it, added] = creator_of.emplace(id, c); !added && it->second != c) {
        return InvalidArgument("creators: id " + std::to_string(id) + " given twice");
      }
      order.emplace_back(creators[c].points[k].state.as_of, c, k);
    }
  }
  std::sort(order.begin(), order.end());
  std::vector<FlagDates> out(rules.size(), FlagDates(creators.size()));
  alerts::InMemoryEngine engine(std::move(index));
  for (const auto& [at, c, k] : order) {
    for (const alerts::Firing& f : engine.Observe(creators[c].points[k].state, at)) {
      out[position.at(f.rule_id)][c].push_back(at);
    }
  }
  return out;
}

RuleScore ScoreCreator(const ReplayedCreator& creator, const std::vector<UnixSeconds>& flags,
                       double spike, int window_days) {
  const int64_t window = int64_t{window_days} * kDay;
  const auto obs = Observed(creator);
  const Outlook outlook = OutlookOf(obs, spike, window_days);
  RuleScore score;
  std::map<UnixSeconds, size_t> at;  // date -> observed index
  for (size_t i = 0; i < obs.size(); ++i) {
    at[obs[i].first] = i;
    if (outlook.judgeable[i]) ++score.states;
  }
  for (const UnixSeconds f : flags) {
    const auto it = at.find(f);
    if (it == at.end() || !outlook.judgeable[it->second]) continue;
    ++score.flags;
    if (outlook.followed[it->second]) ++score.hits;
  }
  std::vector<bool> spike_date(obs.size(), false);
  for (size_t j = 0; j < obs.size(); ++j) {
    for (size_t i = j; i-- > 0 && obs[i].first >= obs[j].first - window;) {
      if (Spiked(obs[i].second, obs[j].second, spike)) {
        spike_date[j] = true;
        break;
      }
    }
  }
  for (size_t j = 0; j < obs.size(); ++j) {
    if (!spike_date[j] || (j > 0 && spike_date[j - 1])) continue;
    ++score.onsets;
    std::optional<UnixSeconds> first;
    for (const UnixSeconds f : flags) {
      if (f >= obs[j].first - window && f < obs[j].first && (!first || f < *first)) first = f;
    }
    if (first) {
      ++score.caught;
      score.leads_days.push_back(static_cast<double>(obs[j].first - *first) / kDay);
    }
  }
  return score;
}

void Add(RuleScore& into, const RuleScore& one) {
  into.states += one.states;
  into.flags += one.flags;
  into.hits += one.hits;
  into.onsets += one.onsets;
  into.caught += one.caught;
  into.leads_days.insert(into.leads_days.end(), one.leads_days.begin(), one.leads_days.end());
}

BaseRate BaseRateOf(const ReplayedCreator& creator, double spike, int window_days) {
  const auto obs = Observed(creator);
  const Outlook outlook = OutlookOf(obs, spike, window_days);
  BaseRate rate;
  for (size_t i = 0; i < obs.size(); ++i) {
    if (!outlook.judgeable[i]) continue;
    ++rate.states;
    if (outlook.followed[i]) ++rate.followed;
  }
  return rate;
}

namespace {

// A scout rule over every creator with one `above` condition.
alerts::Rule AboveRule(int64_t id, alerts::Metric metric, double threshold, int64_t cooldown) {
  alerts::Rule rule;
  rule.id = id;
  rule.owner_user_id = 1;
  rule.name = fmt::format("{} above {:.4g}", alerts::ToString(metric), threshold);
  alerts::ScoutScope scope;
  scope.conditions.push_back({metric, alerts::Op::kAbove, threshold});
  rule.scope = std::move(scope);
  rule.cooldown_seconds = cooldown;
  return rule;
}

std::optional<double> SignalOf(const alerts::CreatorState& s, alerts::Metric metric) {
  return s.Get(metric);
}

// The threshold above which about `share` of the judgeable states' signal lies: the
// (k+1)-th largest known value with k = round(share x states), so that `above` admits the
// top k (ties aside). States whose signal is unknown count in the states, never above.
double MatchedThreshold(const std::vector<ReplayedCreator>& creators, alerts::Metric metric,
                        double share, double spike, int window_days) {
  std::vector<double> known;
  int64_t states = 0;
  for (const ReplayedCreator& c : creators) {
    const auto obs = Observed(c);
    const Outlook outlook = OutlookOf(obs, spike, window_days);
    std::map<UnixSeconds, bool> judgeable;
    for (size_t i = 0; i < obs.size(); ++i) judgeable[obs[i].first] = outlook.judgeable[i];
    for (const ReplayPoint& p : c.points) {
      const auto it = judgeable.find(p.state.as_of);
      if (it == judgeable.end() || !it->second) continue;
      ++states;
      if (const auto v = SignalOf(p.state, metric); v && std::isfinite(*v)) known.push_back(*v);
    }
  }
  const size_t k = static_cast<size_t>(std::llround(share * static_cast<double>(states)));
  std::sort(known.begin(), known.end(), std::greater<>());
  if (known.empty()) return 0;
  if (k >= known.size()) return std::max(-1.0, known.back() - 1e-9);
  return std::max(-1.0, known[k]);
}

struct RuleRow {
  std::string label;
  alerts::Metric metric;
  double threshold = 0;
  std::string family;  // "forecast" | "naive" | "naive (followers)"
};

std::string Fmt(double x, const char* spec = "{:.3f}") {
  return std::isfinite(x) ? fmt::format(fmt::runtime(spec), x) : std::string("–");
}

RuleScore ScoreAll(const std::vector<ReplayedCreator>& creators, const FlagDates& flags,
                   bool test_only, double spike, int window_days) {
  RuleScore total;
  for (size_t c = 0; c < creators.size(); ++c) {
    if (test_only && !creators[c].test) continue;
    Add(total, ScoreCreator(creators[c], flags[c], spike, window_days));
  }
  return total;
}

// 90% bootstrap interval (creators resampled) of precision(a) - precision(b).
std::pair<double, double> PrecisionDiffInterval(const std::vector<ReplayedCreator>& creators,
                                                const FlagDates& a, const FlagDates& b,
                                                bool test_only, double spike, int window_days,
                                                int resamples, uint64_t seed) {
  std::vector<std::array<int64_t, 4>> per;  // flags a, hits a, flags b, hits b
  for (size_t c = 0; c < creators.size(); ++c) {
    if (test_only && !creators[c].test) continue;
    const RuleScore sa = ScoreCreator(creators[c], a[c], spike, window_days);
    const RuleScore sb = ScoreCreator(creators[c], b[c], spike, window_days);
    per.push_back({sa.flags, sa.hits, sb.flags, sb.hits});
  }
  if (per.empty() || resamples < 1) return {NAN, NAN};
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, per.size() - 1);
  std::vector<double> diffs;
  for (int r = 0; r < resamples; ++r) {
    std::array<int64_t, 4> sum{};
    for (size_t i = 0; i < per.size(); ++i) {
      const auto& one = per[pick(rng)];
      for (size_t j = 0; j < 4; ++j) sum[j] += one[j];
    }
    if (sum[0] == 0 || sum[2] == 0) continue;  // a precision without flags is undefined
    diffs.push_back(static_cast<double>(sum[1]) / sum[0] - static_cast<double>(sum[3]) / sum[2]);
  }
  if (diffs.size() < static_cast<size_t>(resamples) / 2) return {NAN, NAN};
  return {Quantile(diffs, 0.05), Quantile(diffs, 0.95)};
}

void AppendScoreRow(std::string& md, const std::string& rule, double threshold,
                    const RuleScore& s) {
  md += fmt::format("| {} | {} | {} | {} | {} | {} ({}/{}) | {} | {} |\n", rule,
                    Fmt(threshold, "{:.4g}"), s.flags, Fmt(100 * s.flag_rate(), "{:.1f}%"),
                    Fmt(s.precision()), Fmt(s.recall()), s.caught, s.onsets,
                    Fmt(s.median_lead(), "{:.0f}"), Fmt(s.mean_lead(), "{:.1f}"));
}

constexpr std::string_view kScoreHeader =
    "| rule | threshold | flags | flag rate | precision | recall (caught/onsets) | median lead "
    "(d) | mean lead (d) |\n|---|---|---|---|---|---|---|---|\n";

}  // namespace

Result<AlertBacktestReport> RunAlertBacktest(Store& store, const value::ValueModel& model,
                                             const market::RateCard& card,
                                             const AlertBacktestOptions& options) {
  if (!(options.spike > 0) || !std::isfinite(options.spike)) {
    return InvalidArgument("spike: must be a positive fraction, got " +
                           fmt::format("{}", options.spike));
  }
  if (!(options.matched_share > 0 && options.matched_share < 1)) {
    return InvalidArgument("matched_share: must be in (0, 1)");
  }
  for (const SeriesSpec& spec : options.series) {
    if (spec.window_days < 1) return InvalidArgument("window_days: must be at least 1");
  }

  // The creators with a snapshot of each replayed source.
  std::map<std::string, std::set<std::string>> keys_of;  // source -> creator keys
  for (const SeriesSpec& spec : options.series) keys_of[spec.source];
  SPHERE_RETURN_IF_ERROR(store.ForEachSnapshot([&](const Snapshot& s) {
    if (auto it = keys_of.find(s.source); it != keys_of.end()) {
      it->second.insert(CreatorKeyText(s.platform, s.creator_handle));
    }
    return Status::Ok();
  }));
  std::vector<Creator> creators;
  SPHERE_RETURN_IF_ERROR(store.ForEachCreator([&](const Creator& c) {
    const std::string key = CreatorKeyText(c.platform, c.handle);
    for (const auto& [source, keys] : keys_of) {
      if (keys.contains(key)) {
        creators.push_back(c);
        break;
      }
    }
    return Status::Ok();
  }));

  std::vector<std::vector<ReplayedCreator>> replayed(options.series.size());
  for (const Creator& c : creators) {
    SPHERE_ASSIGN_OR_RETURN(std::optional<value::CreatorHistory> history,
                            LoadCreatorHistory(store, c));
    if (!history) continue;
    for (size_t s = 0; s < options.series.size(); ++s) {
      const std::vector<UnixSeconds> dates = SeriesDates(*history, options.series[s].source);
      if (dates.empty()) continue;
      SPHERE_ASSIGN_OR_RETURN(
          ReplayedCreator r, ReplayCreator(model, card, *history, dates, options.series[s].observed,
                                           options.horizon_days));
      replayed[s].push_back(std::move(r));
    }
  }

  std::string md;
  md += fmt::format(
      "Market Value model {}; horizon {} days; spike >= +{:.0f}% of the observed value; "
      "cooldown {} days; matched flag rate: the top {:.0f}% of judgeable states by each "
      "signal; bootstrap {} resamples of creators (seed {}).\n\n",
      model.version(), options.horizon_days, 100 * options.spike, options.cooldown_seconds / kDay,
      100 * options.matched_share, options.bootstrap, options.seed);

  for (size_t s = 0; s < options.series.size(); ++s) {
    const SeriesSpec& spec = options.series[s];
    const std::vector<ReplayedCreator>& rc = replayed[s];
    int64_t test_creators = 0, points = 0, valued = 0, momentum_nonzero = 0, growth_known = 0;
    BaseRate base_all, base_test;
    for (const ReplayedCreator& c : rc) {
      test_creators += c.test;
      for (const ReplayPoint& p : c.points) {
        ++points;
        if (p.state.value) ++valued;
        if (p.state.momentum && *p.state.momentum != 0) ++momentum_nonzero;
        if (p.state.growth) ++growth_known;
      }
      const BaseRate b = BaseRateOf(c, options.spike, spec.window_days);
      base_all.states += b.states;
      base_all.followed += b.followed;
      if (c.test) {
        base_test.states += b.states;
        base_test.followed += b.followed;
      }
    }
    md += fmt::format("## Source `{}`\n\n", spec.source);
    md += fmt::format(
        "Observed value: {}; window {} days. {} creators ({} held-out test), {} states, {} "
        "valued; momentum non-zero in {}, growth known in {}.\n\n",
        spec.observed == ObservedQuantity::kFeeNow
            ? "fee_now (the fee priced from the observed level)"
            : "mean weekly views gain of the last 4 weeks",
        spec.window_days, rc.size(), test_creators, points, valued, momentum_nonzero, growth_known);
    auto rate = [](const BaseRate& b) {
      return b.states > 0 ? static_cast<double>(b.followed) / b.states : NAN;
    };
    md += fmt::format(
        "Base rate (share of judgeable states followed by a spike): test creators {} "
        "({}/{}), all creators {} ({}/{}).\n\n",
        Fmt(rate(base_test)), base_test.followed, base_test.states, Fmt(rate(base_all)),
        base_all.followed, base_all.states);

    if (valued == 0) {
      // Nothing any rule reads is known at any date (no level, no follower count as of the
      // date): every rule is silent by construction, and tables of zeros say nothing more.
      md +=
          "No state of this source could be valued as of its date (neither an engagement "
          "level nor a follower count is known then), so no rule can fire: the rules cannot "
          "be compared on this source.\n\n";
      continue;
    }
    FlagDates every_date(rc.size());
    for (size_t c = 0; c < rc.size(); ++c) {
      for (const ReplayPoint& p : rc[c].points) every_date[c].push_back(p.state.as_of);
    }

    // Rules: matched thresholds first, then the sweep; one replay for all of them.
    std::vector<RuleRow> rows;
    const std::vector<std::pair<alerts::Metric, std::string>> families = {
        {alerts::Metric::kMomentum, "forecast (momentum)"},
        {alerts::Metric::kGrowth, "naive (growth)"},
        {alerts::Metric::kFollowerGrowth, "naive (follower_growth)"}};
    for (const auto& [metric, name] : families) {
      rows.push_back(
          {name, metric,
           MatchedThreshold(rc, metric, options.matched_share, options.spike, spec.window_days),
           "matched"});
    }
    for (const auto& [metric, name] : families) {
      if (metric == alerts::Metric::kFollowerGrowth) continue;
      for (double t : options.sweep) rows.push_back({name, metric, t, "sweep"});
    }
    std::vector<alerts::Rule> rules;
    for (size_t r = 0; r < rows.size(); ++r) {
      rules.push_back(AboveRule(static_cast<int64_t>(r + 1), rows[r].metric, rows[r].threshold,
                                options.cooldown_seconds));
    }
    SPHERE_ASSIGN_OR_RETURN(std::vector<FlagDates> flags, ReplayRules(rc, rules));

    for (const bool test_only : {true, false}) {
      md += fmt::format(
          "### {} — matched flag rates\n\n",
          test_only ? "Held-out test creators (headline)"
                    : "All creators (mostly in-sample: train and validation creators included)");
      md += kScoreHeader;
      for (size_t r = 0; r < 3; ++r) {
        AppendScoreRow(md, rows[r].label, rows[r].threshold,
                       ScoreAll(rc, flags[r], test_only, options.spike, spec.window_days));
      }
      const RuleScore f = ScoreAll(rc, flags[0], test_only, options.spike, spec.window_days);
      const RuleScore n = ScoreAll(rc, flags[1], test_only, options.spike, spec.window_days);
      const auto [lo, hi] =
          PrecisionDiffInterval(rc, flags[0], flags[1], test_only, options.spike, spec.window_days,
                                options.bootstrap, options.seed);
      // Flagging every state: its precision is the base rate.
      const auto [base_lo, base_hi] =
          PrecisionDiffInterval(rc, flags[0], every_date, test_only, options.spike,
                                spec.window_days, options.bootstrap, options.seed);
      const RuleScore base = ScoreAll(rc, every_date, test_only, options.spike, spec.window_days);
      md += fmt::format(
          "\nPrecision, forecast minus naive (growth): {} (90% bootstrap interval {} .. {}); "
          "forecast minus the base rate: {} ({} .. {}); median lead {} vs {} days.\n\n",
          Fmt(f.precision() - n.precision(), "{:+.3f}"), Fmt(lo, "{:+.3f}"), Fmt(hi, "{:+.3f}"),
          Fmt(f.precision() - base.precision(), "{:+.3f}"), Fmt(base_lo, "{:+.3f}"),
          Fmt(base_hi, "{:+.3f}"), Fmt(f.median_lead(), "{:.0f}"), Fmt(n.median_lead(), "{:.0f}"));
    }
    for (const bool test_only : {true, false}) {
      md += fmt::format("### {} — threshold sweep\n\n",
                        test_only ? "Held-out test creators" : "All creators (mostly in-sample)");
      md += kScoreHeader;
      for (size_t r = 3; r < rows.size(); ++r) {
        AppendScoreRow(md, rows[r].label, rows[r].threshold,
                       ScoreAll(rc, flags[r], test_only, options.spike, spec.window_days));
      }
      md += "\n";
    }
  }
  return AlertBacktestReport{std::move(md)};
}

}  // namespace sphere::service
