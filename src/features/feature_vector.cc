#include "features/feature_vector.h"

#include <cstdio>

namespace sphere::features {

std::optional<double> FeatureVector::Get(std::string_view name) const {
  for (const Feature& f : features_) {
    if (f.name == name) return f.value;
  }
  return std::nullopt;
}

std::vector<std::string> FeatureVector::Names() const {
  std::vector<std::string> names;
  names.reserve(features_.size());
  for (const Feature& f : features_) names.emplace_back(f.name);
  return names;
}

std::vector<float> FeatureVector::ValuesAsFloat() const {
  std::vector<float> values;
  values.reserve(features_.size());
  for (const Feature& f : features_) values.push_back(static_cast<float>(f.value));
  return values;
}

std::string SchemaFingerprint(const std::vector<std::string>& names) {
  uint64_t hash = 0xcbf29ce484222325ull;
  auto mix = [&hash](unsigned char c) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  };
  for (const std::string& name : names) {
    for (unsigned char c : name) mix(c);
    mix('\n');  // so ["ab","c"] and ["a","bc"] differ
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(hash));
  return out;
}

}  // namespace sphere::features
