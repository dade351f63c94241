#include "testing/alert_seed.h"

#include <optional>
#include <string>

namespace sphere::testing {

std::string FollowerRuleJson(int64_t creator_id, int64_t threshold) {
  return R"({"type":"creator","creator_id":)" + std::to_string(creator_id) +
         R"(,"metric":"follower_count","condition":"above","threshold":)" +
         std::to_string(threshold) + "}";
}

Result<AlertSeed> SeedCreatorRule(Store& store, UnixSeconds at, int64_t followers,
                                  int64_t threshold) {
  AlertSeed seed;
  SPHERE_ASSIGN_OR_RETURN(seed.brand, store.CreateUser(User{.name = "brand",
                                                           .role = Role::kBrand,
                                                           .api_key_hash = "hash-brand",
                                                           .created_at = at}));
  ImportBatch batch;
  batch.creators.push_back(Creator{.platform = Platform::kInstagram,
                                   .handle = "ana",
                                   .followers = followers,
                                   .stats_as_of = at,
                                   .source = "test"});
  batch.snapshots.push_back(Snapshot{.platform = Platform::kInstagram,
                                     .creator_handle = "ana",
                                     .taken_at = at,
                                     .source = "test",
                                     .followers = followers});
  SPHERE_RETURN_IF_ERROR(store.WriteBatch(batch).status());
  SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> creator,
                          store.FindCreator(Platform::kInstagram, "ana"));
  if (!creator) return Internal("ana was written but is not found");
  seed.creator_id = creator->id;
  SPHERE_ASSIGN_OR_RETURN(
      seed.rule, store.CreateAlertRule(AlertRule{
                     .owner_user_id = seed.brand.id,
                     .name = "ana above " + std::to_string(threshold),
                     .condition_json = FollowerRuleJson(seed.creator_id, threshold),
                     .created_at = at}));
  return seed;
}

}  // namespace sphere::testing
