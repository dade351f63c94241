#include "alerts/engine.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <string_view>
#include <utility>

#include "core/niche.h"

namespace sphere::alerts {
namespace {

constexpr size_t kPlatformCount = 3;
constexpr size_t kAnyPlatform = kPlatformCount;  // the bucket slot of "every platform"

// The taxonomy slot of a creator's niche, or nullopt. Accepts a taxonomy id and, because a
// Creator row keeps its source's raw category, a raw category the taxonomy maps.
std::optional<size_t> NicheSlot(std::string_view niche) {
  if (niche.empty()) return std::nullopt;
  const auto niches = Niches();
  for (size_t i = 0; i < niches.size(); ++i) {
    if (niches[i].id == niche) return i;
  }
  const std::optional<std::string_view> mapped = NicheOfCategory(niche);
  if (!mapped) return std::nullopt;
  for (size_t i = 0; i < niches.size(); ++i) {
    if (niches[i].id == *mapped) return i;
  }
  return std::nullopt;
}

// The follower count rules compare, or nullopt when unknown (absent, not finite, negative).
std::optional<int64_t> KnownFollowers(const CreatorState& creator) {
  const std::optional<double> f = creator.Get(Metric::kFollowerCount);
  if (!f || *f < 0 || *f >= 9.2e18) return std::nullopt;
  return static_cast<int64_t>(std::llround(*f));
}

// What a scout scope is checked against, computed once per creator.
struct Admission {
  size_t platform;
  std::optional<size_t> niche;
  std::optional<int64_t> followers;
  int tier;  // -1 when followers are unknown
};

Admission AdmissionOf(const CreatorState& creator) {
  Admission a{static_cast<size_t>(creator.platform), NicheSlot(creator.niche),
              KnownFollowers(creator), -1};
  if (a.followers) a.tier = static_cast<int>(TierOf(*a.followers));
  return a;
}

// The scope test of the buckets and ScoutEntry::Admits, from the rule itself.
bool ScoutAdmits(const ScoutScope& scope, const Admission& a) {
  if (a.platform >= kPlatformCount) return false;
  if (scope.platform && static_cast<size_t>(*scope.platform) != a.platform) return false;
  if (scope.niche && (!a.niche || NicheSlot(*scope.niche) != a.niche)) return false;
  if (!scope.followers_min && !scope.followers_max && !scope.tier) return true;
  if (!a.followers) return false;
  if (scope.followers_min && *a.followers < *scope.followers_min) return false;
  if (scope.followers_max && *a.followers > *scope.followers_max) return false;
  return !scope.tier || static_cast<int>(*scope.tier) == a.tier;
}

// What glibc's malloc really takes for a request of n bytes: an 8-byte header, rounded up to
// 16, at least 32. MemoryBytes counts with it so the estimate is comparable to RSS.
size_t Chunk(size_t n) {
  if (n == 0) return 0;
  return std::max<size_t>(32, (n + 8 + 15) & ~size_t{15});
}

size_t StringHeapBytes(const std::string& s) {
  // libstdc++ keeps up to 15 chars inside the object (SSO); beyond that capacity + 1 on the heap.
  return s.capacity() > 15 ? Chunk(s.capacity() + 1) : 0;
}

// libstdc++'s unordered_map: a bucket array (none while it has a single bucket) and one node
// per element holding the next pointer and the value (int64 keys do not cache their hash).
template <typename Map>
size_t HashMapBytes(const Map& map) {
  size_t bytes = map.bucket_count() > 1 ? Chunk(map.bucket_count() * sizeof(void*)) : 0;
  bytes += map.size() * Chunk(sizeof(void*) + sizeof(typename Map::value_type));
  return bytes;
}

template <typename T>
size_t VectorHeapBytes(const std::vector<T>& v) {
  return Chunk(v.capacity() * sizeof(T));
}

// ---- The payload's JSON, written by hand: it is built for every firing. ----

// The length of the valid UTF-8 sequence starting at s[i] (a non-ASCII byte), or 0.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  uint32_t min;
  if ((c & 0xE0) == 0xC0) {
    n = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// A JSON string. Bytes that are not valid UTF-8 become U+FFFD, so the payload always parses.
void AppendString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(s, i);
      if (n == 0) {
        out->append("\\ufffd");
        ++i;
      } else {
        out->append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xF]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out->push_back('"');
}

// The shortest text that reads back as the same double. Callers pass finite values only.
void AppendNumber(std::string* out, double v) {
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, result.ptr);
}

void AppendInteger(std::string* out, int64_t v) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, result.ptr);
}

