#include "service/value_ranking.h"

namespace sphere::service {

Result<std::shared_ptr<const ValueRanking::Snapshot>> ValueRanking::Load(Store& store) {
  auto snapshot = std::make_shared<Snapshot>();
  std::vector<market::RankEntry> entries;
  SPHERE_RETURN_IF_ERROR(store.ForEachLatestMarketValue(
      [&](const MarketValue& v) {
        market::RankEntry e;
        e.creator_id = static_cast<int64_t>(snapshot->values.size());  // position: maps back
        e.platform = v.platform;
        e.handle = v.creator_handle;
        e.niche = v.niche;
        e.followers = v.followers;
        e.value = v.fee_mid;
        e.score = v.score;
        e.momentum = v.momentum;
        entries.push_back(std::move(e));
        MarketValue light = v;
        light.evidence_json = "{}";  // skipped by the store: the ranking never reads it
        snapshot->values.push_back(std::move(light));
        return Status::Ok();
      },
      Store::EvidenceColumn::kSkip));
  snapshot->index = market::RankIndex::Build(std::move(entries));
  return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

Result<std::unique_ptr<ValueRanking>> ValueRanking::Build(Store& store) {
  SPHERE_ASSIGN_OR_RETURN(std::shared_ptr<const Snapshot> snapshot, Load(store));
  return std::unique_ptr<ValueRanking>(new ValueRanking(std::move(snapshot)));
}

Status ValueRanking::Rebuild(Store& store) {
  SPHERE_ASSIGN_OR_RETURN(std::shared_ptr<const Snapshot> snapshot, Load(store));
  current_.store(std::move(snapshot));
  return Status::Ok();
}

Result<std::vector<MarketValue>> ValueRanking::Query(const market::RankQuery& query) const {
  SPHERE_RETURN_IF_ERROR(market::ValidateRankQuery(query));
  const std::shared_ptr<const Snapshot> snapshot = current_.load();
  std::vector<MarketValue> answer;
  for (const market::RankEntry* e : snapshot->index.Query(query)) {
    answer.push_back(snapshot->values[static_cast<size_t>(e->creator_id)]);
  }
  return answer;
}

size_t ValueRanking::size() const { return current_.load()->values.size(); }

}  // namespace sphere::service
