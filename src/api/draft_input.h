// A draft post as the product API receives it: a JSON body, or multipart/form-data with a
// "draft" part (the same JSON) and an optional "image" part (JPEG, PNG or WebP). Shared by
// the PLEP, diagnose and drafts routes.
#pragma once

#include <optional>
#include <string>

#include "api/context.h"
#include "api/message.h"
#include "core/status.h"
#include "features/post/post_features.h"
#include "service/creator_directory.h"

namespace sphere::api {

struct DraftInput {
  std::optional<service::DirectoryEntry> creator;  // "creator": id, "platform/handle" or handle
  // caption, media_type, sponsored, image_description, image, age_days (default
  // service::kSettledAgeDays: the engagement the post will have settled at)
  features::PostDraft draft;
  UnixSeconds at = 0;  // "posted_at" (ISO 8601), default: now
  bool posted_at_given = false;
  bool explain = true;      // "explain": contributions and drivers with the prediction
  std::string image_bytes;  // the uploaded image, when there is one
  std::string image_content_type;
};

// Content-Type application/json (or none) or multipart/form-data. Field errors name the JSON
// path or the part ("image: not a JPEG, PNG or WebP"). Another Content-Type is an
// InvalidArgument for which IsUnsupportedMediaType is true: the handler answers 415.
Result<DraftInput> DecodeDraft(ApiContext& context, const Request& request);
bool IsUnsupportedMediaType(const Status& status);

// The error response for a DecodeDraft failure: 415 or the usual mapping.
Response DraftErrorResponse(const Status& status);

}  // namespace sphere::api
