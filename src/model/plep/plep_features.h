// What the PLEP model reads: the post features (features/post: timing, format, creator
// profile, caption, image, history at the post's time) followed by one indicator per
// niche of the product taxonomy. The ordered names are the model's schema: a model
// records kFeatureSchemaVersion and the fingerprint of PlepFeatureNames() and refuses to
// load against another.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "features/feature_vector.h"

namespace sphere::plep {

inline constexpr std::string_view kModelKind = "plep";

// PostFeatureNames() then "niche.<id>" for every id of Niches(), in that order.
const std::vector<std::string>& PlepFeatureNames();

// Appends the niche indicators: 1 for `niche`, 0 for every other niche; all missing when
// the niche is unknown. InvalidArgument-free by design: an id outside the taxonomy is
// treated as unknown (the callers take niches from NicheOfCategory or the classifier).
void AppendNicheFeatures(std::optional<std::string_view> niche, features::FeatureVector& out);

// The niche whose indicator is set in a PLEP vector, or nullopt.
std::optional<std::string_view> NicheOfVector(const features::FeatureVector& x);

}  // namespace sphere::plep
