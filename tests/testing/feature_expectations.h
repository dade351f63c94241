// GoogleTest helper for feature vectors: same names in the same order, same values, NaN
// (missing) equal to NaN.
#pragma once

#include <gtest/gtest.h>

#include <cmath>

#include "features/feature_vector.h"

namespace sphere::testing {

inline void ExpectSameVector(const features::FeatureVector& a, const features::FeatureVector& b) {
  ASSERT_EQ(a.Names(), b.Names());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(a[i].name);
    if (std::isnan(a[i].value)) {
      EXPECT_TRUE(std::isnan(b[i].value)) << b[i].value;
    } else {
      EXPECT_EQ(a[i].value, b[i].value);
    }
  }
}

}  // namespace sphere::testing
