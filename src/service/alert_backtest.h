// The alerts backtest (issue 7): real creator histories replayed date by date through the
// alerts engine (alerts::InMemoryEngine) with real scout rules, to measure how early the
// forecast-based rule (momentum above a threshold: the Market Value model's forecast growth)
// flags the creators whose observed value later spiked, against the naive rule (growth above
// a threshold: last period's growth). Precision, recall, lead time and flag rate per rule, at
// matched flag rates and over a threshold sweep, for the creators the model never trained on
// (Split::kTest) and for all creators. docs/alerts-backtest.md gives the definitions and the
// figures; `sphere alerts backtest` writes it.
//
// Definitions are fixed here, not tuned on the result:
//   - states: at every observation date t of a creator's series (one source), the history cut
//     at t (value::Summarize reads nothing later) valued by ValueCreatorAt at horizon 30.
//   - observed value: the fee priced from the observed level (fee_now); for a source whose
//     fee is priced from the niche prior (no observed level: Social Blade's weekly gains), the
//     mean weekly views gain of the last 4 weeks of the series instead (ObservedQuantity).
//   - a spike after t: some later date t' in (t, t + window] with observed(t') >=
//     (1 + spike) x observed(t) and observed(t) > 0. A state is judgeable when the series has
//     a date in (t, t + window]; only judgeable states count (flags, base rate).
//   - spike date t': observed(t') >= (1 + spike) x observed(t) for some earlier date t in
//     [t' - window, t'); an onset is a spike date whose previous date is not one.
//   - a flag: a firing of the rule for the creator at t. Precision = judgeable flags followed
//     by a spike / judgeable flags. Recall = onsets with a flag in [t' - window, t') / onsets.
//     Lead time = t' - the first such flag, in days.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alerts/engine.h"
#include "core/status.h"
#include "market/rate_card.h"
#include "model/value/value_history.h"
#include "model/value/value_model.h"
#include "store/store.h"

namespace sphere::service {

// What "the value" of a state is for the spike definition.
enum class ObservedQuantity {
  kFeeNow,      // ValueCreatorAt's fee_now (the fee priced from the observed level)
  kViewsGain4w  // mean views_gain of the series' observations in (t - 28 days, t]
};

// One replayed series: which source's dates to observe a creator at.
struct SeriesSpec {
  std::string source;   // the snapshot source ("smi2022", "socialblade")
  int window_days = 0;  // how far after t a spike counts
  ObservedQuantity observed = ObservedQuantity::kFeeNow;
};

// One creator's state at one date of the series.
struct ReplayPoint {
  alerts::CreatorState state;
  std::optional<double> observed;  // nullopt when the creator cannot be valued at the date
};

struct ReplayedCreator {
  std::string key;                  // "platform/handle"
  bool test = false;                // Split::kTest: the Market Value model never trained on them
  std::vector<ReplayPoint> points;  // by date
};

// The dates of `source`'s observations in the history (ascending, distinct).
std::vector<UnixSeconds> SeriesDates(const value::CreatorHistory& history, std::string_view source);

// The creator replayed at each of `dates` (ascending): ValueCreatorAt at horizon_days for
// each, the state's value = fee_now, momentum, growth, follower_growth, engagement_rate and
// followers from it (market_score unknown), observed per `observed`. A date the creator
// cannot be valued at (FailedPrecondition) gives a point with unknown metrics; other errors
// are returned.
Result<ReplayedCreator> ReplayCreator(const value::ValueModel& model, const market::RateCard& card,
                                      const value::CreatorHistory& history,
                                      const std::vector<UnixSeconds>& dates,
                                      ObservedQuantity observed, int horizon_days);

// Feeds every point of every creator through one InMemoryEngine holding `rules`, in time
// order (ties by creator), `now` = the point's date. Returns, per rule (in the order given),
// per creator (in the order given), the dates it fired at.
using FlagDates = std::vector<std::vector<UnixSeconds>>;  // [creator][k]
Result<std::vector<FlagDates>> ReplayRules(const std::vector<ReplayedCreator>& creators,
                                           const std::vector<alerts::Rule>& rules);

struct RuleScore {
  int64_t states = 0;  // judgeable states
  int64_t flags = 0;   // judgeable flags
  int64_t hits = 0;    // of which followed by a spike in the window
  int64_t onsets = 0;
  int64_t caught = 0;              // onsets with a flag in the window before them
  std::vector<double> leads_days;  // one per caught onset
  double precision() const;        // NaN without flags
  double recall() const;           // NaN without onsets
  double flag_rate() const;        // flags / states
  double median_lead() const;      // NaN without a caught onset
  double mean_lead() const;
};

// Scores one creator's flags against their observed series (the definitions above); Add
// sums creators.
RuleScore ScoreCreator(const ReplayedCreator& creator, const std::vector<UnixSeconds>& flags,
                       double spike, int window_days);
void Add(RuleScore& into, const RuleScore& one);

// Share of judgeable states followed by a spike, and their count.
struct BaseRate {
  int64_t states = 0;
  int64_t followed = 0;
};
BaseRate BaseRateOf(const ReplayedCreator& creator, double spike, int window_days);

struct AlertBacktestOptions {
  double spike = 0.3;
  int horizon_days = 30;
  int64_t cooldown_seconds = 28LL * 24 * 3600;
  double matched_share = 0.10;  // matched thresholds: the top share of states by each signal
  std::vector<double> sweep = {0.0, 0.05, 0.1, 0.2, 0.3, 0.5};
  int bootstrap = 200;
  uint64_t seed = 7;
  std::vector<SeriesSpec> series = {{"smi2022", 100, ObservedQuantity::kFeeNow},
                                    {"socialblade", 56, ObservedQuantity::kViewsGain4w}};
};

struct AlertBacktestReport {
  std::string markdown;
};

// The whole backtest on a store: creators with a snapshot of each series' source, their
// histories (LoadCreatorHistory), replayed and scored. InvalidArgument for spike <= 0, a
// matched share outside (0, 1) or a window < 1.
Result<AlertBacktestReport> RunAlertBacktest(Store& store, const value::ValueModel& model,
                                             const market::RateCard& card,
                                             const AlertBacktestOptions& options);

}  // namespace sphere::service