void AppendKey(std::string* out, std::string_view key) {
  out->push_back('"');
  out->append(key);  // our own ASCII field names
  out->append("\":");
}

constexpr Metric kMetrics[] = {
    Metric::kEngagementRate, Metric::kFollowerCount, Metric::kMarketScore, Metric::kValue,
    Metric::kFollowerGrowth, Metric::kGrowth,        Metric::kMomentum};

using MetricValues = std::array<std::optional<double>, kMetricCount>;

struct ConditionReport {
  const Condition* condition;
  double observed;
  std::optional<double> reference;  // drop_by: the peak the drop was measured from
};

std::string PayloadJson(const Rule& rule, const CreatorState& creator, const MetricValues& values,
                        std::span<const ConditionReport> conditions) {
  std::string out;
  out.reserve(512);
  out.append("{\"rule\":{");
  AppendKey(&out, "id");
  AppendInteger(&out, rule.id);
  out.push_back(',');
  AppendKey(&out, "name");
  AppendString(&out, rule.name);
  out.push_back(',');
  AppendKey(&out, "type");
  AppendString(&out, std::holds_alternative<CreatorScope>(rule.scope) ? "creator" : "scout");
  out.append("},\"creator\":{");
  AppendKey(&out, "id");
  AppendInteger(&out, creator.creator_id);
  out.push_back(',');
  AppendKey(&out, "platform");
  AppendString(&out, ToString(creator.platform));
  out.push_back(',');
  AppendKey(&out, "handle");
  AppendString(&out, creator.handle);
  out.push_back(',');
  AppendKey(&out, "niche");
  AppendString(&out, creator.niche);
  out.append("},");
  AppendKey(&out, "as_of");
  AppendInteger(&out, creator.as_of);
  out.append(",\"conditions\":[");
  for (size_t i = 0; i < conditions.size(); ++i) {
    const ConditionReport& c = conditions[i];
    if (i > 0) out.push_back(',');
    out.push_back('{');
    AppendKey(&out, "metric");
    AppendString(&out, ToString(c.condition->metric));
    out.push_back(',');
    AppendKey(&out, "op");
    AppendString(&out, ToString(c.condition->op));
    out.push_back(',');
    AppendKey(&out, "threshold");
    AppendNumber(&out, c.condition->threshold);
    out.push_back(',');
    AppendKey(&out, "observed");
    AppendNumber(&out, c.observed);
    if (c.reference) {
      out.push_back(',');
      AppendKey(&out, "reference");
      AppendNumber(&out, *c.reference);
    }
    out.push_back('}');
  }
  out.append("],\"metrics\":{");
  bool first = true;
  for (Metric m : kMetrics) {
    const std::optional<double>& v = values[static_cast<size_t>(m)];
    if (!v) continue;
    if (!first) out.push_back(',');
    first = false;
    AppendKey(&out, ToString(m));
    AppendNumber(&out, *v);
  }
  out.append("}}");
  return out;
}
bool Holds(Metric metric, Op op, double threshold, const MetricValues& values) {
  const std::optional<double>& v = values[static_cast<size_t>(metric)];
  if (!v) return false;  // never fires on missing data
  return op == Op::kAbove ? *v > threshold : *v < threshold;
}

// A scout rule in its bucket, with what evaluation reads copied inline: scanning a bucket
// reads one contiguous array instead of chasing every rule and its conditions vector (two
// cache misses per candidate, most of the time at 100k rules). The Rule itself is read only
// when the rule fires or its state changes.
struct ScoutEntry {
  struct InlineCondition {
    double threshold;
    Metric metric;
    Op op;
  };
  static constexpr size_t kInline = 3;

