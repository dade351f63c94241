// trees::Forest::FromXgboostJson on arbitrary bytes (the whole input is one model file, as a
// PLEP model directory's engagement.json would be). A damaged or hostile file must give
// DataLoss or InvalidArgument; crashes, hangs, UB, leaks and large allocations are findings
// (run with -rss_limit_mb and -malloc_limit_mb). When the model loads, it is loaded twice more
// with other ForestOptions (every leaf computed at run time; a few small tables, so pairs,
// single tables and run-time leaves mix), and on a few rows (all NaN, all zeros, ±inf, small
// integers that hit split conditions, floats taken from the input's bytes) checks:
//   - the shape agrees with the document (trees, features) and the options (table bytes);
//   - Predict is the same for all three (the same trees), and NaN for a row of the wrong size;
//   - Contributions writes features() + 1 values that sum to Predict, and the table paths
//     agree with the run-time one, within a tolerance relative to the leaf values' magnitude
//     (skipped when a value is not finite);
//   - wrong sizes are InvalidArgument and leave `out` untouched.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "model/trees/forest.h"

namespace sphere::trees {
namespace {

constexpr size_t kMaxInput = size_t{256} << 10;
// Rows are features() floats: a model may declare up to INT32_MAX features in a few bytes,
// which only a caller that sizes a row from it would pay for (PLEP checks it against its
// schema first). Past this, only the wrong-size paths are exercised.
constexpr int kMaxRowFeatures = 1 << 16;
constexpr size_t kDefaultTableBytes = ForestOptions{}.max_table_bytes;

// What the document says, read independently of Forest: the number of trees and, per tree,
// the sum of |split_conditions| over every node (a bound on its leaf values' magnitude) and the
// largest ratio of a child's sum_hessian to its parent's. In a real model that ratio is at most
// 1; a damaged file that makes it larger scales a leaf's share of the bias and its Shapley
// values by up to ratio^depth, and the tolerances with them.
struct DocFacts {
  size_t trees = 0;
  std::vector<double> value_mass, cover_growth;

