// The alerts engine: which rules one creator's new numbers can affect, and which of them fire.
//
// Event-driven, not a timed scan: an ingest hands the creators it touched to the evaluator
// (service/alert_evaluator.h), which builds each one's CreatorState and calls Evaluate. The
// RuleIndex finds the candidate rules without looking at the others: creator rules by
// creator id; scout rules by (platform, niche) buckets with wildcards (a rule naming neither
// sits in the "any/any" bucket), then the follower range and tier.
//
// Crossings and de-duplication. For each candidate rule the engine keeps an AlertState per
// creator (the caller stores it; the engine holds none):
//   - the condition holds now and did not at the last evaluation (or there was none): a
//     crossing. It fires, unless the rule fired for this creator less than cooldown_seconds
//     ago; either way the state becomes `inside`.
//   - it holds and held: nothing (one event per crossing).
//   - it does not hold: the state leaves `inside`, so the next crossing can fire.
//   - drop_by: `reference` is the metric's peak since the rule last fired; the condition holds
//     when the metric is at most (1 - threshold) x reference. A firing restarts the peak from
//     the current value; measured from the restarted peak the condition does not hold, so the
//     state is not `inside` after a firing and the next fall by `threshold` fires again. A
//     peak of 0 never fires.
// above / below are strict (> and <). A metric the state does not know (absent, NaN or
// infinite) makes a condition false (never fires on missing data).
//
// Thread safety: a RuleIndex is not synchronised; Evaluate only reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "alerts/rule.h"
#include "core/domain.h"
#include "core/status.h"

namespace sphere::alerts {

// What rules read about one creator at one instant. Built by the evaluator from the store and
// the Market Value model (or by the backtest from a replayed history).
struct CreatorState {
  int64_t creator_id = 0;
  Platform platform = Platform::kInstagram;
  std::string handle;
  std::string niche;      // "" when unknown
  UnixSeconds as_of = 0;  // the newest observation the numbers come from
  std::optional<double> engagement_rate;
  std::optional<double> followers;
  std::optional<double> market_score;
  std::optional<double> value;
  std::optional<double> follower_growth;
  std::optional<double> growth;
  std::optional<double> momentum;

  std::optional<double> Get(Metric metric) const;
};

class RuleIndex {
 public:
  RuleIndex();
  ~RuleIndex();
  RuleIndex(RuleIndex&&) noexcept;
  RuleIndex& operator=(RuleIndex&&) noexcept;

  // Adds the rule (replacing one with the same id). InvalidArgument when ValidateRule refuses
  // it; a disabled rule is accepted and never a candidate.
  Status Add(Rule rule);
  // Removes the rule with this id; false when there was none.
  bool Remove(int64_t rule_id);
  const Rule* Find(int64_t rule_id) const;
  size_t size() const;

  // Appends to `out` the enabled rules that can match the creator: its creator rules, and the
  // scout rules whose platform, niche, tier and follower range admit it (a scout rule with a
  // follower bound or tier is not a candidate while followers are unknown). Each at most once.
  void Candidates(const CreatorState& creator, std::vector<const Rule*>* out) const;

  // Whether any rule at all could match a creator of this platform and niche, or this id: the
  // cheap test an ingest makes before building a CreatorState.
  bool MayMatch(int64_t creator_id, Platform platform, std::string_view niche) const;

  // Bytes the index holds (rules, their strings and the buckets), for the memory-per-rule
  // benchmark: every heap block of its containers at glibc's chunk size (header and 16-byte
  // rounding included), hash maps' bucket arrays and nodes, strings beyond the 15-byte SSO,
  // vectors at their capacity. malloc's free lists and fragmentation are not counted.
  size_t MemoryBytes() const;

 private:
  friend struct IndexAccess;  // engine.cc: Evaluate walks the buckets without a candidate list
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One firing, before the store gives it an id.
struct Firing {
  int64_t rule_id = 0;
  int64_t owner_user_id = 0;
  int64_t creator_id = 0;
  UnixSeconds at = 0;
  // {"rule":{"id","name","type"},"creator":{"id","platform","handle","niche"},"as_of",
  //  "conditions":[{"metric","op","threshold","observed","reference"?}],
  //  "metrics":{<every known metric>}}
  std::string payload_json;
};

struct Evaluation {
  std::vector<AlertState> states;  // changed (to store): updated_at = now, revision as read
  std::vector<Firing> firings;
};

// Evaluates every candidate rule of `creator` against its previous states (any order; states
// of other rules are ignored) at wall time `now` (cooldowns and updated_at use it). Appends to
// `out`, so one Evaluation can gather a batch of creators.
void Evaluate(const RuleIndex& index, const CreatorState& creator,
              std::span<const AlertState> previous, UnixSeconds now, Evaluation* out);

// The engine with its states in memory: what the backtest and the benchmark drive (the
// server keeps states in the store instead).
class InMemoryEngine {
 public:
  explicit InMemoryEngine(RuleIndex index) : index_(std::move(index)) {}
  // Evaluates and keeps the new states; returns this call's firings.
  std::vector<Firing> Observe(const CreatorState& creator, UnixSeconds now);
  const RuleIndex& index() const { return index_; }
  size_t states() const { return states_.size(); }

 private:
  RuleIndex index_;
  std::unordered_map<int64_t, std::vector<AlertState>> states_;  // by creator id
  Evaluation scratch_;
};

}  // namespace sphere::alerts
