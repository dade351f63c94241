// The Content Lab's drafts: POST/GET /api/v1/drafts, GET/PUT/DELETE /api/v1/drafts/{draft_id}
// and POST /api/v1/drafts/{draft_id}/diagnose. A draft belongs to the user who created it:
// another user's draft answers exactly like one that does not exist (404, never 403), so ids
// reveal nothing.
#include <algorithm>
#include <cctype>
#include <string>

#include "api/api.h"
#include "api/diagnosis_json.h"
#include "api/draft_input.h"
#include "api/errors.h"
#include "api/json_out.h"
#include "api/query.h"
#include "core/time.h"
#include "service/plep_service.h"

namespace sphere::api {
namespace {

using json = nlohmann::ordered_json;

// The type of image bytes DecodeDraft accepted, from their signature: the stored type is
// what the bytes are, not what the client's part header said.
std::string ImageTypeOf(std::string_view bytes) {
  if (bytes.starts_with("\xFF\xD8\xFF")) return "image/jpeg";
  if (bytes.starts_with("\x89PNG\r\n\x1A\n")) return "image/png";
  if (bytes.size() >= 12 && bytes.starts_with("RIFF") && bytes.substr(8, 4) == "WEBP") {
    return "image/webp";
  }
  return "application/octet-stream";
}

Result<int64_t> DraftId(const Call& call) {
  return PathId(call.params.Get("draft_id"), "draft_id");
}

// The store's NotFound (someone else's or missing) as the route's one message.
Status DraftNotFound(const Status& status, int64_t id) {
  if (status.code() == Code::kNotFound) return NotFound("draft_id: no draft " + std::to_string(id));
  return status;
}

json DraftJson(ApiContext& ctx, const Draft& d) {
  json j;
  j["id"] = d.id;
  json creator = nullptr;
  if (d.creator_id) {
    Result<service::DirectoryEntry> e =
        ResolveCreator(ctx, std::to_string(*d.creator_id), "creator");
    creator = e.ok()
                  ? json{{"id", e->id}, {"platform", ToString(e->platform)}, {"handle", e->handle}}
                  : json{{"id", *d.creator_id}, {"platform", nullptr}, {"handle", nullptr}};
  }
  j["creator"] = std::move(creator);
  j["caption"] = d.caption;
  j["media_type"] = ToString(d.media_type);
  j["sponsored"] = d.sponsored;
  j["posted_at"] = d.planned_at ? json(FormatIsoTime(*d.planned_at)) : json(nullptr);
  j["image"] = d.image_size > 0
                   ? json{{"content_type", d.image_content_type}, {"size", d.image_size}}
                   : json(nullptr);
  j["image_size"] = d.image_size;
  j["created_at"] = FormatIsoTime(d.created_at);
  j["updated_at"] = FormatIsoTime(d.updated_at);
  return j;
}

// The fields a draft stores, from a decoded request. A draft keeps no image description (the
// uploaded image replaces it), so one given is refused rather than dropped.
Status FillDraft(const DraftInput& in, Draft& draft) {
  if (!in.draft.image_description.empty()) {
    return InvalidArgument(
        "image_description: a draft stores no image description; upload the image instead");
  }
  if (in.draft.age_days != service::kSettledAgeDays) {
    return InvalidArgument("age_days: a draft is always diagnosed at " +
                           std::to_string(static_cast<int>(service::kSettledAgeDays)) +
                           " days (settled engagement); score other ages with POST /api/v1/plep");
  }
  draft.creator_id = in.creator ? std::optional<int64_t>(in.creator->id) : std::nullopt;
  draft.caption = in.draft.caption;
  draft.media_type = in.draft.media_type;
  draft.sponsored = in.draft.sponsored;
  draft.planned_at = in.posted_at_given ? std::optional<UnixSeconds>(in.at) : std::nullopt;
  return Status::Ok();
}

// POST /api/v1/drafts (JSON, or multipart with "draft" and "image")
Result<Response> CreateDraft(const Call& call) {
  ApiContext& ctx = call.context;
  Result<DraftInput> input = DecodeDraft(ctx, call.request);
  if (!input.ok()) return DraftErrorResponse(input.status());
  Draft draft;
  draft.owner_user_id = call.user->id;
  SPHERE_RETURN_IF_ERROR(FillDraft(*input, draft));
  if (!input->image_bytes.empty()) {
    if (input->image_bytes.size() > kMaxDraftImageBytes) {
      return InvalidArgument("image: a stored draft's image is at most " +
                             std::to_string(kMaxDraftImageBytes) + " bytes");
    }
    draft.image_bytes = std::move(input->image_bytes);
    draft.image_content_type = ImageTypeOf(draft.image_bytes);
  }
  draft.created_at = draft.updated_at = ctx.clock();
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, ctx.stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(Draft created, store->CreateDraft(draft));
  Response r = JsonResponse(DraftJson(ctx, created), 201);
  r.headers.emplace_back("Location", "/api/v1/drafts/" + std::to_string(created.id));
  return r;
}

// GET /api/v1/drafts
Result<Response> ListDrafts(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, call.context.stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(std::vector<Draft> drafts, store->ListDrafts(call.user->id));
  json list = json::array();
  for (const Draft& d : drafts) list.push_back(DraftJson(call.context, d));
  return JsonResponse(json{{"drafts", std::move(list)}});
}

// GET /api/v1/drafts/{draft_id}
Result<Response> GetDraft(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(int64_t id, DraftId(call));
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, call.context.stores.Acquire());
  Result<Draft> draft = store->GetDraft(call.user->id, id);
  if (!draft.ok()) return DraftNotFound(draft.status(), id);
  return JsonResponse(DraftJson(call.context, *draft));
}

// PUT /api/v1/drafts/{draft_id} (JSON): replaces the caption, media type, sponsored flag,
// planned time and creator; the stored image stays.
Result<Response> PutDraft(const Call& call) {
  ApiContext& ctx = call.context;
  SPHERE_ASSIGN_OR_RETURN(int64_t id, DraftId(call));
  std::string type(call.request.Header("content-type"));
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!type.empty() && !type.starts_with("application/json")) {
    return ErrorResponse(415, "unsupported_media_type",
                         "Content-Type: send application/json (the image is set when the draft "
                         "is created)",
                         "Content-Type");
  }
  // The body is checked before the draft is looked up, so a bad body is a 400 whether or not
  // the id is the caller's.
  Result<DraftInput> input = DecodeDraft(ctx, call.request);
  if (!input.ok()) return DraftErrorResponse(input.status());
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, ctx.stores.Acquire());
  Result<Draft> stored = store->GetDraft(call.user->id, id);
  if (!stored.ok()) return DraftNotFound(stored.status(), id);
  Draft draft = std::move(stored).value();
  SPHERE_RETURN_IF_ERROR(FillDraft(*input, draft));
  draft.updated_at = ctx.clock();
  Result<Draft> updated = store->UpdateDraft(draft);
  if (!updated.ok()) return DraftNotFound(updated.status(), id);
  return JsonResponse(DraftJson(ctx, *updated));
}

