#include "market/rank_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/niche.h"

namespace sphere::market {
namespace {

constexpr uint32_t kUnknownFollowers = std::numeric_limits<uint32_t>::max();
constexpr uint32_t kSaturatedFollowers = kUnknownFollowers - 1;
constexpr size_t kPlatformSlots = 4;  // any, instagram, tiktok, youtube

size_t NicheSlots() { return Niches().size() + 1; }

// 1 + the niche's position in the taxonomy; 0 for "" and anything outside it.
size_t NicheSlot(std::string_view niche) {
  const auto niches = Niches();
  for (size_t i = 0; i < niches.size(); ++i) {
    if (niches[i].id == niche) return i + 1;
  }
  return 0;
}

uint32_t CompactFollowers(const std::optional<int64_t>& followers) {
  if (!followers || *followers < 0) return kUnknownFollowers;
  return static_cast<uint32_t>(std::min<int64_t>(*followers, kSaturatedFollowers));
}

}  // namespace

Status ValidateRankQuery(const RankQuery& query) {
  if (query.niche && !IsNiche(*query.niche)) {
    return InvalidArgument(
        fmt::format("niche: '{}' is not a niche id (see docs/niches.md)", *query.niche));
  }
  if (query.min_followers && *query.min_followers < 0) {
    return InvalidArgument(
        fmt::format("min_followers: must be >= 0 (got {})", *query.min_followers));
  }
  if (query.max_followers && *query.max_followers < 0) {
    return InvalidArgument(
        fmt::format("max_followers: must be >= 0 (got {})", *query.max_followers));
  }
  if (query.min_followers && query.max_followers && *query.min_followers > *query.max_followers) {
    return InvalidArgument(fmt::format("min_followers: {} is above max_followers {}",
                                       *query.min_followers, *query.max_followers));
  }
  if (query.limit < 1 || query.limit > kMaxRankLimit) {
    return InvalidArgument(
        fmt::format("limit: must be between 1 and {} (got {})", kMaxRankLimit, query.limit));
  }
  return Status::Ok();
}

size_t RankIndex::ListOf(size_t platform_slot, size_t niche_slot) {
  return platform_slot * NicheSlots() + niche_slot;
}

RankIndex RankIndex::Build(std::vector<RankEntry> entries) {
  RankIndex index;
  index.entries_ = std::move(entries);
  const std::vector<RankEntry>& e = index.entries_;
  const size_t n = e.size();

  // Compact copies: sorting and splitting touch these, not the 100-byte entries.
  std::vector<int64_t> ids(n);
  std::vector<uint32_t> followers(n);
  std::vector<uint8_t> platform_slot(n), niche_slot(n);
  for (size_t i = 0; i < n; ++i) {
    ids[i] = e[i].creator_id;
    followers[i] = CompactFollowers(e[i].followers);
    platform_slot[i] = static_cast<uint8_t>(1 + static_cast<int>(e[i].platform));
    niche_slot[i] = static_cast<uint8_t>(NicheSlot(e[i].niche));
  }

  index.lists_.resize(kPlatformSlots * NicheSlots());
  // The lists an entry belongs to: any/any, its platform/any and, with a known niche,
  // any/its niche and its platform/its niche.
  auto for_each_list = [&](uint32_t i, auto&& visit) {
    visit(ListOf(0, 0));
    visit(ListOf(platform_slot[i], 0));
    if (niche_slot[i] != 0) {
      visit(ListOf(0, niche_slot[i]));
      visit(ListOf(platform_slot[i], niche_slot[i]));
    }
  };
  std::vector<size_t> list_sizes(index.lists_.size(), 0);
  for (uint32_t i = 0; i < n; ++i) for_each_list(i, [&](size_t l) { ++list_sizes[l]; });

  std::vector<double> key(n);
  std::vector<uint32_t> order(n);
  for (RankSort sort : {RankSort::kValue, RankSort::kMomentum}) {
    for (size_t i = 0; i < n; ++i) key[i] = sort == RankSort::kValue ? e[i].value : e[i].momentum;
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      const bool a_nan = std::isnan(key[a]), b_nan = std::isnan(key[b]);
      if (a_nan != b_nan) return b_nan;
      if (!a_nan && key[a] != key[b]) return key[a] > key[b];
      if (ids[a] != ids[b]) return ids[a] < ids[b];
      return a < b;
    });
    auto ordering = [&](size_t l) -> Ordering& {
      return sort == RankSort::kValue ? index.lists_[l].by_value : index.lists_[l].by_momentum;
    };
    for (size_t l = 0; l < index.lists_.size(); ++l) {
      ordering(l).positions.reserve(list_sizes[l]);
      ordering(l).followers.reserve(list_sizes[l]);
    }
    // Appending in sorted order keeps every list sorted: one sort serves all 92 lists.
    for (uint32_t i : order) {
      for_each_list(i, [&](size_t l) {
        ordering(l).positions.push_back(i);
        ordering(l).followers.push_back(followers[i]);
      });
    }
  }
  return index;
}

std::vector<const RankEntry*> RankIndex::Query(const RankQuery& query) const {
  std::vector<const RankEntry*> out;
  if (lists_.empty() || query.limit < 1) return out;
  const size_t limit = static_cast<size_t>(std::min(query.limit, kMaxRankLimit));
  size_t niche_slot = 0;
  if (query.niche) {
    niche_slot = NicheSlot(*query.niche);
    if (niche_slot == 0) return out;
  }
  const size_t platform_slot = query.platform ? 1 + static_cast<size_t>(*query.platform) : 0;
  const List& list = lists_[ListOf(platform_slot, niche_slot)];
  const Ordering& o = query.sort == RankSort::kValue ? list.by_value : list.by_momentum;
  const size_t n = o.positions.size();
  out.reserve(std::min(limit, n));

  if (!query.min_followers && !query.max_followers) {
    for (size_t i = 0; i < n && out.size() < limit; ++i) out.push_back(&entries_[o.positions[i]]);
    return out;
  }
  const int64_t lo = std::max<int64_t>(0, query.min_followers.value_or(0));
  const int64_t hi = query.max_followers.value_or(std::numeric_limits<int64_t>::max());
  if (lo > hi) return out;
  const uint32_t lo32 = static_cast<uint32_t>(std::min<int64_t>(lo, kSaturatedFollowers));
  const uint32_t hi32 = static_cast<uint32_t>(std::min<int64_t>(hi, kSaturatedFollowers));
  // Unknown followers (all ones) lie above hi32, so they never pass. One unsigned compare
  // tests lo32 <= f <= hi32.
  const uint32_t width = hi32 - lo32;
  const uint32_t* followers = o.followers.data();
  for (size_t i = 0; i < n; ++i) {
    const uint32_t f = followers[i];
    if (f - lo32 > width) continue;
    const RankEntry& entry = entries_[o.positions[i]];
    if (f == kSaturatedFollowers && (*entry.followers < lo || *entry.followers > hi)) continue;
    out.push_back(&entry);
    if (out.size() == limit) break;
  }
  return out;
}

}  // namespace sphere::market
