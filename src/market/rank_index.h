// The scout's table in memory: every creator's latest Market Value, answering "the top K of
// platform P, niche N, between A and B followers, by value or by momentum" without touching
// the store. `sphere rank` (and later the API's rank route) builds one from the stored values
// and queries it.
//
// How it is fast. Build sorts the entries twice (by value, by momentum) and splits each order,
// keeping it, into one list per (platform or any) x (niche or any) — 4 x 23 lists, every entry
// in at most 4 of them per order. A query without a follower range reads the first `limit`
// entries of one list. With a range it walks the list in order beside a parallel array of
// 32-bit follower counts and stops at `limit` hits: a sequential scan of 4 bytes an entry at
// worst (a range that matches nothing), never the strings. Memory: 64 bytes an entry plus the
// entries themselves.
//
// Thread safety: a built RankIndex is immutable; Query may run from many threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.h"
#include "core/status.h"

namespace sphere::market {

struct RankEntry {
  int64_t creator_id = 0;
  Platform platform = Platform::kInstagram;
  std::string handle;
  std::string niche;  // taxonomy id; "" (or anything outside the taxonomy) = unknown niche
  std::optional<int64_t> followers;  // a negative count is treated as unknown
  double value = 0;                  // fee_mid
  double score = 0;                  // 0-100 within platform
  double momentum = 0;
};

enum class RankSort { kValue, kMomentum };

inline constexpr int kMaxRankLimit = 1000;

struct RankQuery {
  std::optional<Platform> platform;  // none = every platform
  std::optional<std::string> niche;  // a taxonomy id; none = every niche (unknown included)
  // Inclusive bounds. Either bound excludes creators whose followers are unknown.
  std::optional<int64_t> min_followers;
  std::optional<int64_t> max_followers;
  RankSort sort = RankSort::kValue;
  int limit = 20;  // 1..kMaxRankLimit
};

// OK, or InvalidArgument naming the field: "niche" not a taxonomy id (core/niche.h),
// "min_followers" / "max_followers" negative, "min_followers" above "max_followers",
// "limit" outside 1..kMaxRankLimit.
Status ValidateRankQuery(const RankQuery& query);

class RankIndex {
 public:
  RankIndex() = default;  // empty: every query answers nothing

  // Takes the entries (at most 2^32 - 2) and pre-sorts them: descending by the sort key, ties
  // by creator_id ascending, then by position in `entries`, so every answer is deterministic.
  // A NaN value or momentum sorts after every number.
  static RankIndex Build(std::vector<RankEntry> entries);

  // The entries matching `query` in its sort order, at most query.limit of them. Pointers stay
  // valid while this index lives (moving the index keeps them). Query does not validate (call
  // ValidateRankQuery first); of an invalid query it answers what it literally asks: nothing
  // for a niche outside the taxonomy, a limit below 1, or min_followers above max_followers;
  // at most kMaxRankLimit entries; a negative bound acts as 0.
  std::vector<const RankEntry*> Query(const RankQuery& query) const;

  size_t size() const { return entries_.size(); }

 private:
  // One sort order of one list: entry positions, and their follower counts in the same order
  // (kUnknownFollowers, or saturated at kSaturatedFollowers and then checked exactly).
  struct Ordering {
    std::vector<uint32_t> positions;
    std::vector<uint32_t> followers;
  };
  struct List {
    Ordering by_value;
    Ordering by_momentum;
  };

  static size_t ListOf(size_t platform_slot, size_t niche_slot);

  std::vector<RankEntry> entries_;
  std::vector<List> lists_;  // ListOf(platform slot, niche slot); slot 0 = any
};

}  // namespace sphere::market
