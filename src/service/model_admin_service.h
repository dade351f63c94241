// The operator's view of the models a server answers with: every registered model of each
// kind with a summary of its metrics and whether it is the one being served, and reloading
// the newest registered models into a running server (ModelSet::Reload) together with the
// caches that depend on the store (creators, directory).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "service/creator_cache.h"
#include "service/creator_directory.h"
#include "service/model_set.h"
#include "service/value_ranking.h"
#include "store/store.h"

namespace sphere::service {

// The kinds listed, in this order: the two a server serves, then the niche classifier (applied
// offline by `sphere train niche`, never served).
inline constexpr std::string_view kListedModelKinds[] = {"plep", "market_value", "niche"};

struct RegisteredModel {
  ModelRecord record;      // manifest_json and metrics_json as stored
  nlohmann::json summary;  // MetricsSummary of the record
  bool served = false;     // the version this server answers with
};

struct ModelKindListing {
  std::string kind;
  std::optional<std::string> served_version;  // nullopt for a kind no server serves
  std::vector<RegisteredModel> models;        // newest created_at first
};

// Every registered model of kListedModelKinds with what `serving` holds. A record whose
// metrics_json is not JSON is DataLoss naming it.
Result<std::vector<ModelKindListing>> ListRegisteredModels(Store& store, const Models& serving);

// The headline metrics of a model's metrics_json: for "plep" its "test" block, for
// "market_value" its "final" block, for "niche" "evaluated_on" and the "classifier" block;
// for another kind the top-level numbers and strings. DataLoss when `metrics_json` is not JSON.
Result<nlohmann::json> MetricsSummary(std::string_view kind, std::string_view metrics_json);

struct ServingReload {
  ReloadReport models;
  int64_t directory_creators = 0;  // after the rebuild
};

// Loads the newest registered models and swaps them in, then empties the creator cache and
// rebuilds the directory and the value ranking from the store (a reload is how another replica's
// writes and a new `sphere value` run reach this server). When the newest model is refused the
// models served stay and the error is FailedPrecondition saying so and which versions are still
// served, with the loader's reason (Unavailable when the store cannot be reached stays
// Unavailable).
Result<ServingReload> ReloadServing(Store& store, ModelSet& models, CreatorCache& creators,
                                    CreatorDirectory& directory, ValueRanking& ranking,
                                    UnixSeconds now);

}  // namespace sphere::service
