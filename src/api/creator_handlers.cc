// The creator page of the product API: GET /api/v1/creators/{platform}/{handle} and its
// posts, snapshots, latest value (with evidence) and value history. Each handler names the
// creator from the path, asks service/creator_profile_service or the store, and encodes.
#include <string>

#include "api/api.h"
#include "api/errors.h"
#include "api/json_out.h"
#include "api/query.h"
#include "core/niche.h"
#include "core/time.h"
#include "service/creator_profile_service.h"

namespace sphere::api {
namespace {

using json = nlohmann::ordered_json;

template <typename T>
json Opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json OptTime(const std::optional<UnixSeconds>& t) {
  return t ? json(FormatIsoTime(*t)) : json(nullptr);
}

// The creator the path names: {platform} must be a platform (400 naming it), {handle} one of
// its creators (404).
Result<service::DirectoryEntry> PathCreator(const Call& call) {
  const std::string& platform = call.params.Get("platform");
  Result<Platform> p = ParsePlatform(platform);
  if (!p.ok()) {
    return InvalidArgument("platform: must be instagram, tiktok or youtube, got '" + platform +
                           "'");
  }
  return ResolveCreator(call.context, std::string(ToString(*p)) + "/" + call.params.Get("handle"),
                        "handle");
}

// A path segment as a URL carries it: unreserved bytes as they are, the rest %XX.
std::string EncodeSegment(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : segment) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string_view NicheName(std::string_view id) {
  for (const NicheInfo& n : Niches()) {
    if (n.id == id) return n.name;
  }
  return "";
}

json Range(double low, double mid, double high) {
  return {{"low", low}, {"mid", mid}, {"high", high}};
}

// What the profile, the value route and the history share.
json ValueSummaryJson(const MarketValue& v) {
  json j;
  j["as_of"] = FormatIsoTime(v.as_of);
  j["computed_at"] = FormatIsoTime(v.computed_at);
  j["horizon_days"] = v.horizon_days;
  j["model_version"] = v.model_version;
  j["fee"] = Range(v.fee_low, v.fee_mid, v.fee_high);
  j["format"] = v.format;
  j["score"] = v.score;
  j["niche_score"] = Opt(v.niche_score);
  j["niche"] = v.niche.empty() ? json(nullptr) : json(v.niche);
  j["tier"] = v.tier.empty() ? json(nullptr) : json(v.tier);
  j["followers"] = Opt(v.followers);
  j["momentum"] = v.momentum;
  return j;
}

json ForecastJson(const MarketValue& v) {
  json j;
  j["engagement_per_post"] = Range(v.engagement_low, v.engagement_per_post, v.engagement_high);
  j["views_per_post"] = v.views_per_post
                            ? Range(v.views_low.value_or(*v.views_per_post), *v.views_per_post,
                                    v.views_high.value_or(*v.views_per_post))
                            : json(nullptr);
  j["follower_gain"] = v.follower_gain
                           ? Range(v.follower_gain_low.value_or(*v.follower_gain), *v.follower_gain,
                                   v.follower_gain_high.value_or(*v.follower_gain))
                           : json(nullptr);
  return j;
}

json NicheJson(const std::optional<service::NicheAttribution>& n) {
  if (!n) return nullptr;
  json j;
  j["id"] = n->niche;
  j["name"] = NicheName(n->niche);
  j["source"] = n->source;
  if (!n->raw_category.empty()) j["category"] = n->raw_category;
  if (n->confidence) j["confidence"] = *n->confidence;
  if (!n->model_version.empty()) j["model_version"] = n->model_version;
  return j;
}

// GET /api/v1/creators/{platform}/{handle}
Result<Response> CreatorProfile(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(service::DirectoryEntry entry, PathCreator(call));
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, call.context.stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(service::CreatorProfile profile,
                          service::LoadCreatorProfile(*store, entry.id));
  const Creator& c = profile.creator;
  json out = InfluencerJson(entry);
  out["handle"] = c.handle;
  out["following"] = Opt(c.following);
  out["posts_count"] = Opt(c.posts_count);
  out["country"] = Opt(c.country);
  out["verified"] = Opt(c.verified);
  out["source"] = c.source;
  out["stats_as_of"] = c.stats_as_of > 0 ? json(FormatIsoTime(c.stats_as_of)) : json(nullptr);
  out["niche"] = NicheJson(profile.niche);
  json notes = nullptr;
  if (profile.note) {
    const CreatorNote& n = *profile.note;
    notes = json::object();
    notes["niche_tags"] = n.niche_tags;
    notes["bio"] = n.bio;
    // Notes written by hand are the team's, not the public's.
    if (call.user != nullptr && call.user->role == Role::kAdmin) {
      notes["manual_notes"] = n.manual_notes;
    }
    notes["updated_at"] = n.updated_at > 0 ? json(FormatIsoTime(n.updated_at)) : json(nullptr);
  }
  out["notes"] = std::move(notes);
  out["value"] = profile.latest_value ? ValueSummaryJson(*profile.latest_value) : json(nullptr);
  return JsonResponse(out);
}

json PostJson(const Post& p) {
  json j;
  j["id"] = p.id;
  j["external_id"] = p.external_id;
  j["posted_at"] = OptTime(p.posted_at);
  j["media_type"] = ToString(p.media_type);
  j["caption"] = p.caption;
  j["likes"] = Opt(p.likes);
  j["comments"] = Opt(p.comments);
  j["views"] = Opt(p.views);
  j["shares"] = Opt(p.shares);
  j["sponsored"] = p.sponsored;
  j["image_description"] = p.image_description;
  j["width"] = Opt(p.width);
  j["height"] = Opt(p.height);
  j["location"] = p.location;
  j["observed_at"] = OptTime(p.observed_at);
  j["source"] = p.source;
  return j;
}

// GET /api/v1/creators/{platform}/{handle}/posts?limit=&before=
Result<Response> CreatorPosts(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(QueryParams query, ParseQuery(call.request.query));
  SPHERE_RETURN_IF_ERROR(RequireKnownParams(query, {"limit", "before"}));
  SPHERE_ASSIGN_OR_RETURN(std::optional<int64_t> limit,
                          QueryInt(query, "limit", 1, service::kMaxPostPage));
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> before_text, QueryString(query, "before", 64));
  std::optional<UnixSeconds> before;
  if (before_text) {
    Result<UnixSeconds> t = ParseIsoTime(*before_text);
    if (!t.ok()) {
      return InvalidArgument("before: not an ISO 8601 time ('2022-09-15T18:00:00Z'), got '" +
                             *before_text + "'");
    }
    before = *t;
  }
  SPHERE_ASSIGN_OR_RETURN(service::DirectoryEntry entry, PathCreator(call));
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, call.context.stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(std::vector<Post> posts, store->PostsOf(entry.id));
  const size_t page_size = static_cast<size_t>(limit.value_or(50));
  const service::PostPage page = service::PagePostsNewestFirst(std::move(posts), before, page_size);
  json out;
  out["creator"] = {
      {"id", entry.id}, {"platform", ToString(entry.platform)}, {"handle", entry.handle}};
  out["limit"] = page_size;
  out["before"] = OptTime(before);
  json list = json::array();
  for (const Post& p : page.posts) list.push_back(PostJson(p));
  out["posts"] = std::move(list);
  out["next_before"] = OptTime(page.next_before);
  out["next"] =
      page.next_before
          ? json("/api/v1/creators/" + std::string(ToString(entry.platform)) + "/" +
                 EncodeSegment(entry.handle) + "/posts?limit=" + std::to_string(page_size) +
                 "&before=" + FormatIsoTime(*page.next_before))
          : json(nullptr);
  out["undated_posts"] = page.undated;
  return JsonResponse(out);
}

json SnapshotJson(const Snapshot& s) {
  json j;
  j["taken_at"] = FormatIsoTime(s.taken_at);
  j["source"] = s.source;
  j["followers"] = Opt(s.followers);
  j["following"] = Opt(s.following);
  j["posts_count"] = Opt(s.posts_count);
  j["total_views"] = Opt(s.total_views);
  j["avg_likes"] = Opt(s.avg_likes);
  j["avg_comments"] = Opt(s.avg_comments);
  j["avg_views"] = Opt(s.avg_views);
  j["avg_shares"] = Opt(s.avg_shares);
  j["engagement_rate"] = Opt(s.engagement_rate);
  j["authentic_engagement"] = Opt(s.authentic_engagement);
  j["followers_gain"] = Opt(s.followers_gain);
  j["views_gain"] = Opt(s.views_gain);
  j["period_days"] = Opt(s.period_days);
  return j;
}

// GET /api/v1/creators/{platform}/{handle}/snapshots
Result<Response> CreatorSnapshots(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(service::DirectoryEntry entry, PathCreator(call));
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, call.context.stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(std::vector<Snapshot> snapshots, store->SnapshotsOf(entry.id));
  json out;
  out["creator"] = {
      {"id", entry.id}, {"platform", ToString(entry.platform)}, {"handle", entry.handle}};
  json list = json::array();
  for (const Snapshot& s : snapshots) list.push_back(SnapshotJson(s));
  out["snapshots"] = std::move(list);
  return JsonResponse(out);
}

// GET /api/v1/creators/{platform}/{handle}/value
Result<Response> CreatorValue(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(service::DirectoryEntry entry, PathCreator(call));
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, call.context.stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(std::optional<MarketValue> value,
                          service::LatestMarketValueOf(*store, entry.id));
  if (!value) {
    return NotFound("handle: " + std::string(ToString(entry.platform)) + "/" + entry.handle +
                    " has no stored Market Value yet (run `sphere value`)");
  }
  json evidence = json::parse(value->evidence_json, nullptr, /*allow_exceptions=*/false);
  if (evidence.is_discarded()) {
    return DataLoss("the stored evidence of value " + std::to_string(value->id) + " is not JSON");
  }
  json out;
  out["creator"] = {
      {"id", entry.id}, {"platform", ToString(entry.platform)}, {"handle", entry.handle}};
  out.update(ValueSummaryJson(*value));
  out.update(ForecastJson(*value));
  out["evidence"] = std::move(evidence);
  return JsonResponse(out);
}

// GET /api/v1/creators/{platform}/{handle}/values
Result<Response> CreatorValues(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(service::DirectoryEntry entry, PathCreator(call));
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, call.context.stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(std::vector<MarketValue> values, store->MarketValuesOf(entry.id));
  json out;
  out["creator"] = {
      {"id", entry.id}, {"platform", ToString(entry.platform)}, {"handle", entry.handle}};
  json list = json::array();
  for (const MarketValue& v : values) {
    json j = ValueSummaryJson(v);
    j["engagement_per_post"] = Range(v.engagement_low, v.engagement_per_post, v.engagement_high);
    list.push_back(std::move(j));
  }
  out["values"] = std::move(list);
  return JsonResponse(out);
}

}  // namespace

void AddCreatorRoutes(Router& router) {
  router.Add({Method::kGet, "/api/v1/creators/{platform}/{handle}", Access::kAnyUser,
              "a creator's profile, niche, notes and latest value", CreatorProfile});
  router.Add({Method::kGet, "/api/v1/creators/{platform}/{handle}/posts", Access::kAnyUser,
              "a creator's posts, newest first, a page at a time", CreatorPosts});
  router.Add({Method::kGet, "/api/v1/creators/{platform}/{handle}/snapshots", Access::kAnyUser,
              "a creator's statistics over time", CreatorSnapshots});
  router.Add({Method::kGet, "/api/v1/creators/{platform}/{handle}/value", Access::kAnyUser,
              "a creator's latest Market Value with range and evidence", CreatorValue});
  router.Add({Method::kGet, "/api/v1/creators/{platform}/{handle}/values", Access::kAnyUser,
              "a creator's Market Value history", CreatorValues});
}

}  // namespace sphere::api
