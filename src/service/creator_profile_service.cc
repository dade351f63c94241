#include "service/creator_profile_service.h"

#include <algorithm>
#include <tuple>

#include "core/niche.h"

namespace sphere::service {

std::optional<MarketValue> LatestMarketValue(std::vector<MarketValue> values) {
  if (values.empty()) return std::nullopt;
  auto latest = std::max_element(
      values.begin(), values.end(), [](const MarketValue& a, const MarketValue& b) {
        return std::tie(a.computed_at, a.id) < std::tie(b.computed_at, b.id);
      });
  return std::move(*latest);
}

Result<std::optional<MarketValue>> LatestMarketValueOf(Store& store, int64_t creator_id) {
  SPHERE_ASSIGN_OR_RETURN(std::vector<MarketValue> values, store.MarketValuesOf(creator_id));
  return LatestMarketValue(std::move(values));
}

Result<CreatorProfile> LoadCreatorProfile(Store& store, int64_t creator_id) {
  SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> creator, store.GetCreator(creator_id));
  if (!creator) return NotFound("creator " + std::to_string(creator_id) + " does not exist");
  CreatorProfile profile;
  profile.creator = std::move(*creator);
  SPHERE_ASSIGN_OR_RETURN(profile.note, store.CreatorNoteOf(creator_id));
  SPHERE_ASSIGN_OR_RETURN(profile.latest_value, LatestMarketValueOf(store, creator_id));
  // The profile shows a summary: the evidence is the value route's.
  if (profile.latest_value) std::string("{}").swap(profile.latest_value->evidence_json);

  const Creator& c = profile.creator;
  if (c.niche) {
    if (std::optional<std::string_view> n = NicheOfCategory(*c.niche)) {
      profile.niche = NicheAttribution{std::string(*n), "category", *c.niche, std::nullopt, ""};
      return profile;
    }
  }
  SPHERE_ASSIGN_OR_RETURN(std::optional<InferredNiche> inferred, store.InferredNicheOf(creator_id));
  if (inferred) {
    profile.niche = NicheAttribution{inferred->niche, inferred->method, "", inferred->confidence,
                                     inferred->model_version};
  } else if (profile.latest_value && IsNiche(profile.latest_value->niche)) {
    profile.niche = NicheAttribution{profile.latest_value->niche, "market_value", "", std::nullopt,
                                     profile.latest_value->model_version};
  }
  return profile;
}

PostPage PagePostsNewestFirst(std::vector<Post> posts, std::optional<UnixSeconds> before,
                              size_t limit) {
  PostPage page;
  std::vector<Post> dated;
  dated.reserve(posts.size());
  for (Post& p : posts) {
    if (!p.posted_at) {
      ++page.undated;
    } else if (!before || *p.posted_at < *before) {
      dated.push_back(std::move(p));
    }
  }
  std::sort(dated.begin(), dated.end(), [](const Post& a, const Post& b) {
    return std::tie(*a.posted_at, a.id) > std::tie(*b.posted_at, b.id);
  });
  limit = std::max<size_t>(limit, 1);
  if (dated.size() <= limit) {
    page.posts = std::move(dated);
    return page;
  }
  size_t end = limit;
  // Back off to the start of the group of posts sharing the time at the cut.
  const UnixSeconds cut = *dated[limit].posted_at;
  while (end > 0 && *dated[end - 1].posted_at == cut) --end;
  if (end == 0) {  // one group larger than the page: return it whole
    end = limit;
    while (end < dated.size() && *dated[end].posted_at == cut) ++end;
  }
  const bool more = end < dated.size();
  dated.resize(end);
  page.posts = std::move(dated);
  if (more) page.next_before = *page.posts.back().posted_at;
  return page;
}

}  // namespace sphere::service
