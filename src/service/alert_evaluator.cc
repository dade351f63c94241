#include "service/alert_evaluator.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

#include "model/value/value_history.h"
#include "service/creator_valuation.h"
#include "service/plep_service.h"

namespace sphere::service {

Result<FeePercentiles> FeePercentiles::Load(Store& store) {
  FeePercentiles table;
  SPHERE_RETURN_IF_ERROR(store.ForEachLatestMarketValue(
      [&](const MarketValue& v) {
        if (std::isfinite(v.fee_mid)) table.sorted_fees_[v.platform].push_back(v.fee_mid);
        return Status::Ok();
      },
      Store::EvidenceColumn::kSkip));
  for (auto& [platform, fees] : table.sorted_fees_) std::sort(fees.begin(), fees.end());
  return table;
}

std::optional<double> FeePercentiles::Score(Platform platform, double fee_mid) const {
  const auto it = sorted_fees_.find(platform);
  if (it == sorted_fees_.end() || it->second.empty() || !std::isfinite(fee_mid)) {
    return std::nullopt;
  }
  const std::vector<double>& fees = it->second;
  const auto [low, high] = std::equal_range(fees.begin(), fees.end(), fee_mid);
  const double below = static_cast<double>(low - fees.begin());
  const double equal = static_cast<double>(high - low);
  // The same mid-rank as market::PercentileScores, with the creator counted once.
  return 100.0 * (below + 0.5 * (equal + 1)) / static_cast<double>(fees.size() + 1);
}

size_t FeePercentiles::size() const {
  size_t n = 0;
  for (const auto& [platform, fees] : sorted_fees_) n += fees.size();
  return n;
}

Result<std::optional<alerts::CreatorState>> BuildCreatorState(Store& store, const Creator& creator,
                                                              std::string niche,
                                                              const AlertValuation& valuation,
                                                              bool* valued) {
  if (valued) *valued = false;
  SPHERE_ASSIGN_OR_RETURN(std::optional<value::CreatorHistory> history,
                          LoadCreatorHistory(store, creator, std::move(niche)));
  if (!history) return std::optional<alerts::CreatorState>();
  const UnixSeconds as_of = value::LatestObservation(*history);
  if (as_of == 0) return std::optional<alerts::CreatorState>();

  alerts::CreatorState state;
  state.creator_id = creator.id;
  state.platform = creator.platform;
  state.handle = creator.handle;
  state.niche = history->niche;
  state.as_of = as_of;
  // What needs no model: the latest follower count and engagement per post over it.
  const value::Summary summary = value::Summarize(*history, as_of);
  if (summary.followers) state.followers = summary.followers->value;
  if (summary.engagement && state.followers && *state.followers > 0) {
    state.engagement_rate = summary.engagement->value / *state.followers;
  }
  if (valuation.model) {
    Result<CreatorValuation> v =
        ValueCreatorAt(*valuation.model, *valuation.card, *history, as_of, valuation.horizon_days);
    if (v.ok()) {
      if (valued) *valued = true;
      state.value = v->fee_now;
      state.momentum = v->momentum;
      state.growth = v->growth;
      state.follower_growth = v->follower_growth;
      if (v->engagement_rate) state.engagement_rate = v->engagement_rate;
      if (valuation.scores)
        state.market_score = valuation.scores->Score(creator.platform, v->fee.mid);
    } else if (v.status().code() != Code::kFailedPrecondition) {
      return v.status().WithContext("valuing creator " + std::to_string(creator.id));
    }
  }
  return std::optional<alerts::CreatorState>(std::move(state));
}

Result<std::unique_ptr<AlertEvaluator>> AlertEvaluator::Open(Store& store) {
  std::unique_ptr<AlertEvaluator> evaluator(new AlertEvaluator());
  SPHERE_ASSIGN_OR_RETURN(std::vector<AlertRule> stored, store.ListEnabledAlertRules());
  evaluator->Rebuild(stored);
  return evaluator;
}

void AlertEvaluator::Rebuild(const std::vector<AlertRule>& rows) {
  alerts::RuleIndex index;
  std::vector<std::string> skipped;
  std::set<int64_t> ids;
  int64_t id_sum = 0;
  for (const AlertRule& row : rows) {
    ids.insert(row.id);
    id_sum += row.id;
    Result<alerts::Rule> rule = alerts::ParseRule(row);
    if (!rule.ok()) {
      skipped.push_back("rule " + std::to_string(row.id) + ": " + rule.status().message());
      continue;
    }
    if (Status added = index.Add(std::move(*rule)); !added.ok()) {
      skipped.push_back("rule " + std::to_string(row.id) + ": " + added.message());
    }
  }
  std::unique_lock lock(rules_mutex_);
  index_ = std::move(index);
  skipped_ = std::move(skipped);
  known_ids_ = std::move(ids);
  known_id_sum_ = id_sum;
}

Status AlertEvaluator::AddRule(const AlertRule& stored) {
  SPHERE_ASSIGN_OR_RETURN(alerts::Rule rule, alerts::ParseRule(stored));
  std::unique_lock lock(rules_mutex_);
  SPHERE_RETURN_IF_ERROR(index_.Add(std::move(rule)));
  if (known_ids_.insert(stored.id).second) known_id_sum_ += stored.id;
  return Status::Ok();
}

void AlertEvaluator::RemoveRule(int64_t rule_id) {
  std::unique_lock lock(rules_mutex_);
  index_.Remove(rule_id);
  if (known_ids_.erase(rule_id) > 0) known_id_sum_ -= rule_id;
}

std::vector<std::string> AlertEvaluator::skipped_rules() const {
  std::shared_lock lock(rules_mutex_);
  return skipped_;
}

void AlertEvaluator::set_rules_recheck(std::chrono::milliseconds every) {
  std::lock_guard evaluating(evaluate_mutex_);
  rules_recheck_ = every;
}

Status AlertEvaluator::SyncRules(Store& store) {
  const auto now = std::chrono::steady_clock::now();
  if (rules_checked_ && now - *rules_checked_ < rules_recheck_) return Status::Ok();
  SPHERE_ASSIGN_OR_RETURN(Store::AlertRulesFingerprint stored,
                          store.EnabledAlertRulesFingerprint());
  rules_checked_ = now;
  {
    std::shared_lock lock(rules_mutex_);
    const Store::AlertRulesFingerprint known{
        .count = static_cast<int64_t>(known_ids_.size()),
        .max_id = known_ids_.empty() ? 0 : *known_ids_.rbegin(),
        .id_sum = known_id_sum_};
    if (known == stored) return Status::Ok();
  }
  // A rule the API adds meanwhile is in the list or is added after the rebuild: AddRule
  // takes the same lock, and the next check settles any difference.
  SPHERE_ASSIGN_OR_RETURN(std::vector<AlertRule> rows, store.ListEnabledAlertRules());
  Rebuild(rows);
  return Status::Ok();
}

size_t AlertEvaluator::rules() const {
  std::shared_lock lock(rules_mutex_);
  return index_.size();
}

size_t AlertEvaluator::IndexBytes() const {
  std::shared_lock lock(rules_mutex_);
  return index_.MemoryBytes();
}

Result<AlertEvaluationReport> AlertEvaluator::Evaluate(Store& store,
                                                       std::span<const int64_t> creator_ids,
                                                       const AlertValuation& valuation,
                                                       UnixSeconds now) {
  if (valuation.model && !valuation.card) {
    return InvalidArgument("alert valuation: a rate card is needed with a model");
  }
  AlertEvaluationReport report;
  report.creators = static_cast<int64_t>(creator_ids.size());
  std::lock_guard evaluating(evaluate_mutex_);
  SPHERE_RETURN_IF_ERROR(SyncRules(store).WithContext("alert rules"));
  std::vector<int64_t> pending(creator_ids.begin(), creator_ids.end());
  for (int round = 0; round < kEvaluationRounds && !pending.empty(); ++round) {
    std::vector<int64_t> stale;
    SPHERE_RETURN_IF_ERROR(
        EvaluateRound(store, pending, valuation, now, /*count=*/round == 0, &report, &stale));
    pending = std::move(stale);
  }
  if (!pending.empty()) {
    return Unavailable("alert evaluation: the states of creator " + std::to_string(pending[0]) +
                       " kept changing under " + std::to_string(kEvaluationRounds) +
                       " evaluations (another process evaluating it); nothing of it was written");
  }
  return report;
}

Status AlertEvaluator::EvaluateRound(Store& store, std::span<const int64_t> creator_ids,
                                     const AlertValuation& valuation, UnixSeconds now, bool count,
                                     AlertEvaluationReport* report, std::vector<int64_t>* stale) {
  alerts::Evaluation evaluation;
  for (const int64_t id : creator_ids) {
    SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> creator, store.GetCreator(id));
    if (!creator) return NotFound("creator " + std::to_string(id) + " is not in the store");
    // The cheap test first: most creators of a bulk import match no rule at all, and then
    // nothing about them is read.
    SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> niche, PlepNicheOf(&store, *creator));
    {
      std::shared_lock lock(rules_mutex_);
      if (!index_.MayMatch(id, creator->platform, niche.value_or(""))) continue;
    }
    bool valued = false;
    SPHERE_ASSIGN_OR_RETURN(
        std::optional<alerts::CreatorState> state,
        BuildCreatorState(store, *creator, niche.value_or(""), valuation, &valued));
    if (!state) continue;
    if (count) {
      ++report->evaluated;
      if (!valued) ++report->unvalued;
    }
    SPHERE_ASSIGN_OR_RETURN(std::vector<AlertState> previous, store.AlertStatesOf(id));
    std::shared_lock lock(rules_mutex_);
    alerts::Evaluate(index_, *state, previous, now, &evaluation);
  }
  if (evaluation.states.empty() && evaluation.firings.empty()) return Status::Ok();
  std::vector<AlertEvent> events;
  events.reserve(evaluation.firings.size());
  for (alerts::Firing& firing : evaluation.firings) {
    AlertEvent event;
    event.rule_id = firing.rule_id;
    event.creator_id = firing.creator_id;
    event.fired_at = firing.at;
    event.payload_json = std::move(firing.payload_json);
    events.push_back(std::move(event));
  }
  SPHERE_ASSIGN_OR_RETURN(Store::AlertCommit commit,
                          store.CommitAlertEvaluation(evaluation.states, events));
  std::ranges::move(commit.events, std::back_inserter(report->events));
  for (const Store::AlertStateKey& key : commit.stale) stale->push_back(key.creator_id);
  std::ranges::sort(*stale);
  stale->erase(std::unique(stale->begin(), stale->end()), stale->end());
  return Status::Ok();
}

}  // namespace sphere::service