  const Rule* rule;
  int64_t rule_id;
  int64_t followers_min;  // inclusive; INT64_MIN when unbounded
  int64_t followers_max;  // inclusive; INT64_MAX when unbounded
  std::array<InlineCondition, kInline> conditions;
  uint8_t condition_count;  // more than kInline: read them from the rule
  int8_t tier;              // -1: any tier
  bool needs_followers;     // a bound or a tier: not a candidate while followers are unknown

  bool Admits(std::optional<int64_t> followers, int follower_tier) const {
    if (!needs_followers) return true;
    if (!followers || *followers < followers_min || *followers > followers_max) return false;
    return tier < 0 || tier == follower_tier;
  }

  bool AllHold(const MetricValues& values) const {
    if (condition_count <= kInline) {
      for (size_t i = 0; i < condition_count; ++i) {
        if (!Holds(conditions[i].metric, conditions[i].op, conditions[i].threshold, values)) {
          return false;
        }
      }
      return true;
    }
    for (const Condition& c : std::get<ScoutScope>(rule->scope).conditions) {
      if (!Holds(c.metric, c.op, c.threshold, values)) return false;
    }
    return true;
  }
};

// Finds a rule's previous state for one creator among `previous`.
class PreviousStates {
 public:
  // `sorted`: every state is this creator's and they are sorted by rule_id (InMemoryEngine).
  PreviousStates(std::span<const AlertState> previous, int64_t creator_id, bool sorted,
                 std::vector<std::pair<int64_t, const AlertState*>>* scratch)
      : previous_(previous), creator_id_(creator_id), sorted_(sorted), index_(scratch) {
    index_->clear();
    if (!sorted_ && previous_.size() > kLinearScanMax) {
      for (const AlertState& s : previous_) {
        if (s.creator_id == creator_id_) index_->emplace_back(s.rule_id, &s);
      }
      // stable: the first of two states of one rule wins, as with the linear scan.
      std::stable_sort(index_->begin(), index_->end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
    }
  }

  const AlertState* Find(int64_t rule_id) const {
    if (previous_.empty()) return nullptr;
    if (sorted_) {
      auto it = std::lower_bound(previous_.begin(), previous_.end(), rule_id,
                                 [](const AlertState& s, int64_t id) { return s.rule_id < id; });
      return it != previous_.end() && it->rule_id == rule_id ? &*it : nullptr;
    }
    if (previous_.size() <= kLinearScanMax) {
      for (const AlertState& s : previous_) {
        if (s.rule_id == rule_id && s.creator_id == creator_id_) return &s;
      }
      return nullptr;
    }
    auto it = std::lower_bound(index_->begin(), index_->end(), rule_id,
                               [](const auto& entry, int64_t id) { return entry.first < id; });
    return it != index_->end() && it->first == rule_id ? it->second : nullptr;
  }

 private:
  static constexpr size_t kLinearScanMax = 16;
  std::span<const AlertState> previous_;
  int64_t creator_id_;
  bool sorted_;
  std::vector<std::pair<int64_t, const AlertState*>>* index_;
};

struct Scratch {
  std::vector<std::pair<int64_t, const AlertState*>> previous_index;
  std::vector<ConditionReport> reports;
};

// One creator's evaluation: each candidate's condition, then Settle decides the firing and
// the state.
class Evaluator {
 public:
  Evaluator(const RuleIndex& index, const CreatorState& creator,
            std::span<const AlertState> previous, bool previous_sorted, UnixSeconds now,
            Scratch* scratch, Evaluation* out)
      : index_(index),
        creator_(creator),
        admission_(AdmissionOf(creator)),
        previous_(previous),
        states_(previous, creator.creator_id, previous_sorted, &scratch->previous_index),
        now_(now),
        scratch_(scratch),
        out_(out) {
    for (Metric m : kMetrics) values_[static_cast<size_t>(m)] = creator.Get(m);
  }

