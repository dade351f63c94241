#include "core/niche.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace sphere {
namespace {

TEST(NicheTaxonomy, IdsAreUniqueLowerCaseSlugs) {
  std::set<std::string_view> seen;
  for (const NicheInfo& niche : Niches()) {
    EXPECT_TRUE(seen.insert(niche.id).second) << niche.id;
    EXPECT_FALSE(niche.name.empty()) << niche.id;
    for (char c : niche.id) EXPECT_TRUE(c >= 'a' && c <= 'z') << niche.id;
  }
}

TEST(NicheTaxonomy, MappingsAreSortedUniqueAndLandOnKnownNiches) {
  auto mappings = CategoryMappings();
  for (size_t i = 0; i < mappings.size(); ++i) {
    EXPECT_TRUE(IsNiche(mappings[i].niche)) << mappings[i].raw << " -> " << mappings[i].niche;
    if (i > 0) {
      EXPECT_LT(mappings[i - 1].raw, mappings[i].raw);
    }
    EXPECT_EQ(NicheOfCategory(mappings[i].raw), mappings[i].niche);
  }
}

TEST(NicheTaxonomy, EveryNicheHasASourceCategory) {
  for (const NicheInfo& niche : Niches()) {
    bool mapped = std::any_of(CategoryMappings().begin(), CategoryMappings().end(),
                              [&](const CategoryMapping& m) { return m.niche == niche.id; });
    EXPECT_TRUE(mapped) << niche.id;
  }
}

TEST(NicheOfCategory, KimCategoriesMapOntoTheTaxonomy) {
  EXPECT_EQ(NicheOfCategory("fashion"), "fashion");
  EXPECT_EQ(NicheOfCategory("interior"), "home");
  EXPECT_EQ(NicheOfCategory("pet"), "pets");
  EXPECT_EQ(NicheOfCategory("other"), "other");
}

TEST(NicheOfCategory, IgnoresCaseAndSurroundingSpace) {
  EXPECT_EQ(NicheOfCategory("  Sports with a Ball "), "sports");
  EXPECT_EQ(NicheOfCategory("HOWTO & STYLE"), "lifestyle");
}

TEST(NicheOfCategory, MultiValuedTakesTheFirstPartThatMaps) {
  EXPECT_EQ(NicheOfCategory("Music, Lifestyle"), "music");
  EXPECT_EQ(NicheOfCategory("astrology, Food & Cooking, travel"), "food");
}

TEST(NicheOfCategory, UnknownIsNulloptNotOther) {
  EXPECT_EQ(NicheOfCategory("astrology"), std::nullopt);
  EXPECT_EQ(NicheOfCategory("astrology, numerology"), std::nullopt);
  EXPECT_EQ(NicheOfCategory(""), std::nullopt);
  EXPECT_EQ(NicheOfCategory(" , "), std::nullopt);
}

TEST(IsNiche, IsExact) {
  EXPECT_TRUE(IsNiche("home"));
  EXPECT_FALSE(IsNiche("interior"));
  EXPECT_FALSE(IsNiche("Home"));
}

}  // namespace
}  // namespace sphere
