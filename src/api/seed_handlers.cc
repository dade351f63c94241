// The seed's contract under /api/v1, unchanged paths and JSON field names, backed by the real
// models and store. Each handler decodes, calls service/, encodes.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <system_error>

#include "api/api.h"
#include "api/errors.h"
#include "api/json_input.h"
#include "api/json_out.h"
#include "api/json_writer.h"
#include "api/query.h"
#include "core/niche.h"
#include "core/time.h"
#include "service/creator_alerts.h"
#include "service/ingestion_service.h"
#include "service/plep_service.h"

namespace sphere::api {
namespace {

constexpr size_t kMaxCaptionBytes = 10'000;

// A creator named by a JSON string or integer (seed clients send either).
Result<std::string> CreatorNameField(const nlohmann::json& body, std::string_view field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null())
    return InvalidArgument(std::string(field) + ": is required");
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  if (it->is_string()) return it->get<std::string>();
  return InvalidArgument(std::string(field) + ": must be a string or an integer, got " +
                         std::string(it->type_name()));
}

// The image the seed's mock_image_path names, read from under the server's image root.
Result<features::VisualFeatures> ImageAtPath(ApiContext& context, const std::string& path) {
  const std::string field = "mock_image_path: ";
  if (context.options.image_root.empty()) {
    return InvalidArgument(field +
                           "this server reads no image paths (start it with "
                           "--image-root DIR); upload the image to POST /api/v1/plep instead");
  }
  if (context.images == nullptr) {
    return FailedPrecondition(field + "image features are not available on this server");
  }
  const std::filesystem::path relative(path);
  if (relative.is_absolute() || path.find('\0') != std::string::npos) {
    return InvalidArgument(field + "must be relative to the image root");
  }
  std::error_code error;
  const std::filesystem::path root = std::filesystem::canonical(context.options.image_root, error);
  if (error)
    return Unavailable("image root " + context.options.image_root.string() + ": " +
                       error.message());
  const std::filesystem::path full = std::filesystem::weakly_canonical(root / relative, error);
  if (error) return InvalidArgument(field + "cannot be resolved: " + error.message());
  const auto [root_end, full_at] =
      std::mismatch(root.begin(), root.end(), full.begin(), full.end());
  if (root_end != root.end()) return InvalidArgument(field + "leaves the image root");
  if (!std::filesystem::is_regular_file(full, error)) {
    return InvalidArgument(field + "no image '" + path + "' under the image root");
  }
  const uintmax_t size = std::filesystem::file_size(full, error);
  if (error || size > context.options.image_limit) {
    return InvalidArgument(field + "the image is larger than " +
                           std::to_string(context.options.image_limit) + " bytes");
  }
  std::ifstream in(full, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in.good() && !in.eof()) return Unavailable(field + "cannot read " + path);
  Result<features::VisualFeatures> visual = context.images->FromBytes(bytes.str());
  if (!visual.ok()) return InvalidArgument(field + visual.status().message());
  return visual;
}

// POST /api/v1/realtime-plep
Result<Response> RealtimePlep(const Call& call) {
  ApiContext& ctx = call.context;
  SPHERE_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  const JsonFields fields(body);
  SPHERE_ASSIGN_OR_RETURN(std::string influencer, CreatorNameField(body, "influencer_id"));
  SPHERE_ASSIGN_OR_RETURN(std::string post_text,
                          fields.RequiredString("post_text", kMaxCaptionBytes));
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> image_path,
                          fields.OptionalString("mock_image_path", 1024));
  SPHERE_ASSIGN_OR_RETURN(service::DirectoryEntry entry,
                          ResolveCreator(ctx, influencer, "influencer_id"));
  SPHERE_ASSIGN_OR_RETURN(std::shared_ptr<const service::PlepCreator> creator,
                          ctx.creators.Get(ctx.stores, entry.platform, entry.handle));

  features::PostDraft draft;
  draft.caption = std::move(post_text);
  const UnixSeconds now = ctx.clock();
  draft.posted_at = now;                      // "realtime": the post goes out now
  draft.age_days = service::kSettledAgeDays;  // and is judged once its engagement has settled
  if (image_path && !image_path->empty()) {
    SPHERE_ASSIGN_OR_RETURN(features::VisualFeatures visual, ImageAtPath(ctx, *image_path));
    draft.image = std::move(visual);
  }
  const std::shared_ptr<const service::Models> models = ctx.models.Current();
  SPHERE_ASSIGN_OR_RETURN(service::DraftPrediction p,
                          service::PredictDraft(*models->plep, ctx.featurizer, creator.get(), draft,
                                                now, /*explain=*/false));
  const plep::PlepPrediction& pred = p.explanation.prediction;

