#include "core/niche.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace sphere {
namespace {

constexpr NicheInfo kNiches[] = {
    {"fashion", "Fashion", "clothing, outfits, accessories, jewellery, modelling"},
    {"beauty", "Beauty", "make-up, skin care, hair, nails"},
    {"fitness", "Fitness & health", "training, gym, yoga, health and self-help"},
    {"food", "Food & drink", "cooking, recipes, restaurants, drinks"},
    {"travel", "Travel & outdoors", "trips, places, landscapes, events abroad"},
    {"family", "Family & kids", "parenting, children, toys"},
    {"home", "Home & interior", "interior design, decoration, DIY"},
    {"pets", "Pets & animals", "pets and animals"},
    {"gaming", "Gaming", "video games, streaming of games"},
    {"music", "Music & dance", "musicians, bands, dance"},
    {"film", "Film & animation", "cinema, actors, movies, trailers, animation"},
    {"entertainment", "Entertainment", "shows, celebrities, commentary, ASMR"},
    {"comedy", "Comedy", "humour, sketches, pranks"},
    {"education", "Education & science", "teaching, explainers, science, literature"},
    {"tech", "Tech", "computers, gadgets, science & technology, product reviews"},
    {"sports", "Sports", "athletes, teams, ball, racing, winter and extreme sports"},
    {"news", "News & politics", "news, politics, journalism, activism"},
    {"business", "Business & finance", "careers, marketing, finance, crypto"},
    {"automotive", "Cars & vehicles", "cars, motorbikes, vehicles"},
    {"art", "Art & photography", "artists, design, photography"},
    {"lifestyle", "Lifestyle", "daily vlogs, people & blogs, luxury, how-to & style"},
    {"other", "Other", "a source's explicit residual class (Kim's 'other'), adult content"},
};

// Sorted by raw (checked by a test) for binary search. Sources: Kim et al. (K), smi2022
// Instagram (SI) and YouTube (SY), Social Blade (SB), Global YouTube Statistics 2023 (GY).
constexpr CategoryMapping kMappings[] = {
    {"accessories & jewellery", "fashion"},           // SI
    {"adult content", "other"},                       // SI
    {"animals", "pets"},                              // SI
    {"animals & pets", "pets"},                       // SY
    {"animation", "film"},                            // SY, GY
    {"art/artists", "art"},                           // SI
    {"asmr", "entertainment"},                        // SY
    {"autos & vehicles", "automotive"},               // SY, GY
    {"beauty", "beauty"},                             // K, SI
    {"business & careers", "business"},               // SI
    {"cars & motorbikes", "automotive"},              // SI
    {"cinema & actors/actresses", "film"},            // SI
    {"clothing & outfits", "fashion"},                // SI
    {"comedy", "comedy"},                             // SB, GY
    {"commentary", "entertainment"},                  // SB
    {"computers & gadgets", "tech"},                  // SI
    {"crypto", "business"},                           // SI
    {"daily vlogs", "lifestyle"},                     // SY, GY
    {"design/art", "art"},                            // SY
    {"diy & design", "home"},                         // SI
    {"diy & life hacks", "home"},                     // SY
    {"education", "education"},                       // SI, SY, GY
    {"educational", "education"},                     // SB
    {"entertainment", "entertainment"},               // GY
    {"extreme sports & outdoor activity", "sports"},  // SI
    {"family", "family"},                             // K, SI
    {"fashion", "fashion"},                           // K, SI, SY
    {"fashion&beauty", "beauty"},                     // SB
    {"film & animation", "film"},                     // GY
    {"finance & economics", "business"},              // SI
    {"fitness", "fitness"},                           // K, SY, SB
    {"fitness & gym", "fitness"},                     // SI
    {"food", "food"},                                 // K, SB
    {"food & cooking", "food"},                       // SI
    {"food & drinks", "food"},                        // SY
    {"gaming", "gaming"},                             // SI, SB, GY
    {"health & self help", "fitness"},                // SY
    {"howto & style", "lifestyle"},                   // GY
    {"humor", "comedy"},                              // SY
    {"humor & fun & happiness", "comedy"},            // SI
    {"interior", "home"},                             // K
    {"kids", "family"},                               // SB
    {"kids & toys", "family"},                        // SI
    {"lifestyle", "lifestyle"},                       // SI
    {"literature & journalism", "news"},              // SI
    {"luxury", "lifestyle"},                          // SI
    {"management & marketing", "business"},           // SI
    {"modeling", "fashion"},                          // SI
    {"movies", "film"},                               // SY, GY
    {"music", "music"},                               // SI, GY
    {"music & dance", "music"},                       // SY, GY
    {"nature & landscapes", "travel"},                // SI
    {"news", "news"},                                 // SB
    {"news & politics", "news"},                      // SY, GY
    {"nonprofits & activism", "news"},                // GY
    {"other", "other"},                               // K
    {"people & blogs", "lifestyle"},                  // GY
    {"pet", "pets"},                                  // K
    {"pets & animals", "pets"},                       // GY
    {"photography", "art"},                           // SI
    {"product_review", "tech"},                       // SB
    {"racing sports", "sports"},                      // SI
    {"science", "education"},                         // SI
    {"science & technology", "tech"},                 // SY, GY
    {"shows", "entertainment"},                       // SI, GY
    {"sports", "sports"},                             // SY, GY
    {"sports with a ball", "sports"},                 // SI
    {"toys", "family"},                               // SY, GY
    {"trailers", "film"},                             // GY
    {"travel", "travel"},                             // K, SI, SY, SB
    {"travel & events", "travel"},                    // GY
    {"video games", "gaming"},                        // SY
    {"winter sports", "sports"},                      // SI
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<std::string_view> LookUp(std::string_view part) {
  std::string key(Trim(part));
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (key.empty()) return std::nullopt;
  const auto* it = std::lower_bound(
      std::begin(kMappings), std::end(kMappings), key,
      [](const CategoryMapping& m, const std::string& k) { return m.raw < std::string_view(k); });
  if (it == std::end(kMappings) || it->raw != key) return std::nullopt;
  return it->niche;
}

}  // namespace

std::span<const NicheInfo> Niches() { return kNiches; }

bool IsNiche(std::string_view id) {
  return std::any_of(std::begin(kNiches), std::end(kNiches),
                     [&](const NicheInfo& n) { return n.id == id; });
}

std::span<const CategoryMapping> CategoryMappings() { return kMappings; }

std::optional<std::string_view> NicheOfCategory(std::string_view raw) {
  // The whole value first: no known category contains a comma today, but one that does
  // must not be split.
  if (auto whole = LookUp(raw)) return whole;
  while (!raw.empty()) {
    const size_t comma = raw.find(',');
    if (auto niche = LookUp(raw.substr(0, comma))) return niche;
    if (comma == std::string_view::npos) break;
    raw.remove_prefix(comma + 1);
  }
  return std::nullopt;
}

}  // namespace sphere
