// The operator's routes: GET /api/v1/models (registered models, which are served) and
// POST /api/v1/admin/models/reload (serve the newest registered models without a restart).
#include "api/api.h"
#include "api/json_out.h"
#include "core/time.h"
#include "service/model_admin_service.h"

namespace sphere::api {
namespace {

using json = nlohmann::ordered_json;

// GET /api/v1/models (admin)
Result<Response> ListModels(const Call& call) {
  ApiContext& ctx = call.context;
  const std::shared_ptr<const service::Models> serving = ctx.models.Current();
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, ctx.stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(std::vector<service::ModelKindListing> kinds,
                          service::ListRegisteredModels(*store, *serving));
  json out;
  out["serving"] = {{"plep", serving->plep->version()},
                    {"market_value", serving->value->version()},
                    {"loaded_at", FormatIsoTime(serving->loaded_at)}};
  json list = json::array();
  for (const service::ModelKindListing& k : kinds) {
    json models = json::array();
    for (const service::RegisteredModel& m : k.models) {
      models.push_back({{"version", m.record.version},
                        {"created_at", FormatIsoTime(m.record.created_at)},
                        {"served", m.served},
                        {"data_hash", m.record.data_hash},
                        {"artifact_path", m.record.artifact_path},
                        {"metrics", m.summary}});
    }
    list.push_back({{"kind", k.kind},
                    {"served_version", k.served_version ? json(*k.served_version) : json(nullptr)},
                    {"models", std::move(models)}});
  }
  out["kinds"] = std::move(list);
  return JsonResponse(out);
}

// POST /api/v1/admin/models/reload (admin)
Result<Response> ReloadModels(const Call& call) {
  ApiContext& ctx = call.context;
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, ctx.stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(service::ServingReload r,
                          service::ReloadServing(*store, ctx.models, ctx.creators, ctx.directory,
                                                 ctx.ranking, ctx.clock()));
  if (ctx.alerts) SPHERE_RETURN_IF_ERROR(ctx.alerts->ReloadScores(*store));
  json out;
  out["changed"] = r.models.changed();
  out["plep"] = {{"before", r.models.plep_before}, {"after", r.models.plep_after}};
  out["market_value"] = {{"before", r.models.value_before}, {"after", r.models.value_after}};
  out["directory_creators"] = r.directory_creators;
  out["message"] = r.models.changed() ? "now serving PLEP " + r.models.plep_after +
                                            " and Market Value " + r.models.value_after
                                      : "already serving the newest models; caches refreshed";
  return JsonResponse(out);
}

}  // namespace

void AddAdminRoutes(Router& router) {
  router.Add({Method::kGet, "/api/v1/models", Access::kAdmin,
              "registered models of each kind and the versions served", ListModels});
  router.Add({Method::kPost, "/api/v1/admin/models/reload", Access::kAdmin,
              "serve the newest registered models and refresh the caches", ReloadModels});
}

}  // namespace sphere::api
