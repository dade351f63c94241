#include "service/niche_report_service.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace sphere::service {
namespace {

std::optional<double> Median(std::vector<double>& values) {
  if (values.empty()) return std::nullopt;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

struct Accumulator {
  NicheSummary summary;
  std::vector<double> rates, scores;

  void Add(const DirectoryEntry& e) {
    ++summary.creators[e.platform];
    ++summary.total;
    if (e.engagement_rate && std::isfinite(*e.engagement_rate)) rates.push_back(*e.engagement_rate);
    if (e.market_score && std::isfinite(*e.market_score)) scores.push_back(*e.market_score);
  }
  NicheSummary Finish() {
    summary.with_engagement_rate = static_cast<int64_t>(rates.size());
    summary.median_engagement_rate = Median(rates);
    summary.with_market_score = static_cast<int64_t>(scores.size());
    summary.median_market_score = Median(scores);
    return std::move(summary);
  }
};

Accumulator Empty(std::string id) {
  Accumulator a;
  a.summary.id = std::move(id);
  for (Platform p : {Platform::kInstagram, Platform::kTikTok, Platform::kYouTube}) {
    a.summary.creators[p] = 0;
  }
  return a;
}

}  // namespace

NicheReport SummarizeNiches(const std::vector<DirectoryEntry>& entries) {
  std::vector<Accumulator> niches;
  std::unordered_map<std::string_view, size_t> slot;
  for (const NicheInfo& n : Niches()) {
    slot[n.id] = niches.size();
    niches.push_back(Empty(std::string(n.id)));
  }
  Accumulator unknown = Empty("");
  for (const DirectoryEntry& e : entries) {
    auto it = e.niche ? slot.find(*e.niche) : slot.end();
    (it == slot.end() ? unknown : niches[it->second]).Add(e);
  }
  NicheReport report;
  for (Accumulator& a : niches) report.niches.push_back(a.Finish());
  report.unknown = unknown.Finish();
  return report;
}

NicheReport SummarizeNiches(const CreatorDirectory& directory) {
  DirectorySearch all;
  all.limit = std::numeric_limits<int64_t>::max() / 2;  // every match, read under one lock
  return SummarizeNiches(directory.Search(all).results);
}

}  // namespace sphere::service
