#include "api/json_out.h"

#include <algorithm>
#include <cctype>

#include "core/time.h"

namespace sphere::api {

Response JsonResponse(const nlohmann::json& body, int status) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response JsonResponse(const nlohmann::ordered_json& body, int status) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return r;
}

nlohmann::ordered_json InfluencerJson(const service::DirectoryEntry& e) {
  nlohmann::ordered_json j;
  j["id"] = e.id;
  j["platform_id"] = e.handle;  // the creator's public id on the platform: their handle
  j["username"] = e.handle;
  j["display_name"] = e.display_name;
  j["platform"] = ToString(e.platform);
  nlohmann::ordered_json tags = nlohmann::ordered_json::array();
  if (!e.niche_tags.empty()) {
    for (const std::string& t : e.niche_tags) tags.push_back(t);
  } else if (e.niche) {
    tags.push_back(*e.niche);
  }
  j["niche_tags"] = std::move(tags);
  j["follower_count"] = e.followers ? nlohmann::ordered_json(*e.followers) : nullptr;
  j["engagement_rate"] = e.engagement_rate ? nlohmann::ordered_json(*e.engagement_rate) : nullptr;
  j["market_score"] = e.market_score ? nlohmann::ordered_json(*e.market_score) : nullptr;
  j["last_updated"] =
      e.last_updated > 0 ? nlohmann::ordered_json(FormatIsoTime(e.last_updated)) : nullptr;
  return j;
}

namespace {

Result<service::DirectoryEntry> FromStore(ApiContext& context, std::optional<Creator> creator,
                                          std::string_view name, std::string_view field) {
  if (!creator) {
    return NotFound(std::string(field) + ": no creator '" + std::string(name) + "'");
  }
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, context.stores.Acquire());
  SPHERE_RETURN_IF_ERROR(context.directory.Refresh(*store, creator->id));
  std::optional<service::DirectoryEntry> entry = context.directory.Find(creator->id);
  if (!entry) return Internal("creator " + std::to_string(creator->id) + " vanished");
  return *entry;
}

}  // namespace

Result<service::DirectoryEntry> ResolveCreator(ApiContext& context, std::string_view name,
                                               std::string_view field) {
  const std::string prefix = std::string(field) + ": ";
  if (name.empty()) return InvalidArgument(prefix + "must not be empty");
  if (name.size() > 200) return InvalidArgument(prefix + "longer than 200 bytes");
  const bool digits =
      std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    if (name.size() > 18) return InvalidArgument(prefix + "creator id out of range");
    const int64_t id = std::stoll(std::string(name));
    if (std::optional<service::DirectoryEntry> e = context.directory.Find(id)) return *e;
    SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, context.stores.Acquire());
    SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> creator, store->GetCreator(id));
    return FromStore(context, std::move(creator), name, field);
  }
  const size_t sep = name.find_first_of("/:");
  if (sep != std::string_view::npos) {
    Result<Platform> platform = ParsePlatform(name.substr(0, sep));
    if (!platform.ok()) {
      return InvalidArgument(prefix + "'" + std::string(name.substr(0, sep)) +
                             "' is not a platform (instagram, tiktok, youtube)");
    }
    const std::string handle = NormalizeHandle(name.substr(sep + 1));
    if (handle.empty()) return InvalidArgument(prefix + "no handle after the platform");
    if (std::optional<service::DirectoryEntry> e = context.directory.Find(*platform, handle)) {
      return *e;
    }
    SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, context.stores.Acquire());
    SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> creator, store->FindCreator(*platform, handle));
    return FromStore(context, std::move(creator), name, field);
  }
  const std::string handle = NormalizeHandle(name);
  std::optional<service::DirectoryEntry> found;
  int matches = 0;
  for (Platform p : {Platform::kInstagram, Platform::kTikTok, Platform::kYouTube}) {
    if (std::optional<service::DirectoryEntry> e = context.directory.Find(p, handle)) {
      found = std::move(e);
      ++matches;
    }
  }
  if (matches > 1) {
    return InvalidArgument(prefix + "'" + std::string(name) +
                           "' is a handle on several platforms: name one as platform/handle");
  }
  if (found) return *found;
  return NotFound(prefix + "no creator '" + std::string(name) + "'");
}

}  // namespace sphere::api
