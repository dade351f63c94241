// The JSON shapes more than one handler returns, and the response helpers.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/context.h"
#include "api/message.h"
#include "core/status.h"
#include "service/creator_directory.h"

namespace sphere::api {

// A 200 (or `status`) application/json response. Invalid UTF-8 from stored data is replaced.
Response JsonResponse(const nlohmann::json& body, int status = 200);
Response JsonResponse(const nlohmann::ordered_json& body, int status = 200);

// null for nullopt.
template <typename T>
nlohmann::json OrNull(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// The seed's influencer: {platform_id, username, platform, niche_tags, follower_count,
// engagement_rate, market_score, last_updated} plus "id" (the store's creator id) and
// "display_name".
nlohmann::ordered_json InfluencerJson(const service::DirectoryEntry& entry);

// Finds a creator named the ways clients name them: the store's id ("42"),
// "platform/handle" or "platform:handle", or a bare handle when only one platform has it.
// Errors name `field`: InvalidArgument for a malformed or ambiguous name, NotFound when no
// creator matches. A creator the directory does not know yet (written by another replica)
// is read from the store and added.
Result<service::DirectoryEntry> ResolveCreator(ApiContext& context, std::string_view name,
                                               std::string_view field);

}  // namespace sphere::api