  void CreatorRule(const Rule& rule) {
    const Condition& c = std::get<CreatorScope>(rule.scope).condition;
    const AlertState* prev = states_.Find(rule.id);
    std::optional<double> reference = prev ? prev->reference : std::nullopt;
    if (c.op != Op::kDropBy) {
      Settle(rule, prev, Holds(c.metric, c.op, c.threshold, values_), reference);
      return;
    }
    const std::optional<double>& observed = values_[static_cast<size_t>(c.metric)];
    if (observed) reference = reference ? std::max(*reference, *observed) : *observed;
    // A peak of zero has nothing to fall from (and 0 <= 0 would fire forever).
    const bool holds = observed && *reference > 0 && *observed <= (1 - c.threshold) * *reference;
    Settle(rule, prev, holds, reference);
  }

  const Admission& admission() const { return admission_; }

  // Only a scout rule that holds is looked up among the states here: one that does not hold
  // changes only a state that was inside, and LeaveScoutRules finds those from the states
  // (a handful) instead of searching them for every candidate (hundreds).
  void ScoutRule(const ScoutEntry& entry) {
    if (!entry.AllHold(values_)) return;
    const AlertState* prev = states_.Find(entry.rule_id);
    if (prev != nullptr && prev->inside) return;  // holds and held: one event per crossing
    Settle(*entry.rule, prev, /*holds=*/true, prev ? prev->reference : std::nullopt);
  }

  // The scout rules whose state is inside, that are still candidates and no longer hold.
  void LeaveScoutRules() {
    for (const AlertState& state : previous_) {
      if (!state.inside || state.creator_id != creator_.creator_id) continue;
      if (states_.Find(state.rule_id) != &state) continue;  // a duplicate: the first counts
      const Rule* rule = index_.Find(state.rule_id);
      if (rule == nullptr || !rule->enabled) continue;
      const auto* scout = std::get_if<ScoutScope>(&rule->scope);
      if (scout == nullptr || !ScoutAdmits(*scout, admission_)) continue;
      bool holds = true;
      for (const Condition& c : scout->conditions) {
        if (!Holds(c.metric, c.op, c.threshold, values_)) {
          holds = false;
          break;
        }
      }
      if (!holds) Settle(*rule, &state, /*holds=*/false, state.reference);
    }
  }

 private:
  // `reference`: drop_by's peak including the current value; otherwise the stored one.
  void Settle(const Rule& rule, const AlertState* prev, bool holds,
              std::optional<double> reference) {
    const bool was_inside = prev != nullptr && prev->inside;
    const std::optional<double> old_reference = prev ? prev->reference : std::nullopt;
    const std::optional<UnixSeconds> old_fired = prev ? prev->last_fired_at : std::nullopt;
    std::optional<UnixSeconds> last_fired = old_fired;
    bool inside = holds;
    if (holds && !was_inside) {
      // A clock that went backwards (last_fired > now) counts as within the cooldown.
      const bool cooling =
          last_fired && (*last_fired > now_ || now_ - *last_fired < rule.cooldown_seconds);
      if (!cooling) {
        Fire(rule, reference);
        last_fired = now_;
        const auto* creator_scope = std::get_if<CreatorScope>(&rule.scope);
        if (creator_scope != nullptr && creator_scope->condition.op == Op::kDropBy) {
          // The peak restarts from here, and against it the condition does not hold (a drop
          // of threshold > 0 from the current value), so the next such drop fires again.
          reference = values_[static_cast<size_t>(creator_scope->condition.metric)];
          inside = false;
        }
      }
    }
    if (inside != was_inside || reference != old_reference || last_fired != old_fired) {
      // The revision read: the store writes this state only if no one else has meanwhile.
      out_->states.push_back({rule.id, creator_.creator_id, inside, reference, last_fired,
                              /*updated_at=*/now_, /*revision=*/prev ? prev->revision : 0});
    }
  }