// DELETE /api/v1/drafts/{draft_id}
Result<Response> DeleteDraft(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(int64_t id, DraftId(call));
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, call.context.stores.Acquire());
  SPHERE_RETURN_IF_ERROR(DraftNotFound(store->DeleteDraft(call.user->id, id), id));
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

// POST /api/v1/drafts/{draft_id}/diagnose: the stored draft for its creator, its image
// analysed again from the stored bytes (features are not stored: they follow the featurizer
// the server runs now).
Result<Response> DiagnoseDraft(const Call& call) {
  ApiContext& ctx = call.context;
  SPHERE_ASSIGN_OR_RETURN(int64_t id, DraftId(call));
  Draft draft;
  {
    SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, ctx.stores.Acquire());
    Result<Draft> stored = store->GetDraft(call.user->id, id);
    if (!stored.ok()) return DraftNotFound(stored.status(), id);
    draft = std::move(stored).value();
  }
  if (!draft.creator_id) {
    return FailedPrecondition(
        "creator: the draft names no creator, and a diagnosis compares it with a creator's "
        "history: PUT one");
  }
  SPHERE_ASSIGN_OR_RETURN(service::DirectoryEntry entry,
                          ResolveCreator(ctx, std::to_string(*draft.creator_id), "creator"));
  SPHERE_ASSIGN_OR_RETURN(std::shared_ptr<const service::PlepCreator> creator,
                          ctx.creators.Get(ctx.stores, entry.platform, entry.handle));
  features::PostDraft post;
  post.caption = draft.caption;
  post.media_type = draft.media_type;
  post.sponsored = draft.sponsored;
  const UnixSeconds at = draft.planned_at.value_or(ctx.clock());
  post.posted_at = at;
  post.age_days = service::kSettledAgeDays;  // as POST /api/v1/plep/diagnose by default
  if (!draft.image_bytes.empty()) {
    if (ctx.images == nullptr) {
      return FailedPrecondition("image: image features are not available on this server");
    }
    Result<features::VisualFeatures> visual = ctx.images->FromBytes(draft.image_bytes);
    if (!visual.ok()) {
      return FailedPrecondition("image: the stored image cannot be analysed: " +
                                visual.status().message());
    }
    post.image = std::move(visual).value();
  }
  const std::shared_ptr<const service::Models> models = ctx.models.Current();
  SPHERE_ASSIGN_OR_RETURN(service::Diagnosis d,
                          service::Diagnose(*models->plep, ctx.featurizer, *creator, post, at));
  json out;
  out["draft_id"] = id;
  out.update(DiagnosisJson(d, entry, at, models->plep->range_level(), post.image.has_value()));
  return JsonResponse(out);
}

}  // namespace

void AddDraftRoutes(Router& router) {
  router.Add({Method::kPost, "/api/v1/drafts", Access::kAnyUser,
              "save a draft post (JSON, or multipart with an image)", CreateDraft});
  router.Add(
      {Method::kGet, "/api/v1/drafts", Access::kAnyUser, "your drafts, newest first", ListDrafts});
  router.Add({Method::kGet, "/api/v1/drafts/{draft_id}", Access::kAnyUser, "one of your drafts",
              GetDraft});
  router.Add({Method::kPut, "/api/v1/drafts/{draft_id}", Access::kAnyUser,
              "replace a draft's caption, format, sponsorship, time and creator", PutDraft});
  router.Add({Method::kDelete, "/api/v1/drafts/{draft_id}", Access::kAnyUser,
              "delete one of your drafts", DeleteDraft});
  router.Add({Method::kPost, "/api/v1/drafts/{draft_id}/diagnose", Access::kAnyUser,
              "diagnose a stored draft: drivers and what-if edits", DiagnoseDraft});
}

}  // namespace sphere::api
