#include "service/model_admin_service.h"

#include <algorithm>

namespace sphere::service {

Result<nlohmann::json> MetricsSummary(std::string_view kind, std::string_view metrics_json) {
  nlohmann::json metrics = nlohmann::json::parse(metrics_json, nullptr, /*allow_exceptions=*/false);
  if (metrics.is_discarded()) return DataLoss("metrics_json is not JSON");
  nlohmann::json summary = nlohmann::json::object();
  if (!metrics.is_object()) return summary;
  auto copy = [&](const char* key) {
    if (auto it = metrics.find(key); it != metrics.end()) summary[key] = *it;
  };
  if (kind == "plep") {
    copy("test");
  } else if (kind == "market_value") {
    copy("final");
  } else if (kind == "niche") {
    copy("evaluated_on");
    copy("classifier");
  } else {
    for (auto it = metrics.begin(); it != metrics.end(); ++it) {
      if (it->is_number() || it->is_string() || it->is_boolean()) summary[it.key()] = *it;
    }
  }
  return summary;
}

Result<std::vector<ModelKindListing>> ListRegisteredModels(Store& store, const Models& serving) {
  std::vector<ModelKindListing> out;
  for (std::string_view kind : kListedModelKinds) {
    ModelKindListing listing;
    listing.kind = std::string(kind);
    if (kind == "plep" && serving.plep) listing.served_version = serving.plep->version();
    if (kind == "market_value" && serving.value) listing.served_version = serving.value->version();
    SPHERE_ASSIGN_OR_RETURN(std::vector<ModelRecord> records, store.ListModels(kind));
    std::stable_sort(
        records.begin(), records.end(), [](const ModelRecord& a, const ModelRecord& b) {
          return a.created_at != b.created_at ? a.created_at > b.created_at : a.id > b.id;
        });
    for (ModelRecord& r : records) {
      Result<nlohmann::json> summary = MetricsSummary(kind, r.metrics_json);
      if (!summary.ok()) {
        return DataLoss("model " + r.kind + " " + r.version + ": " + summary.status().message());
      }
      RegisteredModel m;
      m.served = listing.served_version && *listing.served_version == r.version;
      m.summary = std::move(summary).value();
      m.record = std::move(r);
      listing.models.push_back(std::move(m));
    }
    out.push_back(std::move(listing));
  }
  return out;
}

Result<ServingReload> ReloadServing(Store& store, ModelSet& models, CreatorCache& creators,
                                    CreatorDirectory& directory, ValueRanking& ranking,
                                    UnixSeconds now) {
  const std::shared_ptr<const Models> before = models.Current();
  Result<ReloadReport> reloaded = models.Reload(store, now);
  if (!reloaded.ok()) {
    const Status& error = reloaded.error();
    if (error.code() == Code::kUnavailable) return error;
    return FailedPrecondition(
        "the newest registered model was refused, so nothing changed: still "
        "serving PLEP " +
        before->plep->version() + " and Market Value " + before->value->version() + " (" +
        error.ToString() + ")");
  }
  ServingReload out;
  out.models = std::move(reloaded).value();
  // Both caches hold what the store said at load time: creators keep their histories and the
  // directory its values and scores.
  creators.Clear();
  SPHERE_RETURN_IF_ERROR(directory.Rebuild(store).WithContext(
      "models reloaded, but the creator directory could not be rebuilt"));
  out.directory_creators = directory.size();
  SPHERE_RETURN_IF_ERROR(ranking.Rebuild(store).WithContext(
      "models reloaded, but the value ranking could not be rebuilt"));
  return out;
}

}  // namespace sphere::service
