// The scout's views of the market: GET /api/v1/rank (the stored values ranked like `sphere
// rank`) and GET /api/v1/niches (the taxonomy with creator counts and medians).
#include <string>

#include "api/api.h"
#include "api/errors.h"
#include "api/json_out.h"
#include "api/query.h"
#include "core/niche.h"
#include "core/time.h"
#include "market/rank_index.h"
#include "service/niche_report_service.h"
#include "service/value_service.h"

namespace sphere::api {
namespace {

using json = nlohmann::ordered_json;

constexpr int kDefaultRankLimit = 20;

template <typename T>
json Opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

// GET /api/v1/rank?platform=&niche=&min_followers=&max_followers=&sort=value|momentum&limit=
Result<Response> Rank(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(QueryParams query, ParseQuery(call.request.query));
  SPHERE_RETURN_IF_ERROR(RequireKnownParams(
      query, {"platform", "niche", "min_followers", "max_followers", "sort", "limit"}));
  market::RankQuery rank;
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> platform, QueryString(query, "platform", 32));
  if (platform) {
    Result<Platform> p = ParsePlatform(*platform);
    if (!p.ok()) {
      return InvalidArgument("platform: must be instagram, tiktok or youtube, got '" + *platform +
                             "'");
    }
    rank.platform = *p;
  }
  SPHERE_ASSIGN_OR_RETURN(rank.niche, QueryString(query, "niche", 64));
  constexpr int64_t kMaxFollowers = 100'000'000'000LL;
  SPHERE_ASSIGN_OR_RETURN(rank.min_followers, QueryInt(query, "min_followers", 0, kMaxFollowers));
  SPHERE_ASSIGN_OR_RETURN(rank.max_followers, QueryInt(query, "max_followers", 0, kMaxFollowers));
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> sort, QueryString(query, "sort", 16));
  if (sort && *sort == "momentum") {
    rank.sort = market::RankSort::kMomentum;
  } else if (sort && *sort != "value") {
    return InvalidArgument("sort: must be value or momentum, got '" + *sort + "'");
  }
  SPHERE_ASSIGN_OR_RETURN(std::optional<int64_t> limit,
                          QueryInt(query, "limit", 1, market::kMaxRankLimit));
  rank.limit = static_cast<int>(limit.value_or(kDefaultRankLimit));
  // The niche and the follower bounds against each other, before the store is read.
  SPHERE_RETURN_IF_ERROR(market::ValidateRankQuery(rank));

  SPHERE_ASSIGN_OR_RETURN(std::vector<MarketValue> values, call.context.ranking.Query(rank));
  json results = json::array();
  int position = 0;
  for (const MarketValue& v : values) {
    json j;
    j["rank"] = ++position;
    j["id"] = v.creator_id;
    j["platform"] = ToString(v.platform);
    j["handle"] = v.creator_handle;
    j["niche"] = v.niche.empty() ? json(nullptr) : json(v.niche);
    j["followers"] = Opt(v.followers);
    j["tier"] = v.tier.empty() ? json(nullptr) : json(v.tier);
    j["fee"] = {{"low", v.fee_low}, {"mid", v.fee_mid}, {"high", v.fee_high}};
    j["score"] = v.score;
    j["niche_score"] = Opt(v.niche_score);
    j["momentum"] = v.momentum;
    j["as_of"] = FormatIsoTime(v.as_of);
    j["model_version"] = v.model_version;
    results.push_back(std::move(j));
  }
  json echo;
  echo["platform"] = rank.platform ? json(ToString(*rank.platform)) : json(nullptr);
  echo["niche"] = Opt(rank.niche);
  echo["min_followers"] = Opt(rank.min_followers);
  echo["max_followers"] = Opt(rank.max_followers);
  echo["sort"] = rank.sort == market::RankSort::kMomentum ? "momentum" : "value";
  echo["limit"] = rank.limit;
  json out;
  out["query"] = std::move(echo);
  out["count"] = results.size();
  out["results"] = std::move(results);
  return JsonResponse(out);
}

json SummaryJson(const service::NicheSummary& s) {
  json j;
  json by_platform;
  for (const auto& [platform, n] : s.creators) by_platform[std::string(ToString(platform))] = n;
  j["creators"] = std::move(by_platform);
  j["total"] = s.total;
  j["median_engagement_rate"] = Opt(s.median_engagement_rate);
  j["creators_with_engagement_rate"] = s.with_engagement_rate;
  j["median_market_score"] = Opt(s.median_market_score);
  j["creators_with_market_score"] = s.with_market_score;
  return j;
}

// GET /api/v1/niches
Result<Response> NicheList(const Call& call) {
  const service::NicheReport report = service::SummarizeNiches(call.context.directory);
  json niches = json::array();
  for (const service::NicheSummary& s : report.niches) {
    json j;
    j["id"] = s.id;
    for (const NicheInfo& info : Niches()) {
      if (info.id == s.id) {
        j["name"] = info.name;
        j["covers"] = info.covers;
      }
    }
    j.update(SummaryJson(s));
    niches.push_back(std::move(j));
  }
  json out;
  out["niches"] = std::move(niches);
  out["unknown_niche"] = SummaryJson(report.unknown);
  return JsonResponse(out);
}

}  // namespace

void AddMarketRoutes(Router& router) {
  router.Add({Method::kGet, "/api/v1/rank", Access::kAnyUser,
              "creators ranked by Market Value or momentum, filtered", Rank});
  router.Add({Method::kGet, "/api/v1/niches", Access::kAnyUser,
              "the niche taxonomy with creator counts and medians", NicheList});
}

}  // namespace sphere::api
