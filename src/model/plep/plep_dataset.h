// The PLEP training table: one row per post with known likes and comments, its feature
// vector (plep_features.h) and what evaluation needs beside it (creator, niche, followers,
// the creator's earlier median). Built by the service layer from a store; no I/O here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "features/feature_vector.h"

namespace sphere::plep {

struct PlepRow {
  std::string creator_key;  // "instagram/alice": the split key (core/split.h)
  std::string post_id;      // the platform's id
  Platform platform = Platform::kInstagram;
  MediaType media_type = MediaType::kImage;
  std::optional<UnixSeconds> posted_at;
  std::optional<std::string> niche;  // an id of Niches(), as the features saw it
  double followers = features::kMissing;
  // The creator's median likes + comments over their earlier posts: the naive baseline.
  double earlier_median_engagement = features::kMissing;
  // Targets: ln(1 + likes + comments) and ln(1 + comments).
  double log_engagement = 0;
  double log_comments = 0;
};

class PlepDataset {
 public:
  // InvalidArgument when `x` is not a PLEP vector (names differ from PlepFeatureNames()).
  Status Add(const features::FeatureVector& x, PlepRow row);

  size_t size() const { return rows_.size(); }
  size_t cols() const;
  const std::vector<float>& values() const { return values_; }  // row-major, NaN = missing
  const std::vector<PlepRow>& rows() const { return rows_; }
  std::span<const float> Row(size_t i) const;

  // SHA-256 (hex) of the values, targets and split keys in order: the manifest's data hash.
  std::string Sha256() const;

 private:
  std::vector<float> values_;
  std::vector<PlepRow> rows_;
};

}  // namespace sphere::plep
