// The latest stored Market Values, ranked in memory: what `sphere rank` and GET /api/v1/rank
// answer from. Built in one pass over the store (evidence skipped) into a market::RankIndex,
// so a server answers a rank query in microseconds instead of re-reading every value (3-4 s
// at 1M creators). A server rebuilds it when it reloads (a new `sphere value` run).
//
// Thread-safe: queries read an immutable snapshot; Rebuild swaps a new one in.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "market/rank_index.h"
#include "store/store.h"

namespace sphere::service {

class ValueRanking {
 public:
  static Result<std::unique_ptr<ValueRanking>> Build(Store& store);

  // The values matching the query, in its order; InvalidArgument (ValidateRankQuery) for an
  // invalid one. Values carry no evidence (evidence_json is "{}").
  Result<std::vector<MarketValue>> Query(const market::RankQuery& query) const;

  Status Rebuild(Store& store);
  size_t size() const;

 private:
  struct Snapshot {
    market::RankIndex index;
    std::vector<MarketValue> values;  // by RankEntry::creator_id, which holds the position
  };
  explicit ValueRanking(std::shared_ptr<const Snapshot> snapshot) : current_(std::move(snapshot)) {}
  static Result<std::shared_ptr<const Snapshot>> Load(Store& store);

  std::atomic<std::shared_ptr<const Snapshot>> current_;
};

}  // namespace sphere::service