  // JsonWriter, not nlohmann: this is the seed's hot route (docs/serving-benchmark.md).
  JsonWriter w;
  w.BeginObject().Key("influencer_id");
  if (body["influencer_id"].is_number_integer()) {
    w.Int(body["influencer_id"].get<int64_t>());
  } else {
    w.String(influencer);
  }
  w.Field("predicted_engagement", pred.engagement).Key("market_score").Optional(entry.market_score);
  w.Key("niche_diagnostics").BeginObject().Key("niche").Optional(creator->niche);
  if (creator->niche) {
    for (const NicheInfo& n : Niches()) {
      if (n.id == *creator->niche) w.Field("niche_name", n.name);
    }
  }
  const std::optional<double>& median = p.features.history.median_engagement;
  w.Key("predicted_engagement_rate")
      .Optional(pred.engagement_rate)
      .Key("range")
      .BeginObject()
      .Field("level", models->plep->range_level())
      .Field("low", pred.low)
      .Field("high", pred.high)
      .EndObject()
      .Field("predicted_likes", pred.likes)
      .Field("predicted_comments", pred.comments)
      .Key("creator_median_engagement")
      .Optional(median)
      .Key("vs_creator_median")
      .Optional(median && *median > 0 ? std::optional<double>(pred.engagement / *median - 1.0)
                                      : std::nullopt)
      .Field("caption_language", p.features.caption.language)
      .Field("image_analysed", draft.image.has_value())
      .Field("model_version", p.model_version)
      .EndObject()
      .EndObject();
  Response r;
  r.body = w.Take();
  return r;
}