  void Fire(const Rule& rule, std::optional<double> reference) {
    std::vector<ConditionReport>& reports = scratch_->reports;
    reports.clear();
    if (const auto* creator_scope = std::get_if<CreatorScope>(&rule.scope)) {
      const Condition& c = creator_scope->condition;
      reports.push_back({&c, *values_[static_cast<size_t>(c.metric)],
                         c.op == Op::kDropBy ? reference : std::nullopt});
    } else {
      for (const Condition& c : std::get<ScoutScope>(rule.scope).conditions) {
        reports.push_back({&c, *values_[static_cast<size_t>(c.metric)], std::nullopt});
      }
    }
    out_->firings.push_back({rule.id, rule.owner_user_id, creator_.creator_id, now_,
                             PayloadJson(rule, creator_, values_, reports)});
  }

  const RuleIndex& index_;
  const CreatorState& creator_;
  Admission admission_;
  std::span<const AlertState> previous_;
  MetricValues values_;
  PreviousStates states_;
  UnixSeconds now_;
  Scratch* scratch_;
  Evaluation* out_;
};

}  // namespace

std::optional<double> CreatorState::Get(Metric metric) const {
  const std::optional<double>* v = nullptr;
  switch (metric) {
    case Metric::kEngagementRate:
      v = &engagement_rate;
      break;
    case Metric::kFollowerCount:
      v = &followers;
      break;
    case Metric::kMarketScore:
      v = &market_score;
      break;
    case Metric::kValue:
      v = &value;
      break;
    case Metric::kFollowerGrowth:
      v = &follower_growth;
      break;
    case Metric::kGrowth:
      v = &growth;
      break;
    case Metric::kMomentum:
      v = &momentum;
      break;
  }
  // NaN or infinity is no measurement: treated as unknown, never compared.
  if (v == nullptr || !v->has_value() || !std::isfinite(**v)) return std::nullopt;
  return *v;
}

// ---- RuleIndex ----

struct RuleIndex::Impl {
  size_t niche_slots = Niches().size() + 1;  // + the "any niche" slot (the last)
  // Node-based, so the Rule* held by the buckets stay valid while other rules come and go.
  std::unordered_map<int64_t, Rule> rules;
  std::unordered_map<int64_t, std::vector<const Rule*>> by_creator;
  // (platform slot) x (niche slot); slot kAnyPlatform and niche_slots - 1 are wildcards.
  std::vector<std::vector<ScoutEntry>> buckets =
      std::vector<std::vector<ScoutEntry>>((kPlatformCount + 1) * niche_slots);

  size_t Bucket(size_t platform_slot, size_t niche_slot) const {
    return platform_slot * niche_slots + niche_slot;
  }
  size_t BucketOf(const ScoutScope& scout) const {
    const size_t p = scout.platform ? static_cast<size_t>(*scout.platform) : kAnyPlatform;
    size_t n = niche_slots - 1;
    if (scout.niche) n = *NicheSlot(*scout.niche);  // validated: a taxonomy id
    return Bucket(p, n);
  }

  void Link(const Rule& rule) {
    if (!rule.enabled) return;
    if (const auto* creator = std::get_if<CreatorScope>(&rule.scope)) {
      by_creator[creator->creator_id].push_back(&rule);
      return;
    }
    const auto& scout = std::get<ScoutScope>(rule.scope);
    ScoutEntry entry{};
    entry.rule = &rule;
    entry.rule_id = rule.id;
    entry.followers_min = scout.followers_min.value_or(std::numeric_limits<int64_t>::min());
    entry.followers_max = scout.followers_max.value_or(std::numeric_limits<int64_t>::max());
    entry.condition_count = static_cast<uint8_t>(scout.conditions.size());
    for (size_t i = 0; i < scout.conditions.size() && i < ScoutEntry::kInline; ++i) {
      const Condition& c = scout.conditions[i];
      entry.conditions[i] = {c.threshold, c.metric, c.op};
    }
    entry.tier = scout.tier ? static_cast<int8_t>(*scout.tier) : int8_t{-1};
    entry.needs_followers = scout.followers_min || scout.followers_max || scout.tier;
    buckets[BucketOf(scout)].push_back(entry);
  }

