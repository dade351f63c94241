// A named feature vector: what the models see, in a fixed order.
//
// Every feature group (caption, visual, history, post context) appends its features
// under dotted names ("caption.hashtags", "visual.faces", "history.median_engagement").
// The ordered list of names is the schema: a model records the schema's version and
// fingerprint, and refuses to load against a different one. A missing value is NaN
// (XGBoost's missing marker), never 0: "no image" is not "zero faces".
//
// Names must have static storage duration (string literals): vectors are built per
// post on hot paths and never copy their names.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sphere::features {

// Bumped whenever a feature is added, removed, renamed or changes meaning.
inline constexpr int kFeatureSchemaVersion = 1;

inline constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

struct Feature {
  std::string_view name;  // static storage
  double value = kMissing;
};

class FeatureVector {
 public:
  void Add(std::string_view static_name, double value) {
    features_.push_back({static_name, value});
  }
  void Add(std::string_view static_name, std::optional<double> value) {
    Add(static_name, value ? *value : kMissing);
  }
  void Add(std::string_view static_name, bool value) { Add(static_name, value ? 1.0 : 0.0); }
  void Append(const FeatureVector& other) {
    features_.insert(features_.end(), other.features_.begin(), other.features_.end());
  }

  size_t size() const { return features_.size(); }
  const std::vector<Feature>& features() const { return features_; }
  const Feature& operator[](size_t i) const { return features_[i]; }

  // The value of the named feature; nullopt when the name is absent (a missing value is
  // present as NaN).
  std::optional<double> Get(std::string_view name) const;

  std::vector<std::string> Names() const;
  std::vector<float> ValuesAsFloat() const;  // XGBoost's input type; NaN stays NaN

 private:
  std::vector<Feature> features_;
};

// A stable 16-hex-digit fingerprint of the ordered names (FNV-1a 64), recorded in model
// manifests next to kFeatureSchemaVersion so that a reordering is caught too.
std::string SchemaFingerprint(const std::vector<std::string>& names);

}  // namespace sphere::features