// POST /api/v1/data-ingestion (admin)
Result<Response> DataIngestion(const Call& call) {
  ApiContext& ctx = call.context;
  SPHERE_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  const JsonFields fields(body);
  service::ProfileIngestion in;
  SPHERE_ASSIGN_OR_RETURN(in.username, fields.RequiredString("username", 200));
  SPHERE_ASSIGN_OR_RETURN(std::string platform, fields.RequiredString("platform", 32));
  Result<Platform> parsed = ParsePlatform(platform);
  if (!parsed.ok()) {
    return InvalidArgument("platform: must be instagram, tiktok or youtube, got '" + platform +
                           "'");
  }
  in.platform = *parsed;
  SPHERE_ASSIGN_OR_RETURN(in.follower_count,
                          fields.OptionalInt("follower_count", 0, 10'000'000'000LL));
  SPHERE_ASSIGN_OR_RETURN(in.recent_post_captions,
                          fields.StringArray("recent_post_captions", 500, kMaxCaptionBytes));
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> bio, fields.OptionalString("bio", 10'000));
  in.bio = bio.value_or("");
  SPHERE_ASSIGN_OR_RETURN(std::vector<std::optional<double>> likes,
                          fields.NullableNumberArray("recent_likes", 500, 0, 1e12));
  for (size_t i = 0; i < likes.size(); ++i) {
    if (likes[i] && *likes[i] != std::floor(*likes[i])) {
      return InvalidArgument("recent_likes[" + std::to_string(i) + "]: must be a whole number");
    }
    in.recent_likes.push_back(likes[i] ? std::optional<int64_t>(static_cast<int64_t>(*likes[i]))
                                       : std::nullopt);
  }
  in.payload_json = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  in.user_id = call.user->id;
  in.received_at = ctx.clock();

  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, ctx.stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(service::IngestionResult result, service::IngestProfile(*store, in));
  ctx.creators.Invalidate(result.platform, result.handle);
  SPHERE_RETURN_IF_ERROR(ctx.directory.Refresh(*store, result.creator_id));
  if (ctx.alerts) {
    // The profile is stored whatever the alerts make of it: an evaluation that fails is the
    // server's to report (its log), not a reason to refuse data already written.
    const int64_t touched[] = {result.creator_id};
    Result<service::AlertEvaluationReport> alerts =
        ctx.alerts->AfterIngest(*store, touched, ctx.models.Current()->value, ctx.clock());
    if (!alerts.ok()) {
      std::fprintf(stderr, "alerts after ingestion %lld: %s\n",
                   static_cast<long long>(result.ingestion_id), alerts.status().ToString().c_str());
    }
  }

  nlohmann::ordered_json out;
  out["message"] = "profile of " + std::string(ToString(result.platform)) + "/" + result.handle +
                   " stored: " + std::to_string(result.written.posts_written) + " new posts, " +
                   std::to_string(result.written.snapshots_written) + " new snapshots";
  out["status"] = "processed";
  out["processed_id"] = result.ingestion_id;
  out["influencer_id"] = result.creator_id;
  return JsonResponse(out, 202);
}

// GET /api/v1/influencers/{id}
Result<Response> GetInfluencer(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(service::DirectoryEntry entry,
                          ResolveCreator(call.context, call.params.Get("id"), "id"));
  return JsonResponse(InfluencerJson(entry));
}

// PUT /api/v1/influencers/{id}
Result<Response> PutInfluencer(const Call& call) {
  ApiContext& ctx = call.context;
  SPHERE_ASSIGN_OR_RETURN(service::DirectoryEntry entry,
                          ResolveCreator(ctx, call.params.Get("id"), "id"));
  SPHERE_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  const JsonFields fields(body);
  if (!fields.Has("niche_tags") && !fields.Has("manual_notes")) {
    return InvalidArgument("body: give niche_tags, manual_notes or both");
  }
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, ctx.stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(std::optional<CreatorNote> stored, store->CreatorNoteOf(entry.id));
  CreatorNote note = stored.value_or(CreatorNote{});
  note.creator_id = entry.id;
  if (fields.Has("niche_tags")) {
    SPHERE_ASSIGN_OR_RETURN(note.niche_tags, fields.StringArray("niche_tags", 50, 64));
  }
  if (fields.Has("manual_notes")) {
    SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> notes,
                            fields.OptionalString("manual_notes", 10'000));
    note.manual_notes = notes.value_or("");
  }
  note.updated_by_user_id = call.user->id;
  note.updated_at = ctx.clock();
  SPHERE_RETURN_IF_ERROR(store->PutCreatorNote(note));
  ctx.directory.SetNicheTags(entry.id, note.niche_tags);
  entry.niche_tags = note.niche_tags;
  nlohmann::ordered_json out = InfluencerJson(entry);
  out["manual_notes"] = note.manual_notes;
  return JsonResponse(out);
}

// GET /api/v1/search/influencers
Result<Response> SearchInfluencers(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(QueryParams query, ParseQuery(call.request.query));
  SPHERE_RETURN_IF_ERROR(RequireKnownParams(
      query, {"q", "niche", "min_engagement", "min_followers", "page", "limit", "platform"}));
  service::DirectorySearch search;
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> q, QueryString(query, "q", 200));
  search.q = q.value_or("");
  SPHERE_ASSIGN_OR_RETURN(search.niche, QueryString(query, "niche", 64));
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> platform, QueryString(query, "platform", 32));
  if (platform) {
    Result<Platform> p = ParsePlatform(*platform);
    if (!p.ok()) return InvalidArgument("platform: must be instagram, tiktok or youtube");
    search.platform = *p;
  }
  SPHERE_ASSIGN_OR_RETURN(search.min_engagement, QueryNumber(query, "min_engagement", 0, 1e6));
  SPHERE_ASSIGN_OR_RETURN(search.min_followers,
                          QueryInt(query, "min_followers", 0, 10'000'000'000LL));
  SPHERE_ASSIGN_OR_RETURN(std::optional<int64_t> page, QueryInt(query, "page", 1, 1'000'000));
  SPHERE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, QueryInt(query, "limit", 1, 100));
  search.page = page.value_or(1);
  search.limit = limit.value_or(20);
  const service::DirectoryPage found = call.context.directory.Search(search);
  nlohmann::ordered_json out;
  out["count"] = found.count;
  out["page_size"] = search.limit;
  out["page"] = search.page;
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (const service::DirectoryEntry& e : found.results) results.push_back(InfluencerJson(e));
  out["results"] = std::move(results);
  return JsonResponse(out);
}

nlohmann::ordered_json AlertJson(const service::CreatorAlert& a) {
  nlohmann::ordered_json j;
  j["alert_id"] = a.id;
  j["influencer_id"] = a.creator_id;
  j["metric"] = a.metric;
  j["condition"] = a.condition;
  j["threshold_value"] = a.threshold;
  j["is_active"] = a.active;
  j["created_at"] = FormatIsoTime(a.created_at);
  return j;
}

// POST /api/v1/alerts
Result<Response> CreateAlert(const Call& call) {
  ApiContext& ctx = call.context;
  SPHERE_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  const JsonFields fields(body);
  SPHERE_ASSIGN_OR_RETURN(std::string influencer, CreatorNameField(body, "influencer_id"));
  SPHERE_ASSIGN_OR_RETURN(service::DirectoryEntry entry,
                          ResolveCreator(ctx, influencer, "influencer_id"));
  service::CreatorAlert alert;
  alert.owner_user_id = call.user->id;
  alert.creator_id = entry.id;
  SPHERE_ASSIGN_OR_RETURN(alert.metric, fields.RequiredString("metric", 32));
  SPHERE_ASSIGN_OR_RETURN(alert.condition, fields.RequiredString("condition", 32));
  SPHERE_ASSIGN_OR_RETURN(alert.threshold, fields.RequiredNumber("threshold_value", 0, 1e13));
  SPHERE_ASSIGN_OR_RETURN(std::optional<bool> active, fields.OptionalBool("is_active"));
  alert.active = active.value_or(true);
  alert.created_at = ctx.clock();
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, ctx.stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(service::CreatorAlert created,
                          service::CreateCreatorAlert(*store, alert));
  if (ctx.alerts) {
    SPHERE_ASSIGN_OR_RETURN(AlertRule rule, store->GetAlertRule(alert.owner_user_id, created.id));
    SPHERE_RETURN_IF_ERROR(ctx.alerts->evaluator().AddRule(rule));
  }
  Response r = JsonResponse(AlertJson(created), 201);
  r.headers.emplace_back("Location", "/api/v1/alerts/" + std::to_string(created.id));
  return r;
}

// GET /api/v1/alerts
Result<Response> ListAlerts(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, call.context.stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(std::vector<service::CreatorAlert> alerts,
                          service::ListCreatorAlerts(*store, call.user->id));
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const service::CreatorAlert& a : alerts) list.push_back(AlertJson(a));
  return JsonResponse(nlohmann::ordered_json{{"alerts", std::move(list)}});
}

// DELETE /api/v1/alerts/{alert_id}
Result<Response> DeleteAlert(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(const int64_t id, PathId(call.params.Get("alert_id"), "alert_id"));
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, call.context.stores.Acquire());
  // Someone else's alert is NotFound, exactly like one that does not exist.
  const Status deleted = store->DeleteAlertRule(call.user->id, id);
  if (deleted.code() == Code::kNotFound) {
    return NotFound("alert_id: no alert " + std::to_string(id));
  }
  SPHERE_RETURN_IF_ERROR(deleted);
  if (call.context.alerts) call.context.alerts->evaluator().RemoveRule(id);
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

}  // namespace

void AddSeedRoutes(Router& router) {
  router.Add({Method::kPost, "/api/v1/realtime-plep", Access::kAnyUser,
              "predicted engagement of a post for a creator, now", RealtimePlep});
  router.Add({Method::kPost, "/api/v1/data-ingestion", Access::kAdmin,
              "store a creator's profile and recent posts", DataIngestion});
  router.Add({Method::kGet, "/api/v1/search/influencers", Access::kAnyUser, "search creators",
              SearchInfluencers});
  router.Add(
      {Method::kGet, "/api/v1/influencers/{id}", Access::kAnyUser, "one creator", GetInfluencer});
  router.Add({Method::kPut, "/api/v1/influencers/{id}", Access::kAdmin,
              "set a creator's niche tags and notes", PutInfluencer});
  router.Add({Method::kPost, "/api/v1/alerts", Access::kAnyUser, "create an alert on a creator",
              CreateAlert});
  router.Add({Method::kGet, "/api/v1/alerts", Access::kAnyUser, "your alerts", ListAlerts});
  router.Add({Method::kDelete, "/api/v1/alerts/{alert_id}", Access::kAnyUser,
              "delete one of your alerts", DeleteAlert});
}

}  // namespace sphere::api
