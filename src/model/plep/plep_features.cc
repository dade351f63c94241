#include "model/plep/plep_features.h"

#include "core/niche.h"
#include "features/post/post_features.h"

namespace sphere::plep {
namespace {

// "niche.<id>" with static storage, as FeatureVector names must have.
const std::vector<std::string>& NicheFeatureNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const NicheInfo& n : Niches()) out.push_back("niche." + std::string(n.id));
    return out;
  }();
  return names;
}

}  // namespace

const std::vector<std::string>& PlepFeatureNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out = features::PostFeatureNames();
    const std::vector<std::string>& niches = NicheFeatureNames();
    out.insert(out.end(), niches.begin(), niches.end());
    return out;
  }();
  return names;
}

void AppendNicheFeatures(std::optional<std::string_view> niche, features::FeatureVector& out) {
  const bool known = niche && IsNiche(*niche);
  const std::vector<std::string>& names = NicheFeatureNames();
  const auto niches = Niches();
  for (size_t i = 0; i < niches.size(); ++i) {
    out.Add(std::string_view(names[i]),
            known ? (niches[i].id == *niche ? 1.0 : 0.0) : features::kMissing);
  }
}

std::optional<std::string_view> NicheOfVector(const features::FeatureVector& x) {
  const auto niches = Niches();
  const std::vector<std::string>& names = NicheFeatureNames();
  for (size_t i = 0; i < niches.size(); ++i) {
    std::optional<double> v = x.Get(names[i]);
    if (v && *v == 1.0) return niches[i].id;
  }
  return std::nullopt;
}

}  // namespace sphere::plep