  void Unlink(const Rule& rule) {
    if (!rule.enabled) return;
    if (const auto* creator = std::get_if<CreatorScope>(&rule.scope)) {
      auto it = by_creator.find(creator->creator_id);
      if (it == by_creator.end()) return;
      std::erase(it->second, &rule);
      if (it->second.empty()) by_creator.erase(it);
      return;
    }
    std::erase_if(buckets[BucketOf(std::get<ScoutScope>(rule.scope))],
                  [&rule](const ScoutEntry& e) { return e.rule == &rule; });
  }

  // Calls on_creator(const Rule&) for the creator's rules and on_scout(const ScoutEntry&) for
  // the scout rules whose scope admits it, reading only its own buckets.
  template <typename OnCreator, typename OnScout>
  void ForEachCandidate(int64_t creator_id, const Admission& admission, OnCreator&& on_creator,
                        OnScout&& on_scout) const {
    if (auto it = by_creator.find(creator_id); it != by_creator.end()) {
      for (const Rule* rule : it->second) on_creator(*rule);
    }
    const size_t platform = admission.platform;
    if (platform >= kPlatformCount) return;
    const std::optional<size_t>& niche = admission.niche;
    const std::optional<int64_t>& followers = admission.followers;
    const int tier = admission.tier;
    const size_t any_niche = niche_slots - 1;
    size_t slots[4];
    size_t n = 0;
    if (niche) slots[n++] = Bucket(platform, *niche);
    slots[n++] = Bucket(platform, any_niche);
    if (niche) slots[n++] = Bucket(kAnyPlatform, *niche);
    slots[n++] = Bucket(kAnyPlatform, any_niche);
    for (size_t b = 0; b < n; ++b) {
      for (const ScoutEntry& e : buckets[slots[b]]) {
        if (e.Admits(followers, tier)) on_scout(e);
      }
    }
  }
};

// Lets the evaluation below walk the buckets itself (RuleIndex befriends it).
struct IndexAccess {
  static const RuleIndex::Impl& Of(const RuleIndex& index) { return *index.impl_; }
};

RuleIndex::RuleIndex() : impl_(std::make_unique<Impl>()) {}
RuleIndex::~RuleIndex() = default;
RuleIndex::RuleIndex(RuleIndex&&) noexcept = default;
RuleIndex& RuleIndex::operator=(RuleIndex&&) noexcept = default;

Status RuleIndex::Add(Rule rule) {
  SPHERE_RETURN_IF_ERROR(ValidateRule(rule));
  Remove(rule.id);
  const int64_t id = rule.id;
  auto [it, inserted] = impl_->rules.emplace(id, std::move(rule));
  impl_->Link(it->second);
  return Status::Ok();
}

bool RuleIndex::Remove(int64_t rule_id) {
  auto it = impl_->rules.find(rule_id);
  if (it == impl_->rules.end()) return false;
  impl_->Unlink(it->second);
  impl_->rules.erase(it);
  return true;
}

const Rule* RuleIndex::Find(int64_t rule_id) const {
  auto it = impl_->rules.find(rule_id);
  return it == impl_->rules.end() ? nullptr : &it->second;
}

size_t RuleIndex::size() const { return impl_->rules.size(); }

void RuleIndex::Candidates(const CreatorState& creator, std::vector<const Rule*>* out) const {
  impl_->ForEachCandidate(
      creator.creator_id, AdmissionOf(creator), [out](const Rule& rule) { out->push_back(&rule); },
      [out](const ScoutEntry& entry) { out->push_back(entry.rule); });
}

