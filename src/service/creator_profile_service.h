// What the product API shows about one creator beyond the directory: where their niche comes
// from, their note, their latest Market Value, and their posts a page at a time (newest
// first). Plain functions over the store; the creator routes of src/api call them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "store/store.h"

namespace sphere::service {

// Which niche the product shows for a creator and why, most trusted first:
// "category" (the source's own category through the taxonomy), then the inferred niche
// ("classifier" or "profile", with its confidence and model), then "market_value" (the niche
// the latest value was computed with).
struct NicheAttribution {
  std::string niche;                 // an id of Niches()
  std::string source;                // "category" | "classifier" | "profile" | "market_value"
  std::string raw_category;          // the source's category, for "category"
  std::optional<double> confidence;  // for an inference
  std::string model_version;         // for an inference by a model
};

struct CreatorProfile {
  Creator creator;
  std::optional<NicheAttribution> niche;
  std::optional<CreatorNote> note;
  // The latest stored value (LatestMarketValue), without its evidence (evidence_json "{}").
  std::optional<MarketValue> latest_value;
};

// NotFound naming the id when there is no such creator.
Result<CreatorProfile> LoadCreatorProfile(Store& store, int64_t creator_id);

// The value `sphere rank` reads for a creator: the newest computed_at, ties the highest id;
// nullopt for none.
std::optional<MarketValue> LatestMarketValue(std::vector<MarketValue> values);

// The creator's latest stored value with its evidence; nullopt when they were never valued.
Result<std::optional<MarketValue>> LatestMarketValueOf(Store& store, int64_t creator_id);

inline constexpr size_t kMaxPostPage = 200;

// One page of a creator's dated posts, newest first.
struct PostPage {
  std::vector<Post> posts;
  // Pass as `before` for the next page; nullopt on the last page.
  std::optional<UnixSeconds> next_before;
  int64_t undated = 0;  // posts without a time: no time cursor reaches them, so they are counted
};

// Posts with posted_at < `before` (every dated post when nullopt), newest first (ties: the
// higher id first), at most `limit` (at least 1) of them. A page never splits posts that share a
// time (a time cursor could not resume inside them): it stops before such a group, unless the group
// alone is larger than the limit, when it is returned whole.
PostPage PagePostsNewestFirst(std::vector<Post> posts, std::optional<UnixSeconds> before,
                              size_t limit);

}  // namespace sphere::service
