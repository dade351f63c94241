#include "features/feature_vector.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sphere::features {
namespace {

TEST(FeatureVector, KeepsOrderAndMarksMissingAsNaN) {
  FeatureVector v;
  v.Add("a.count", 3.0);
  v.Add("a.share", std::optional<double>{});
  v.Add("a.flag", true);
  EXPECT_EQ(v.Names(), (std::vector<std::string>{"a.count", "a.share", "a.flag"}));
  EXPECT_EQ(*v.Get("a.count"), 3.0);
  EXPECT_TRUE(std::isnan(*v.Get("a.share")));
  EXPECT_EQ(*v.Get("a.flag"), 1.0);
  EXPECT_FALSE(v.Get("a.absent"));
  std::vector<float> values = v.ValuesAsFloat();
  EXPECT_TRUE(std::isnan(values[1]));
}

TEST(FeatureVector, AppendKeepsBothGroupsInOrder) {
  FeatureVector a, b;
  a.Add("a.x", 1.0);
  b.Add("b.y", 2.0);
  a.Append(b);
  EXPECT_EQ(a.Names(), (std::vector<std::string>{"a.x", "b.y"}));
}

TEST(SchemaFingerprint, ChangesWithOrderAndBoundaries) {
  const std::string base = SchemaFingerprint({"a", "b"});
  EXPECT_EQ(base.size(), 16u);
  EXPECT_EQ(base, SchemaFingerprint({"a", "b"}));
  EXPECT_NE(base, SchemaFingerprint({"b", "a"}));
  EXPECT_NE(SchemaFingerprint({"ab", "c"}), SchemaFingerprint({"a", "bc"}));
}

}  // namespace
}  // namespace sphere::features
