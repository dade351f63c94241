#include "model/plep/plep_dataset.h"

#include <sodium.h>

#include "model/plep/plep_features.h"

namespace sphere::plep {

size_t PlepDataset::cols() const { return PlepFeatureNames().size(); }

Status PlepDataset::Add(const features::FeatureVector& x, PlepRow row) {
  const std::vector<std::string>& names = PlepFeatureNames();
  if (x.size() != names.size()) {
    return InvalidArgument("PLEP row: " + std::to_string(x.size()) + " features, the schema has " +
                           std::to_string(names.size()));
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (x[i].name != names[i]) {
      return InvalidArgument("PLEP row: feature " + std::to_string(i) + " is '" +
                             std::string(x[i].name) + "', the schema says '" + names[i] + "'");
    }
  }
  for (const features::Feature& f : x.features()) values_.push_back(static_cast<float>(f.value));
  rows_.push_back(std::move(row));
  return Status::Ok();
}

std::span<const float> PlepDataset::Row(size_t i) const {
  return std::span<const float>(values_).subspan(i * cols(), cols());
}

std::string PlepDataset::Sha256() const {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(values_.data()),
                            values_.size() * sizeof(float));
  for (const PlepRow& r : rows_) {
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(r.creator_key.data()),
                              r.creator_key.size() + 1);  // with the terminating NUL
    const double targets[2] = {r.log_engagement, r.log_comments};
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(targets),
                              sizeof(targets));
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
  return hex;
}

}  // namespace sphere::plep
