// An immutable, compact copy of a trained XGBoost gbtree regression model that predicts and
// explains one row at a time: exact path-dependent TreeSHAP contributions, equal to XGBoost's
// pred_contribs (approx_contribs=false) up to float rounding, at a fraction of its cost.
//
// Why it is cheaper. For one leaf with value v, let U be the d distinct features on its path,
// z_j the product of the cover ratios (child / parent sum_hessian) of feature j's splits on
// the path, and o_j = 1 when the row satisfies all of j's conditions on the path (NaN takes the
// default branch). Every other feature is a dummy player for this leaf, so its Shapley values
// depend only on the bitmask M = {j : o_j = 1}:
//   G(M) = sum_{S ⊆ M} w_d(|S|) prod_{j ∈ U \ S} z_j,   w_d(s) = s! (d - s - 1)! / d!
//   phi_i = -v G(M)                          for o_i = 0,
//   phi_i = v (1 - z_i) / z_i G(M \ {i})     for o_i = 1
// (Fast TreeSHAP v2, Yang 2021). A(M) = v G(M) is precomputed at load for every leaf and mask,
// 2^d floats a leaf. A row then costs one pass over the splits (each decision clears its
// feature's bit on the branch not taken, which yields every leaf's M) plus d + 1 look-ups and
// additions per leaf: O(T L D) against the recursive algorithm's O(T L D^2), with no
// recursion, path copies or divisions. Two sibling leaves whose parent splits on a feature new
// to the path share one table indexed by their common M plus which child the row takes: the
// sum of their A's serves the d - 1 shared features and a second table holds the parent
// feature's value. That halves the look-ups and additions for the same memory (300 trees of
// depth 6: about 3 MiB). A leaf with more distinct features than ForestOptions allows, past
// the table budget, or with a zero cover ratio (where (1 - z) / z is undefined) is computed
// at run time by multiplying out prod_j (z_j + o_j t) and dividing one factor back out per
// feature: O(d^2), still exact.
//
// Semantics are XGBoost's: a value goes left iff value < split_condition, compared as floats;
// NaN follows default_left; +-inf compare as numbers; cover is sum_hessian. Accumulation is in
// double (XGBoost's is float), so results differ from XGBoost's by its float rounding.
//
// Thread safety: a Forest is immutable after FromXgboostJson; all const methods may run
// concurrently. They allocate nothing on the heap unless a tree has more than 1024 splits
// or leaves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sphere::trees {

struct ForestOptions {
  // Leaves with at most this many distinct features on their path get a 2^d table.
  int max_table_features = 10;
  // The tables of all leaves together stay within this many bytes (leaves are taken in
  // model order; the rest are computed at run time).
  size_t max_table_bytes = size_t{64} << 20;
};

class Forest {
 public:
  // Parses the JSON that xgb::Booster::SaveJson returns (XGBoost 1.7's JSON model).
  // DataLoss when the document is not such a model or is inconsistent (missing fields, array
  // lengths that differ, child or feature indices out of range, a node reached twice).
  // InvalidArgument for a valid model this class does not support: a booster other than
  // gbtree, categorical splits, more than one output (num_class or num_target > 1), an
  // objective whose margin is not the prediction (only reg:squarederror, reg:absoluteerror and
  // reg:pseudohubererror are accepted), zero cover at a split, or trees deeper than 128.
  static Result<Forest> FromXgboostJson(std::string_view json, const ForestOptions& options = {});

  int features() const { return features_; }
  int trees() const { return static_cast<int>(tree_first_split_.size()) - 1; }
  // Splits on the longest root-to-leaf path (0 when every tree is a single leaf).
  int max_depth() const { return max_depth_; }
  // base_score, the margin before any tree.
  double base_score() const { return base_score_; }
  // The expected margin over the training data (TreeSHAP's bias, XGBoost's last column).
  double bias() const { return bias_; }
  // Leaves computed at run time rather than from a table (see the header comment).
  int direct_leaves() const { return direct_leaves_; }
  size_t table_bytes() const { return table_.size() * sizeof(float); }

  // The margin (base_score + the sum of the leaves), which for the supported objectives is the
  // prediction. NaN when row.size() != features().
  double Predict(std::span<const float> row) const;

  // Writes features() + 1 values to `out`: each feature's contribution, then the bias; they sum
  // to Predict(row). InvalidArgument when row.size() != features() or
  // out.size() != features() + 1 (then `out` is untouched).
  Status Contributions(std::span<const float> row, std::span<double> out) const;

 private:
  Forest() = default;

  int features_ = 0;
  int max_depth_ = 0;
  int direct_leaves_ = 0;
  int max_tree_splits_ = 0;
  int max_tree_leaves_ = 0;
  double base_score_ = 0;
  double bias_ = 0;

  // Every node of every tree, each tree's splits in preorder (root first) then its leaves
  // left to right; a leaf holds its value and leads to itself, so that Predict walks a group of
  // kLockstep trees together for the group's depth with no branches, their memory latencies
  // overlapping. node_[0] is a leaf worth 0 that pads the last group. Tree t has splits
  // [tree_first_split_[t], tree_first_split_[t + 1]) and leaves [tree_first_leaf_[t], ...) in
  // the per-split and per-leaf arrays. split_bit_ is 1 << the slot of the split's feature among
  // the distinct features on the path to it (0 past slot 31).
  static constexpr int kLockstep = 8;
  struct Node {
    uint32_t feature;  // bit 31: NaN goes left
    float value;       // split condition, or leaf value
    uint32_t left, right;
  };
  std::vector<Node> node_;
  std::vector<uint32_t> tree_root_;
  std::vector<uint8_t> group_depth_;
  std::vector<uint32_t> tree_first_split_;
  std::vector<uint32_t> tree_first_leaf_;
  std::vector<uint32_t> split_bit_;
  std::vector<float> leaf_value_;

  // What a row's contributions are summed over, per tree in this order: sibling leaf pairs
  // [tree_first_unit_[t], tree_first_single_[t]), single leaves with a table
  // [.., tree_first_direct_[t]), leaves computed at run time [.., tree_first_unit_[t + 1]).
  // Unit u: its (first) leaf relative to the tree, its distinct path features
  // [unit_first_slot_[u], unit_first_slot_[u + 1]), its table, and for run-time leaves the path
  // steps [unit_first_step_[u], unit_first_step_[u + 1]) (a step packs the split relative to the
  // tree, the slot of its feature and the branch the leaf lies on).
  std::vector<uint32_t> tree_first_unit_;
  std::vector<uint32_t> tree_first_single_;
  std::vector<uint32_t> tree_first_direct_;
  std::vector<uint32_t> unit_leaf_;
  std::vector<uint32_t> unit_first_slot_;
  std::vector<uint32_t> unit_table_;
  std::vector<uint32_t> unit_first_step_;
  std::vector<uint32_t> step_;
  std::vector<int32_t> slot_feature_;
  std::vector<double> slot_zero_fraction_;  // z_j
  std::vector<float> slot_ratio_;           // (1 - z_j) / z_j, for table units
  std::vector<float> table_;
};

}  // namespace sphere::trees
