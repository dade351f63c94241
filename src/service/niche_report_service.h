// The niche taxonomy with what the directory knows about each niche: how many creators per
// platform, and the median engagement rate and Market Value score of its creators (what the
// Niche reports page and GET /api/v1/niches show).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/niche.h"
#include "service/creator_directory.h"

namespace sphere::service {

struct NicheSummary {
  std::string id;                        // a Niches() id; "" for the creators without a known niche
  std::map<Platform, int64_t> creators;  // every platform, 0 included
  int64_t total = 0;
  // Medians over the creators that have the figure (the count says how many did); nullopt
  // when none does.
  std::optional<double> median_engagement_rate;
  int64_t with_engagement_rate = 0;
  std::optional<double> median_market_score;
  int64_t with_market_score = 0;
};

struct NicheReport {
  std::vector<NicheSummary> niches;  // Niches()' order, every niche (empty ones too)
  NicheSummary unknown;              // creators whose niche is none or outside the taxonomy
};

NicheReport SummarizeNiches(const std::vector<DirectoryEntry>& entries);
// Over every creator of the directory.
NicheReport SummarizeNiches(const CreatorDirectory& directory);

}  // namespace sphere::service
