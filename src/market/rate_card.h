// The rate card: what one sponsored post is worth per engagement (CPE) or per thousand views
// (CPM), by platform and format, times a niche multiplier. It turns the Market Value forecast
// (engagement and views per post, each a low-mid-high range) into a fee range. The default card
// is config/rate_card.json; docs/rate-card.md gives the formula, every default figure with its
// source, and how to configure another card. No store, no model; pure apart from LoadRateCard's
// read of one file.
//
// Thread safety: a RateCard is a plain value; const access from many threads is safe.
#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.h"
#include "core/status.h"

namespace sphere::market {

// One figure the card's defaults come from, as the card file cites it.
struct RateSource {
  std::string text;      // the figure, e.g. "about $0.14 per engagement for an Instagram photo"
  std::string citation;  // where it was published or where the project records it
};

// The rates of one platform x format. A cell in use has at least one of the two.
struct RateCell {
  std::optional<double> cpe;  // currency per engagement (likes + comments + ...)
  std::optional<double> cpm;  // currency per 1,000 views
  std::string note;           // how the figures were chosen or derived

  bool empty() const { return !cpe && !cpm; }
};

struct RateCard {
  std::string origin;    // the file (or label) it was parsed from; errors and fees name it
  std::string currency;  // ISO 4217 code as written in the card, e.g. "USD"
  std::vector<std::string> notes;
  std::vector<RateSource> sources;
  // cells[platform][format], indexed by the enums' values. Empty cells cannot be priced.
  std::array<std::array<RateCell, 3>, 3> cells;
  // Taxonomy niche id (core/niche.h) -> multiplier. A niche not listed prices at 1.0.
  std::map<std::string, double, std::less<>> niche_multipliers;

  const RateCell& cell(Platform platform, MediaType format) const;
  // The multiplier of `niche` ("" = unknown niche): the card's figure, else 1.0. The niche is
  // not checked here; PriceFee rejects ids outside the taxonomy.
  double NicheMultiplier(std::string_view niche) const;
};

// Parses a rate card from JSON text (the format of config/rate_card.json, documented in
// docs/rate-card.md). `origin` names the text in errors, normally its path.
// InvalidArgument "<origin>: <json path>: <reason>" for text that is not JSON, a duplicated
// key, a missing or mistyped field, a rate that is not a positive number, a cell with neither
// cpe nor cpm, a card with no cells, and any key the format does not define — an unknown
// platform, format or niche included, so a typo never silently prices at a default.
Result<RateCard> ParseRateCard(std::string_view text, std::string_view origin);

// Reads and parses the file at `path`; origin is the path as given. NotFound when the file
// cannot be read; otherwise as ParseRateCard.
Result<RateCard> LoadRateCard(const std::filesystem::path& path);

// A forecast quantity per post with its range (the forecast's 80% interval).
struct Range {
  double low = 0;
  double mid = 0;
  double high = 0;
};

// A fee per sponsored post in the card's currency.
struct Fee {
  double low = 0;
  double mid = 0;
  double high = 0;
  std::string basis;        // "cpm" (priced from views) or "cpe" (priced from engagement)
  double rate = 0;          // the cell's cpm or cpe that was applied
  double multiplier = 1.0;  // the niche multiplier that was applied
};

// The fee for one sponsored post of `format` on `platform` by a creator of `niche` (a taxonomy
// id, or "" when unknown: multiplier 1.0), given the forecast engagement per post and, when
// the forecast has them, views per post:
//   cpm basis: fee = views / 1000 * cpm * multiplier   (when the cell has a cpm AND views given)
//   cpe basis: fee = engagement * cpe * multiplier     (otherwise, when the cell has a cpe)
// Each of low, mid and high is priced from the same end of the forecast's range, so the fee
// range is the forecast's range in money.
// InvalidArgument when a range has a negative or non-finite end or is not low <= mid <= high
// (the message names "engagement" or "views"), or when `niche` is not a taxonomy id.
// FailedPrecondition naming the card and the cell ("instagram.video") when the cell has no
// rate usable with the inputs: no rates at all, or only a cpm and no views were given.
Result<Fee> PriceFee(const RateCard& card, Platform platform, MediaType format,
                     std::string_view niche, const Range& engagement,
                     const std::optional<Range>& views);

// The format a creator's fee is quoted for when nothing else says: Instagram's feed image,
// the video on TikTok and YouTube (the formats each platform's bundled data is made of).
MediaType DefaultFormat(Platform platform);

}  // namespace sphere::market
