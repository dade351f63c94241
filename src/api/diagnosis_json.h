// The JSON of a diagnosed draft, shared by POST /api/v1/plep/diagnose (a draft in the request)
// and POST /api/v1/drafts/{draft_id}/diagnose (a stored draft), so both answer alike.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "core/domain.h"
#include "service/creator_directory.h"
#include "service/plep_service.h"

namespace sphere::api {

// {creator, posted_at, model_version, prediction{engagement, likes, comments, engagement_rate,
// range{level, low, high}, log_engagement}, bias, drivers[{group, label, contribution, effect}],
// what_ifs[{edit, description, engagement, change}], warnings, image_analysed}
nlohmann::ordered_json DiagnosisJson(const service::Diagnosis& diagnosis,
                                     const std::optional<service::DirectoryEntry>& creator,
                                     UnixSeconds posted_at, double range_level,
                                     bool image_analysed);

}  // namespace sphere::api