  // A bound on the magnitude of every term the forest adds up.
  double Scale(int max_depth) const {
    double scale = 0;
    for (size_t t = 0; t < value_mass.size(); ++t) {
      scale += value_mass[t] * std::pow(std::max(1.0, cover_growth[t]), max_depth);
    }
    return scale;
  }
};

std::optional<DocFacts> ReadFacts(std::string_view bytes) {
  const nlohmann::json doc = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return std::nullopt;
  try {
    const nlohmann::json& trees = doc.at("learner").at("gradient_booster").at("model").at("trees");
    DocFacts facts;
    facts.trees = trees.size();
    for (const nlohmann::json& tree : trees) {
      double mass = 0, growth = 0;
      for (const nlohmann::json& value : tree.at("split_conditions")) {
        mass += std::abs(value.get<double>());
      }
      const nlohmann::json& hessian = tree.at("sum_hessian");
      for (const char* side : {"left_children", "right_children"}) {
        const nlohmann::json& children = tree.at(side);
        for (size_t i = 0; i < children.size() && i < hessian.size(); ++i) {
          const int64_t child = children[i].get<int64_t>();
          if (child <= 0 || static_cast<size_t>(child) >= hessian.size()) continue;
          growth = std::max(growth, hessian[child].get<double>() / hessian[i].get<double>());
        }
      }
      facts.value_mass.push_back(mass);
      facts.cover_growth.push_back(growth);
    }
    return facts;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

bool AllFinite(std::span<const double> values) {
  return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
}

// Rows to evaluate: each features() long.
std::vector<std::vector<float>> Rows(int features, const uint8_t* data, size_t size) {
  const auto n = static_cast<size_t>(features);
  std::vector<std::vector<float>> rows;
  rows.emplace_back(n, std::numeric_limits<float>::quiet_NaN());
  rows.emplace_back(n, 0.0f);
  std::vector<float> inf(n), small(n), raw(n);
  for (size_t j = 0; j < n; ++j) {
    inf[j] = (j % 2 == 0 ? 1 : -1) * std::numeric_limits<float>::infinity();
    // Small integers and halves: XGBoost's split conditions on integer features are x.5.
    small[j] = size == 0 ? 0.0f : static_cast<float>(data[(j * 7) % size] % 12) * 0.5f - 1.0f;
    // Four bytes of the input as a float (NaN, inf, denormals and all).
    uint8_t bytes[4] = {0, 0, 0, 0};
    for (size_t k = 0; k < 4 && size > 0; ++k) bytes[k] = data[(4 * j + k) % size];
    std::memcpy(&raw[j], bytes, sizeof(float));
  }
  rows.push_back(std::move(inf));
  rows.push_back(std::move(small));
  rows.push_back(std::move(raw));
  return rows;
}

void CheckWrongSizes(const Forest& forest) {
  const int f = forest.features();
  std::vector<float> row(static_cast<size_t>(f) + 1, 0.0f);
  std::vector<double> out(static_cast<size_t>(f) + 2, 7.0);
  // One value too many (or none, for a model with features): Predict is NaN.
  SPHERE_FUZZ_CHECK(std::isnan(forest.Predict(row)));
  if (f > 0) SPHERE_FUZZ_CHECK(std::isnan(forest.Predict({})));
  // Wrong row size, then (with a right row) wrong out size: InvalidArgument, out untouched.
  Status wrong_row = forest.Contributions(row, std::span<double>(out).first(f + 1));
  SPHERE_FUZZ_CHECK(wrong_row.code() == Code::kInvalidArgument);
  if (f > kMaxRowFeatures) return;
  const std::span<const float> right_row = std::span<const float>(row).first(f);
  SPHERE_FUZZ_CHECK(forest.Contributions(right_row, out).code() == Code::kInvalidArgument);
  SPHERE_FUZZ_CHECK(forest.Contributions(right_row, std::span<double>(out).first(f)).code() ==
                    Code::kInvalidArgument);
  SPHERE_FUZZ_CHECK(std::all_of(out.begin(), out.end(), [](double v) { return v == 7.0; }));
}

void FuzzOne(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const Result<Forest> loaded = Forest::FromXgboostJson(bytes);
  if (!loaded.ok()) {
    const Code code = loaded.status().code();
    SPHERE_FUZZ_CHECK(code == Code::kDataLoss || code == Code::kInvalidArgument);
    SPHERE_FUZZ_CHECK(!loaded.status().message().empty());
    return;
  }
  const Forest& forest = *loaded;

  // Shape: as the document says, within the limits the header promises.
  const std::optional<DocFacts> facts = ReadFacts(bytes);
  SPHERE_FUZZ_CHECK(facts.has_value());
  SPHERE_FUZZ_CHECK(static_cast<size_t>(forest.trees()) == facts->trees);
  SPHERE_FUZZ_CHECK(forest.features() >= 0);
  SPHERE_FUZZ_CHECK(forest.max_depth() >= 0 && forest.max_depth() <= 128);
  SPHERE_FUZZ_CHECK(forest.direct_leaves() >= 0);
  SPHERE_FUZZ_CHECK(forest.table_bytes() <= kDefaultTableBytes);

  // The same model with every leaf computed at run time, and with a few small tables.
  const Result<Forest> direct = Forest::FromXgboostJson(bytes, {.max_table_features = 0});
  const ForestOptions mixed_options{.max_table_features = 1 + static_cast<int>(size % 6),
                                    .max_table_bytes = 64 + (size % 7) * 256};
  const Result<Forest> mixed = Forest::FromXgboostJson(bytes, mixed_options);
  SPHERE_FUZZ_CHECK(direct.ok() && mixed.ok());
  SPHERE_FUZZ_CHECK(direct->table_bytes() == 0);
  SPHERE_FUZZ_CHECK(direct->direct_leaves() >= forest.direct_leaves());
  SPHERE_FUZZ_CHECK(mixed->table_bytes() <= mixed_options.max_table_bytes);
  const Forest* const all[] = {&forest, &*direct, &*mixed};
  for (const Forest* other : all) {
    SPHERE_FUZZ_CHECK(other->features() == forest.features());
    SPHERE_FUZZ_CHECK(other->trees() == forest.trees());
    SPHERE_FUZZ_CHECK(other->max_depth() == forest.max_depth());
    SPHERE_FUZZ_CHECK(std::bit_cast<uint64_t>(other->base_score()) ==
                      std::bit_cast<uint64_t>(forest.base_score()));
    SPHERE_FUZZ_CHECK(std::bit_cast<uint64_t>(other->bias()) ==
                      std::bit_cast<uint64_t>(forest.bias()));
    CheckWrongSizes(*other);
  }

  const int features = forest.features();
  if (features > kMaxRowFeatures) return;
  const double scale = facts->Scale(forest.max_depth()) + std::abs(forest.base_score());
  std::vector<double> reference(static_cast<size_t>(features) + 1);
  std::vector<double> out(static_cast<size_t>(features) + 1);
  for (const std::vector<float>& row : Rows(features, data, size)) {
    const double predicted = forest.Predict(row);
    SPHERE_FUZZ_CHECK(direct->Contributions(row, reference).ok());
    const bool finite = std::isfinite(predicted) && AllFinite(reference) && std::isfinite(scale);
    double sum = 0;
    for (double v : reference) sum += v;
    if (finite && std::isfinite(sum)) {
      SPHERE_FUZZ_CHECK(std::abs(sum - predicted) <= 1e-9 * scale + 1e-12);
    }

    for (const Forest* other : all) {
      const double p = other->Predict(row);
      SPHERE_FUZZ_CHECK(std::bit_cast<uint64_t>(p) == std::bit_cast<uint64_t>(predicted));
      std::fill(out.begin(), out.end(), std::numeric_limits<double>::quiet_NaN());
      SPHERE_FUZZ_CHECK(other->Contributions(row, out).ok());
      SPHERE_FUZZ_CHECK(out.back() == other->bias() || std::isnan(other->bias()));
      if (!finite || !AllFinite(out)) continue;
      // Tables hold floats: each value off by float rounding of terms up to the leaf values.
      const double tolerance = 1e-5 * scale + 1e-12;
      for (size_t j = 0; j < out.size(); ++j) {
        SPHERE_FUZZ_CHECK(std::abs(out[j] - reference[j]) <= tolerance);
      }
    }
  }
}

}  // namespace
}  // namespace sphere::trees

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > sphere::trees::kMaxInput) return -1;  // not kept in the corpus
  sphere::trees::FuzzOne(data, size);
  return 0;
}
