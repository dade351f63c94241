// The product's niche taxonomy and the mapping of every source's raw category onto it.
//
// Importers keep a creator's category as the source spelled it (lower-cased) in
// Creator::niche: Kim's "interior", smi2022's "sports with a ball", Social Blade's
// "fashion&beauty", YouTube's "howto & style". Everything that compares, filters or
// learns niches goes through NicheOfCategory so that those all land on one short list.
// docs/niches.md shows the table. No I/O.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace sphere {

struct NicheInfo {
  std::string_view id;      // stable slug stored and served, e.g. "home"
  std::string_view name;    // for people, e.g. "Home & interior"
  std::string_view covers;  // what belongs here, one line
};

// Every niche of the product, in display order. Ids are lower-case ASCII slugs.
std::span<const NicheInfo> Niches();

// True when `id` is one of Niches()' ids (exact, case-sensitive).
bool IsNiche(std::string_view id);

// One raw category a source uses and the niche it belongs to.
struct CategoryMapping {
  std::string_view raw;    // lower-case, as importers store it
  std::string_view niche;  // an id of Niches()
};

// Every raw category the mapping knows, sorted by raw.
std::span<const CategoryMapping> CategoryMappings();

// The niche of a raw source category, or nullopt when the category is unknown or empty.
// Case and surrounding space are ignored. A multi-valued category ("Music, Lifestyle")
// maps to its first part that maps. An unknown category is never guessed into "other":
// "other" is only for sources that say so (Kim's residual class) or name a niche outside
// the list on purpose (see docs/niches.md).
std::optional<std::string_view> NicheOfCategory(std::string_view raw);

}  // namespace sphere
