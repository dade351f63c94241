#include "api/draft_input.h"

#include "api/errors.h"
#include "api/json_input.h"
#include "api/json_out.h"
#include "api/multipart.h"
#include "core/time.h"
#include "service/plep_service.h"

namespace sphere::api {
namespace {

constexpr std::string_view kUnsupported = "Content-Type: unsupported";

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

Status DecodeFields(ApiContext& ctx, const JsonFields& f, DraftInput& out) {
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> creator, f.OptionalString("creator", 200));
  if (creator && !creator->empty()) {
    SPHERE_ASSIGN_OR_RETURN(service::DirectoryEntry entry,
                            ResolveCreator(ctx, *creator, "creator"));
    out.creator = std::move(entry);
  }
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> caption, f.OptionalString("caption", 10'000));
  out.draft.caption = caption.value_or("");
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> media, f.OptionalString("media_type", 16));
  if (media) {
    Result<MediaType> m = ParseMediaType(*media);
    if (!m.ok())
      return InvalidArgument("media_type: must be image, video or carousel, got '" + *media + "'");
    out.draft.media_type = *m;
  }
  SPHERE_ASSIGN_OR_RETURN(std::optional<bool> sponsored, f.OptionalBool("sponsored"));
  out.draft.sponsored = sponsored.value_or(false);
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> description,
                          f.OptionalString("image_description", 10'000));
  out.draft.image_description = description.value_or("");
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> posted_at, f.OptionalString("posted_at", 64));
  if (posted_at) {
    Result<UnixSeconds> t = ParseIsoTime(*posted_at);
    if (!t.ok()) return InvalidArgument("posted_at: not an ISO 8601 time ('2026-11-26T18:00:00Z')");
    out.at = *t;
    out.posted_at_given = true;
  } else {
    out.at = ctx.clock();
  }
  out.draft.posted_at = out.at;
  SPHERE_ASSIGN_OR_RETURN(std::optional<double> age_days, f.OptionalNumber("age_days", 0, 36'500));
  out.draft.age_days = age_days.value_or(service::kSettledAgeDays);
  SPHERE_ASSIGN_OR_RETURN(std::optional<bool> explain, f.OptionalBool("explain"));
  out.explain = explain.value_or(true);
  return Status::Ok();
}

}  // namespace

bool IsUnsupportedMediaType(const Status& status) {
  return status.code() == Code::kInvalidArgument && status.message().starts_with(kUnsupported);
}

Response DraftErrorResponse(const Status& status) {
  if (IsUnsupportedMediaType(status)) {
    return ErrorResponse(415, "unsupported_media_type", status.message(), "Content-Type");
  }
  return ErrorResponse(status);
}

Result<DraftInput> DecodeDraft(ApiContext& ctx, const Request& request) {
  DraftInput out;
  const std::string_view type = request.Header("content-type");
  if (type.empty() || StartsWithNoCase(type, "application/json")) {
    SPHERE_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(request.body));
    SPHERE_RETURN_IF_ERROR(DecodeFields(ctx, JsonFields(body), out));
    return out;
  }
  if (!StartsWithNoCase(type, "multipart/form-data")) {
    return InvalidArgument(std::string(kUnsupported) + " '" + std::string(type) +
                           "': send application/json or multipart/form-data");
  }
  SPHERE_ASSIGN_OR_RETURN(std::vector<MultipartPart> parts, ParseMultipart(type, request.body));
  const MultipartPart* draft = nullptr;
  const MultipartPart* image = nullptr;
  for (const MultipartPart& part : parts) {
    if (part.name == "draft") {
      draft = &part;
    } else if (part.name == "image") {
      image = &part;
    } else {
      return InvalidArgument(part.name + ": unknown part (send 'draft' and optionally 'image')");
    }
  }
  if (draft == nullptr)
    return InvalidArgument("draft: the multipart body needs a 'draft' part (JSON)");
  SPHERE_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(draft->data, "draft"));
  SPHERE_RETURN_IF_ERROR(DecodeFields(ctx, JsonFields(body, "draft"), out));
  if (image != nullptr) {
    if (image->data.size() > ctx.options.image_limit) {
      return InvalidArgument("image: larger than " + std::to_string(ctx.options.image_limit) +
                             " bytes");
    }
    if (ctx.images == nullptr) {
      return FailedPrecondition("image: image features are not available on this server");
    }
    Result<features::VisualFeatures> visual = ctx.images->FromBytes(image->data);
    if (!visual.ok()) return InvalidArgument("image: " + visual.status().message());
    out.draft.image = std::move(visual).value();
    out.image_bytes = std::string(image->data);
    out.image_content_type = image->content_type;
  }
  return out;
}

}  // namespace sphere::api