bool RuleIndex::MayMatch(int64_t creator_id, Platform platform, std::string_view niche) const {
  if (impl_->by_creator.contains(creator_id)) return true;
  const auto p = static_cast<size_t>(platform);
  if (p >= kPlatformCount) return false;
  const size_t any_niche = impl_->niche_slots - 1;
  if (!impl_->buckets[impl_->Bucket(p, any_niche)].empty() ||
      !impl_->buckets[impl_->Bucket(kAnyPlatform, any_niche)].empty()) {
    return true;
  }
  const std::optional<size_t> slot = NicheSlot(niche);
  return slot && (!impl_->buckets[impl_->Bucket(p, *slot)].empty() ||
                  !impl_->buckets[impl_->Bucket(kAnyPlatform, *slot)].empty());
}

// Counted: the Impl and every heap block the containers hold, at glibc's chunk size
// (Chunk): the rules map's bucket array and nodes, each rule's heap strings (name, niche
// beyond the 15-byte SSO) and conditions array, the by-creator map with its vectors, and the
// bucket vectors at their capacity. Not counted: malloc's free lists and fragmentation (the
// benchmark reports the resident set growth beside this).
size_t RuleIndex::MemoryBytes() const {
  size_t bytes = sizeof(RuleIndex) + Chunk(sizeof(Impl));
  bytes += HashMapBytes(impl_->rules);
  for (const auto& [id, rule] : impl_->rules) {
    bytes += StringHeapBytes(rule.name);
    if (const auto* scout = std::get_if<ScoutScope>(&rule.scope)) {
      if (scout->niche) bytes += StringHeapBytes(*scout->niche);
      bytes += VectorHeapBytes(scout->conditions);
    }
  }
  bytes += HashMapBytes(impl_->by_creator);
  for (const auto& [id, rules] : impl_->by_creator) bytes += VectorHeapBytes(rules);
  bytes += VectorHeapBytes(impl_->buckets);
  for (const auto& bucket : impl_->buckets) bytes += VectorHeapBytes(bucket);
  return bytes;
}

// ---- Evaluate and InMemoryEngine ----

namespace {

void EvaluateWith(const RuleIndex& index, const CreatorState& creator,
                  std::span<const AlertState> previous, bool previous_sorted, UnixSeconds now,
                  Scratch* scratch, Evaluation* out) {
  Evaluator evaluator(index, creator, previous, previous_sorted, now, scratch, out);
  IndexAccess::Of(index).ForEachCandidate(
      creator.creator_id, evaluator.admission(),
      [&evaluator](const Rule& rule) { evaluator.CreatorRule(rule); },
      [&evaluator](const ScoutEntry& entry) { evaluator.ScoutRule(entry); });
  evaluator.LeaveScoutRules();
}

}  // namespace

void Evaluate(const RuleIndex& index, const CreatorState& creator,
              std::span<const AlertState> previous, UnixSeconds now, Evaluation* out) {
  // Reused across calls on one thread: Evaluate runs once per ingested creator.
  thread_local Scratch scratch;
  EvaluateWith(index, creator, previous, /*previous_sorted=*/false, now, &scratch, out);
}

std::vector<Firing> InMemoryEngine::Observe(const CreatorState& creator, UnixSeconds now) {
  thread_local Scratch scratch;
  scratch_.states.clear();
  scratch_.firings.clear();
  auto it = states_.find(creator.creator_id);
  std::span<const AlertState> previous;
  if (it != states_.end()) previous = it->second;
  EvaluateWith(index_, creator, previous, /*previous_sorted=*/true, now, &scratch, &scratch_);
  if (!scratch_.states.empty()) {
    // Kept sorted by rule_id, so the next evaluation finds a state by binary search.
    std::vector<AlertState>& kept = it != states_.end() ? it->second : states_[creator.creator_id];
    for (AlertState& state : scratch_.states) {
      auto pos = std::lower_bound(kept.begin(), kept.end(), state.rule_id,
                                  [](const AlertState& s, int64_t id) { return s.rule_id < id; });
      if (pos != kept.end() && pos->rule_id == state.rule_id) {
        *pos = std::move(state);
      } else {
        kept.insert(pos, std::move(state));
      }
    }
  }
  return std::move(scratch_.firings);
}

}  // namespace sphere::alerts
