// The alerts engine fed from the store (docs/alerts.md). After an ingest — the API's
// /data-ingestion or `sphere import` — the creators it touched are handed here: the rules they
// can affect are found in the index (by creator, platform and niche; no timed full scan), each
// such creator's numbers are rebuilt from the store and the Market Value model (the forecast
// momentum included), the engine decides the crossings, and the new states and events are
// committed in ONE transaction before anyone is told (the caller then wakes the live streams
// and the webhook sender, which read the events back from the store).
//
// Thread-safe: rules may be added and removed while evaluations run; evaluations are
// serialised (an evaluation reads the creator's states, decides, then writes them: two at once
// could both see a rule outside and fire it twice). Across PROCESSES (a server and
// `sphere import` on the same store) the states' revisions do that work: the store refuses a
// state another process wrote after it was read, with its event, and the creator is evaluated
// again from a fresh read, so a crossing fires once.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "alerts/engine.h"
#include "alerts/rule.h"
#include "core/domain.h"
#include "core/status.h"
#include "market/rate_card.h"
#include "model/value/value_model.h"
#include "store/store.h"

namespace sphere::service {

// The Market Value Score of a fee: its percentile among the latest stored values of the same
// platform (market::PercentileScores' mid-rank), so a creator re-valued after an ingest is
// scored against everyone else's stored value without re-valuing them.
class FeePercentiles {
 public:
  static Result<FeePercentiles> Load(Store& store);
  // 0-100; nullopt when no value of the platform is stored.
  std::optional<double> Score(Platform platform, double fee_mid) const;
  size_t size() const;

 private:
  std::map<Platform, std::vector<double>> sorted_fees_;
};

// What the evaluator values creators with. The model may be null: rules that read only
// follower_count or engagement_rate still work, and a rule reading value, market_score,
// growth or momentum sees them unknown (its condition is false) — the evaluation counts those
// creators in `unvalued`.
struct AlertValuation {
  std::shared_ptr<const value::ValueModel> model;
  const market::RateCard* card = nullptr;  // required with a model
  const FeePercentiles* scores = nullptr;  // null: market_score unknown
  int horizon_days = 30;
};

struct AlertEvaluationReport {
  int64_t creators = 0;            // creators handed in
  int64_t evaluated = 0;           // of which some rule could match (their numbers were rebuilt)
  int64_t unvalued = 0;            // evaluated without a Market Value (no model, or not valuable)
  std::vector<AlertEvent> events;  // committed, with ids and owners
};

class AlertEvaluator {
 public:
  // Indexes every enabled rule in the store. A stored rule that no longer parses (written by
  // an older version) is left out and named in skipped_rules(), not fatal.
  static Result<std::unique_ptr<AlertEvaluator>> Open(Store& store);

  // After the API stored a rule / deleted one. InvalidArgument when the rule does not parse.
  Status AddRule(const AlertRule& stored);
  void RemoveRule(int64_t rule_id);
  size_t rules() const;
  std::vector<std::string> skipped_rules() const;

  // Rules another process created or deleted (another replica's API) reach the index too:
  // before an evaluation, at most once per `every`, the store's fingerprint of its enabled
  // rules is compared with the rule ids this index knows, and a difference rebuilds the
  // index from the store. 0: on every evaluation.
  void set_rules_recheck(std::chrono::milliseconds every);

  // Evaluates the rules these creators can affect and commits what changed. A creator id that
  // is not in the store is NotFound; the store's errors as they come (nothing committed then).
  // Creators whose states another process changed meanwhile are evaluated again, up to
  // kEvaluationRounds times in all; Unavailable if they still are (nothing of theirs written).
  Result<AlertEvaluationReport> Evaluate(Store& store, std::span<const int64_t> creator_ids,
                                         const AlertValuation& valuation, UnixSeconds now);
  static constexpr int kEvaluationRounds = 5;

  // Bytes the rule index holds.
  size_t IndexBytes() const;

 private:
  AlertEvaluator() = default;
  // Rebuilds the index from every enabled rule in `rows`.
  void Rebuild(const std::vector<AlertRule>& rows);
  // The rules check set_rules_recheck describes.
  Status SyncRules(Store& store);
  // One round: reads, decides and commits; the creators left stale go to *stale.
  Status EvaluateRound(Store& store, std::span<const int64_t> creator_ids,
                       const AlertValuation& valuation, UnixSeconds now, bool count,
                       AlertEvaluationReport* report, std::vector<int64_t>* stale);
  mutable std::shared_mutex rules_mutex_;  // guards index_, skipped_ and the known ids
  alerts::RuleIndex index_;
  std::vector<std::string> skipped_;
  // Every rule id the index was built from or told about, skipped ones included: the
  // index's side of the fingerprint comparison.
  std::set<int64_t> known_ids_;
  int64_t known_id_sum_ = 0;
  std::mutex evaluate_mutex_;  // one evaluation at a time (see the header comment)
  // Under evaluate_mutex_:
  std::chrono::milliseconds rules_recheck_{1000};
  std::optional<std::chrono::steady_clock::time_point> rules_checked_;
};

// The rules' current numbers for one creator of this niche ("" unknown), from the store (and
// the model when given): what Evaluate builds for each creator. nullopt when the creator has
// nothing dated to read; *valued says whether the model valued it.
Result<std::optional<alerts::CreatorState>> BuildCreatorState(Store& store, const Creator& creator,
                                                              std::string niche,
                                                              const AlertValuation& valuation,
                                                              bool* valued);

}  // namespace sphere::service
