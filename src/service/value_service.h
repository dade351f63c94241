// Use cases of the Market Value: read every creator's history from the store, train and
// register the forecaster (sphere train value), value creators as of a date with fee range,
// score, tier, momentum and evidence, store the values (sphere value), and answer a scout's
// ranking question from the stored values (sphere rank). docs/market-value.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.h"
#include "market/rank_index.h"
#include "market/rate_card.h"
#include "model/value/value_history.h"
#include "model/value/value_model.h"
#include "model/value/value_train.h"
#include "store/store.h"

namespace sphere::service {

// Every creator with something the model reads, and the money-like figures of the sources
// (Global YouTube's earnings estimate, top200's influence score) for the cross-check.
struct ValueInputs {
  std::vector<value::CreatorHistory> histories;
  std::vector<Creator> creators;  // the same order
  std::map<int64_t, double> monthly_earnings;  // creator id -> mid of low..high (USD)
  std::map<int64_t, double> influence_score;   // creator id -> 0..100
};
Result<ValueInputs> LoadValueInputs(Store& store, const value::ProgressFn& progress = {});

struct TrainValueOptions {
  std::filesystem::path models_dir = "var/models";  // the model goes to <dir>/value/<version>
  bool if_absent = false;  // do nothing when a loadable Market Value model is registered
  value::ValueTrainOptions train;
};

struct TrainValueReport {
  bool skipped = false;
  std::string version;
  std::filesystem::path model_dir;
  int64_t histories = 0;
  int64_t examples = 0;
  std::string report;  // the backtest tables (markdown), also written to backtest.md
};

Result<TrainValueReport> TrainValueModel(Store& store, const TrainValueOptions& options,
                                         const value::ProgressFn& progress = {});

// The latest registered Market Value model, loaded; NotFound naming `sphere train value`.
Result<std::shared_ptr<const value::ValueModel>> LoadCurrentValueModel(Store& store);

struct ValueOptions {
  // One creator: "handle" (unique across platforms) or "platform/handle". Scores and
  // comparables still come from valuing every creator at the same date.
  std::optional<std::string> creator;
  // Every creator's history is cut here; none: each creator's own latest observation.
  std::optional<UnixSeconds> as_of;
  int horizon_days = 30;
  bool write_store = true;  // store the values asked for
  UnixSeconds now = 0;      // computed_at
  // When set, each value asked for is handed here (in the store's creator order, evidence
  // included) as soon as its chunk is built and stored, and ValueRun.values stays empty:
  // valuing every creator of a large store then holds one chunk of values at a time, not
  // all of them. An error stops the run and is returned.
  std::function<Status(const MarketValue&)> on_value;
};

// How the value agrees with the only money-like figures we have, next to followers alone.
struct CrossCheck {
  std::string name;  // "youtube_monthly_earnings", "top200_influence_score"
  int64_t n = 0;
  double value_spearman = 0;      // fee_mid (or score) vs the figure
  double followers_spearman = 0;  // followers vs the figure
};

struct ValueRun {
  std::vector<MarketValue> values;  // those asked for, by creator id (none with on_value)
  int64_t valued = 0;               // creators valued (the population scores are taken in)
  std::map<std::string, int64_t> skipped;  // reason -> creators
  std::vector<CrossCheck> cross_checks;
  // Per platform: Pearson r of ln(fee_mid) with ln(followers), and how many creators.
  std::map<std::string, std::pair<double, int64_t>> fee_followers_r;
};

// InvalidArgument naming the field for a bad horizon or creator; NotFound for an unknown
// creator; FailedPrecondition when the one creator asked for cannot be valued (and why).
// Values are stored in chunks of kValueWriteChunk, one transaction each: a run that fails
// part-way keeps the chunks already written (each row is a complete value; a re-run adds a
// newer one, which is what `sphere rank` reads).
inline constexpr size_t kValueWriteChunk = 50'000;
Result<ValueRun> ValueCreators(Store& store, const value::ValueModel& model,
                               const market::RateCard& card, const ValueOptions& options,
                               const value::ProgressFn& progress = {});

// The CSV of `sphere value`: one row per value. The header line and one row alone are there
// for writing it as values stream in (ValueOptions::on_value).
std::string ValuesCsv(const std::vector<MarketValue>& values);
std::string ValuesCsvHeader();
void AppendValuesCsvRow(std::string& out, const MarketValue& value);

// `sphere rank`: the latest stored value of every creator, indexed and queried. The query
// is validated first (InvalidArgument naming the field).
Result<std::vector<MarketValue>> RankStoredValues(Store& store, const market::RankQuery& query);

}  // namespace sphere::service
