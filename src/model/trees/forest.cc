#include "model/trees/forest.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace sphere::trees {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 128;                // a step packs the slot in 7 bits
constexpr int kMaxTableFeatures = 24;         // 2^24 floats is 64 MiB for one leaf already
constexpr uint32_t kMaxTreeNodes = 1u << 24;  // a step packs the split in 24 bits
constexpr size_t kStackNodes = 1024;          // per-call scratch for trees up to this size

constexpr int kStepSlotShift = 24;
constexpr uint32_t kStepSplitMask = (1u << kStepSlotShift) - 1;

uint32_t PackStep(uint32_t split, int slot, bool right) {
  return split | (static_cast<uint32_t>(slot) << kStepSlotShift) | (right ? 1u << 31 : 0);
}
uint32_t StepSplit(uint32_t step) { return step & kStepSplitMask; }
int StepSlot(uint32_t step) { return static_cast<int>((step >> kStepSlotShift) & 0x7f); }
uint8_t StepRight(uint32_t step) { return static_cast<uint8_t>(step >> 31); }

// 1 when `x` goes to the right child: not (x < threshold) as floats; NaN takes the default.
inline uint8_t GoesRight(float x, float threshold, uint8_t default_left) {
  return static_cast<uint8_t>((x >= threshold) | (std::isnan(x) & (default_left ^ 1)));
}

// ---------------------------------------------------------------------------------------------
// The Shapley arithmetic of one leaf (see the header comment).

// w_d(k) = k! (d - k - 1)! / d! for k in [0, d).
void ShapleyWeights(int d, double* w) {
  if (d == 0) return;
  w[0] = 1.0 / d;
  for (int k = 0; k + 1 < d; ++k) w[k + 1] = w[k] * (k + 1) / (d - 1 - k);
}

// For a leaf with value v, d distinct path features with zero fractions z and hot (o_j = 1)
// flags: adds each feature's Shapley value to phi[slot] and returns v G(M) (0 when every
// feature is hot, where it is not needed). Exact, and never divides by z (which may be 0): the
// polynomial prod_j (z_j + o_j t) is multiplied out and, per hot feature, its factor divided
// back out by synthetic division, which is stable for 0 <= z <= 1.
double LeafShapley(double v, int d, const double* z, const uint8_t* hot, double* phi) {
  std::array<double, kMaxDepth + 1> w, c, q;
  ShapleyWeights(d, w.data());
  // c[k] = sum over S ⊆ M, |S| = k of prod_{j ∈ U \ S} z_j.
  int m = 0;
  c[0] = 1;
  for (int j = 0; j < d; ++j) {
    if (hot[j] != 0) {
      c[m + 1] = c[m];
      for (int k = m; k > 0; --k) c[k] = c[k] * z[j] + c[k - 1];
      c[0] *= z[j];
      ++m;
    } else {
      for (int k = 0; k <= m; ++k) c[k] *= z[j];
    }
  }
  double g = 0;
  if (m < d) {
    for (int k = 0; k <= m; ++k) g += w[k] * c[k];
  }
  for (int i = 0; i < d; ++i) {
    if (hot[i] == 0) {
      phi[i] -= v * g;
      continue;
    }
    q[m - 1] = c[m];
    for (int k = m - 1; k > 0; --k) q[k - 1] = c[k] - z[i] * q[k];
    double h = 0;
    for (int k = 0; k < m; ++k) h += w[k] * q[k];
    phi[i] += v * (1 - z[i]) * h;
  }
  return v * g;
}

// The hot flags of mask `mask` over d slots.
std::array<uint8_t, kMaxDepth> HotFlags(uint32_t mask, int d) {
  std::array<uint8_t, kMaxDepth> hot{};
  for (int j = 0; j < d; ++j) hot[j] = static_cast<uint8_t>((mask >> j) & 1);
  return hot;
}

// A single leaf's table: A(M) = v G(M) for every mask M.
void FillLeafTable(double v, int d, const double* z, float* table) {
  std::array<double, kMaxDepth> phi{};
  for (uint32_t mask = 0; mask < (1u << d); ++mask) {
    table[mask] = static_cast<float>(LeafShapley(v, d, z, HotFlags(mask, d).data(), phi.data()));
  }
}

// A sibling pair's tables. The two leaves share their first d - 1 features (same zero
// fractions) and split last on a feature f new to the path (slot d - 1), so their masks agree
// but for f, whose bit says which child the row takes (1: left). Indexed by that mask K:
// C[K] = A_left(K's mask for it) + A_right(...), which serves every shared feature exactly as
// A does for one leaf, and F[K] = both leaves' Shapley value for f.
void FillPairTable(double v_left, double v_right, int d, const double* z_left,
                   const double* z_right, float* c_table, float* f_table) {
  const uint32_t f_bit = 1u << (d - 1);
  for (uint32_t k = 0; k < (1u << d); ++k) {
    std::array<double, kMaxDepth> phi{};
    const double a = LeafShapley(v_left, d, z_left, HotFlags(k, d).data(), phi.data()) +
                     LeafShapley(v_right, d, z_right, HotFlags(k ^ f_bit, d).data(), phi.data());
    c_table[k] = static_cast<float>(a);
    f_table[k] = static_cast<float>(phi[d - 1]);
  }
}

// Adds a table unit's values for its first `shared` slots, which all behave as for one leaf:
// a cold feature gets -A(K), a hot feature j gets r_j A(K without j).
inline void AddShared(int shared, const float* table, uint32_t k, const int32_t* feature,
                      const float* ratio, double* phi) {
  const uint64_t cold = std::bit_cast<uint64_t>(-static_cast<double>(table[k]));
  for (int j = 0; j < shared; ++j) {
    // The mask bits are as good as random: a branch here would mispredict half the time.
    const uint64_t is_hot = uint64_t{0} - ((k >> j) & 1);
    const uint64_t warm =
        std::bit_cast<uint64_t>(static_cast<double>(table[k ^ (1u << j)]) * ratio[j]);
    phi[feature[j]] += std::bit_cast<double>((warm & is_hot) | (cold & ~is_hot));
  }
}

// ---------------------------------------------------------------------------------------------
// Reading XGBoost's JSON model.

Status Damaged(const std::string& what) { return DataLoss("xgboost model: " + what); }
Status Unsupported(const std::string& what) {
  return InvalidArgument("xgboost model: unsupported: " + what);
}

Result<const json*> Member(const json& object, const std::string& key, const std::string& where) {
  if (!object.is_object()) return Damaged(where + " is not an object");
  const auto it = object.find(key);
  if (it == object.end()) return Damaged(where + " has no \"" + key + "\"");
  return &*it;
}

// XGBoost writes its parameters as strings: "7E-1", "100".
Result<double> NumberParam(const json& object, const std::string& key, const std::string& where) {
  SPHERE_ASSIGN_OR_RETURN(const json* value, Member(object, key, where));
  if (value->is_number()) return value->get<double>();
  if (!value->is_string()) return Damaged(where + "." + key + " is not a number");
  const auto& text = value->get_ref<const std::string&>();
  double out = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(out)) {
    return Damaged(where + "." + key + " is not a number: \"" + text + "\"");
  }
  return out;
}

Result<std::string> StringField(const json& object, const std::string& key,
                                const std::string& where) {
  SPHERE_ASSIGN_OR_RETURN(const json* value, Member(object, key, where));
  if (!value->is_string()) return Damaged(where + "." + key + " is not a string");
  return value->get<std::string>();
}

// One tree as XGBoost stores it: node i's arrays at index i, children -1 for a leaf, and
// split_conditions holding the leaf value for a leaf.
struct RawTree {
  std::vector<int64_t> left, right, feature, split_type;
  std::vector<double> condition, hessian;
  std::vector<uint8_t> default_left;
};

template <typename T>
Status ReadArray(const json& tree, const std::string& key, const std::string& where, size_t n,
                 std::vector<T>& out) {
  SPHERE_ASSIGN_OR_RETURN(const json* array, Member(tree, key, where));
  if (!array->is_array()) return Damaged(where + "." + key + " is not an array");
  if (array->size() != n) {
    return Damaged(where + "." + key + " has " + std::to_string(array->size()) + " entries for " +
                   std::to_string(n) + " nodes");
  }
  out.clear();
  out.reserve(n);
  for (const json& item : *array) {
    if constexpr (std::is_floating_point_v<T>) {
      if (!item.is_number()) return Damaged(where + "." + key + " holds a non-number");
      out.push_back(item.get<T>());
    } else {
      // default_left is 0/1 in XGBoost 1.7 and true/false in some other versions.
      if (item.is_boolean()) {
        out.push_back(item.get<bool>() ? 1 : 0);
      } else if (item.is_number_integer()) {
        out.push_back(static_cast<T>(item.get<int64_t>()));
      } else {
        return Damaged(where + "." + key + " holds a non-integer");
      }
    }
  }
  return Status::Ok();
}

Result<RawTree> ReadTree(const json& tree, const std::string& where) {
  SPHERE_ASSIGN_OR_RETURN(const json* param, Member(tree, "tree_param", where));
  SPHERE_ASSIGN_OR_RETURN(const double nodes,
                          NumberParam(*param, "num_nodes", where + ".tree_param"));
  if (nodes < 1 || nodes > kMaxTreeNodes || nodes != std::floor(nodes)) {
    return Damaged(where + ": num_nodes " + std::to_string(nodes));
  }
  const auto leaf_vector = param->find("size_leaf_vector");
  if (leaf_vector != param->end()) {
    SPHERE_ASSIGN_OR_RETURN(const double size,
                            NumberParam(*param, "size_leaf_vector", where + ".tree_param"));
    if (size > 1) return Unsupported(where + ": vector leaves (multi-output trees)");
  }
  const size_t n = static_cast<size_t>(nodes);
  RawTree raw;
  SPHERE_RETURN_IF_ERROR(ReadArray(tree, "left_children", where, n, raw.left));
  SPHERE_RETURN_IF_ERROR(ReadArray(tree, "right_children", where, n, raw.right));
  SPHERE_RETURN_IF_ERROR(ReadArray(tree, "split_indices", where, n, raw.feature));
  SPHERE_RETURN_IF_ERROR(ReadArray(tree, "split_conditions", where, n, raw.condition));
  SPHERE_RETURN_IF_ERROR(ReadArray(tree, "default_left", where, n, raw.default_left));
  SPHERE_RETURN_IF_ERROR(ReadArray(tree, "sum_hessian", where, n, raw.hessian));
  if (tree.contains("split_type")) {
    SPHERE_RETURN_IF_ERROR(ReadArray(tree, "split_type", where, n, raw.split_type));
  }
  return raw;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Result<Forest> Forest::FromXgboostJson(std::string_view text, const ForestOptions& options) {
  if (options.max_table_features < 0) {
    return InvalidArgument("max_table_features: must not be negative");
  }
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Damaged("not valid JSON");

  try {
    SPHERE_ASSIGN_OR_RETURN(const json* learner, Member(doc, "learner", "document"));
    SPHERE_ASSIGN_OR_RETURN(const json* objective, Member(*learner, "objective", "learner"));
    SPHERE_ASSIGN_OR_RETURN(const std::string objective_name,
                            StringField(*objective, "name", "learner.objective"));
    if (objective_name != "reg:squarederror" && objective_name != "reg:absoluteerror" &&
        objective_name != "reg:pseudohubererror") {
      return Unsupported("objective " + objective_name +
                         " (its prediction is not the margin; supported: reg:squarederror, "
                         "reg:absoluteerror, reg:pseudohubererror)");
    }
    SPHERE_ASSIGN_OR_RETURN(const json* param, Member(*learner, "learner_model_param", "learner"));
    const std::string param_where = "learner.learner_model_param";
    SPHERE_ASSIGN_OR_RETURN(const double num_feature,
                            NumberParam(*param, "num_feature", param_where));
    SPHERE_ASSIGN_OR_RETURN(const double base_score,
                            NumberParam(*param, "base_score", param_where));
    if (num_feature < 0 || num_feature > std::numeric_limits<int32_t>::max() ||
        num_feature != std::floor(num_feature)) {
      return Damaged("num_feature " + std::to_string(num_feature));
    }
    for (const char* outputs : {"num_class", "num_target"}) {
      if (!param->contains(outputs)) continue;
      SPHERE_ASSIGN_OR_RETURN(const double count, NumberParam(*param, outputs, param_where));
      if (count > 1) {
        // The count is printed as read: a damaged 1e19 must not reach an integer cast.
        return Unsupported(std::string(outputs) + " " + fmt::format("{}", count) +
                           " (more than one output)");
      }
    }

    SPHERE_ASSIGN_OR_RETURN(const json* booster, Member(*learner, "gradient_booster", "learner"));
    SPHERE_ASSIGN_OR_RETURN(const std::string booster_name,
                            StringField(*booster, "name", "learner.gradient_booster"));
    if (booster_name != "gbtree") return Unsupported("booster " + booster_name + " (only gbtree)");
    SPHERE_ASSIGN_OR_RETURN(const json* model, Member(*booster, "model", "gradient_booster"));
    SPHERE_ASSIGN_OR_RETURN(const json* trees, Member(*model, "trees", "gradient_booster.model"));
    if (!trees->is_array()) return Damaged("gradient_booster.model.trees is not an array");
    if (model->contains("tree_info")) {
      const json& info = (*model)["tree_info"];
      if (!info.is_array() || info.size() != trees->size()) {
        return Damaged("tree_info does not have one entry per tree");
      }
      for (const json& group : info) {
        if (!group.is_number_integer() || group.get<int64_t>() != 0) {
          return Unsupported("trees for an output group other than 0 (more than one output)");
        }
      }
    }

    // XGBoost keeps values as floats: a double beyond float's range would load as inf.
    if (!std::isfinite(static_cast<float>(base_score))) {
      return Damaged("base_score " + fmt::format("{}", base_score) + " is beyond float's range");
    }
    Forest forest;
    forest.features_ = static_cast<int>(num_feature);
    forest.base_score_ = static_cast<float>(base_score);
    double bias = forest.base_score_;
    forest.node_.push_back({0, 0.0f, 0, 0});
    for (auto* first :
         {&forest.tree_first_split_, &forest.tree_first_leaf_, &forest.tree_first_unit_,
          &forest.unit_first_slot_, &forest.unit_first_step_}) {
      first->push_back(0);
    }
    const size_t table_budget =  // tables are addressed by uint32_t
        std::min(options.max_table_bytes / sizeof(float), size_t{UINT32_MAX});
    const int table_features = std::min(options.max_table_features, kMaxTableFeatures);

    // Scratch, per tree. Splits are numbered in preorder, leaves left to right.
    struct Visit {
      int64_t node;
      int32_t parent;  // the parent's split number, -1 for the root
      bool right;
      int depth;
    };
    std::vector<Visit> stack;
    std::vector<uint8_t> seen;
    std::vector<int64_t> split_node, leaf_node;  // number -> XGBoost's node index
    std::vector<int32_t> split_parent, leaf_parent;
    std::vector<uint8_t> split_is_right, leaf_is_right;
    std::vector<int> split_slot, split_distinct;  // slot of its feature; distinct features to it

    // Each leaf's view of its path: distinct features by slot and their zero fractions at
    // [leaf_first_slot[l], +d), its steps at [leaf_first_step[l], +depth).
    std::vector<int> leaf_d;
    std::vector<size_t> leaf_first_slot, leaf_first_step;
    std::vector<int64_t> path_feature;
    std::vector<double> path_z;
    std::vector<uint32_t> path_steps;
    struct Unit {
      uint32_t leaf;
      uint32_t table;
    };
    std::vector<Unit> pairs, singles, directs;

    for (size_t t = 0; t < trees->size(); ++t) {
      const std::string where = "tree " + std::to_string(t);
      SPHERE_ASSIGN_OR_RETURN(const RawTree raw, ReadTree((*trees)[t], where));
      const size_t n = raw.left.size();

      // Walk from the root; a node reached twice means a cycle or a shared child. Unreachable
      // (deleted) nodes are ignored.
      seen.assign(n, 0);
      for (auto* v : {&split_node, &leaf_node}) v->clear();
      for (auto* v : {&split_parent, &leaf_parent}) v->clear();
      for (auto* v : {&split_is_right, &leaf_is_right}) v->clear();
      stack.assign(1, {0, -1, false, 0});
      int tree_depth = 0;
      while (!stack.empty()) {
        const Visit visit = stack.back();
        stack.pop_back();
        const int64_t i = visit.node;
        auto node = [&] { return where + " node " + std::to_string(i); };
        if (seen[i] != 0) return Damaged(node() + " is reached twice (a cycle or a shared child)");
        seen[i] = 1;
        const bool leaf = raw.left[i] == -1;
        if (leaf != (raw.right[i] == -1)) return Damaged(node() + " has only one child");
        if (!std::isfinite(static_cast<float>(raw.condition[i]))) {
          return Damaged(node() + (leaf ? " has a leaf value" : " has a split") +
                         " that is not a finite float");
        }
        if (!std::isfinite(raw.hessian[i]) || raw.hessian[i] < 0) {
          return Damaged(node() + " has sum_hessian " + std::to_string(raw.hessian[i]));
        }
        // Cover is the hessian sum of the rows reaching a node: a child cannot hold more
        // than its parent (beyond float rounding), or the zero fractions exceed 1.
        if (visit.parent >= 0) {
          const int64_t parent = split_node[static_cast<size_t>(visit.parent)];
          if (raw.hessian[i] > raw.hessian[parent] * (1 + 1e-5) + 1e-6) {
            return Damaged(where + " node " + std::to_string(parent) +
                           " has a child with more cover (sum_hessian) than itself");
          }
        }
        if (leaf) {
          leaf_node.push_back(i);
          leaf_parent.push_back(visit.parent);
          leaf_is_right.push_back(visit.right);
          tree_depth = std::max(tree_depth, visit.depth);
          continue;
        }
        for (const int64_t child : {raw.left[i], raw.right[i]}) {
          if (child <= 0 || static_cast<size_t>(child) >= n) {
            return Damaged(node() + " has child " + std::to_string(child) + " outside [1, " +
                           std::to_string(n) + ")");
          }
        }
        if (raw.feature[i] < 0 || raw.feature[i] >= forest.features_) {
          return Damaged(node() + " splits on feature " + std::to_string(raw.feature[i]) + " of " +
                         std::to_string(forest.features_));
        }
        if (!raw.split_type.empty() && raw.split_type[i] != 0) {
          return Unsupported(node() + ": categorical split");
        }
        if (raw.hessian[i] == 0)
          return Unsupported(node() + ": zero cover (sum_hessian) at a split");
        if (visit.depth >= kMaxDepth) {
          return Unsupported(where + ": deeper than " + std::to_string(kMaxDepth));
        }
        const int32_t split = static_cast<int32_t>(split_node.size());
        split_node.push_back(i);
        split_parent.push_back(visit.parent);
        split_is_right.push_back(visit.right);
        stack.push_back({raw.right[i], split, true, visit.depth + 1});  // left is numbered first
        stack.push_back({raw.left[i], split, false, visit.depth + 1});
      }
      const size_t splits = split_node.size(), leaves = leaf_node.size();
      forest.max_depth_ = std::max(forest.max_depth_, tree_depth);
      forest.max_tree_splits_ = std::max(forest.max_tree_splits_, static_cast<int>(splits));
      forest.max_tree_leaves_ = std::max(forest.max_tree_leaves_, static_cast<int>(leaves));
      auto feature_of = [&](int32_t split) { return raw.feature[split_node[split]]; };

      // Splits: children as split numbers (>= 0) or ~leaf; the slot of each split's feature
      // (a feature seen higher on the path keeps its slot).
      std::vector<int32_t> number(n, 0);
      for (size_t s = 0; s < splits; ++s) number[split_node[s]] = static_cast<int32_t>(s);
      for (size_t l = 0; l < leaves; ++l) number[leaf_node[l]] = ~static_cast<int32_t>(l);
      split_slot.assign(splits, 0);
      split_distinct.assign(splits, 0);
      for (size_t s = 0; s < splits; ++s) {
        const int32_t parent = split_parent[s];
        int slot = parent < 0 ? 0 : split_distinct[parent];
        split_distinct[s] = slot + 1;
        for (int32_t a = parent; a >= 0; a = split_parent[a]) {
          if (feature_of(a) == feature_of(static_cast<int32_t>(s))) {
            slot = split_slot[a];
            split_distinct[s] = split_distinct[parent];
            break;
          }
        }
        split_slot[s] = slot;
        forest.split_bit_.push_back(slot < 32 ? 1u << slot : 0);
      }
      forest.tree_first_split_.push_back(forest.tree_first_split_.back() +
                                         static_cast<uint32_t>(splits));

      // Predict's copy: splits then leaves, as global node numbers.
      const auto root = static_cast<uint32_t>(forest.node_.size());
      auto global = [&](int64_t i) {
        const int32_t c = number[i];
        return root + static_cast<uint32_t>(c >= 0 ? c : static_cast<int32_t>(splits) + ~c);
      };
      for (size_t s = 0; s < splits; ++s) {
        const int64_t i = split_node[s];
        forest.node_.push_back(
            {static_cast<uint32_t>(raw.feature[i]) | (raw.default_left[i] != 0 ? 1u << 31 : 0),
             static_cast<float>(raw.condition[i]), global(raw.left[i]), global(raw.right[i])});
      }
      for (size_t l = 0; l < leaves; ++l) {
        const auto self = static_cast<uint32_t>(forest.node_.size());
        forest.node_.push_back({0, static_cast<float>(raw.condition[leaf_node[l]]), self, self});
      }
      forest.tree_root_.push_back(root);
      if (t % kLockstep == 0) forest.group_depth_.push_back(0);
      forest.group_depth_.back() =
          static_cast<uint8_t>(std::max<int>(forest.group_depth_.back(), tree_depth));

      // Leaves: their distinct features, zero fractions and steps.
      leaf_d.assign(leaves, 0);
      leaf_first_slot.assign(leaves, 0);
      leaf_first_step.assign(leaves, 0);
      path_feature.clear();
      path_z.clear();
      path_steps.clear();
      for (size_t l = 0; l < leaves; ++l) {
        const int32_t parent = leaf_parent[l];
        const int d = parent < 0 ? 0 : split_distinct[parent];
        leaf_d[l] = d;
        leaf_first_slot[l] = path_z.size();
        leaf_first_step[l] = path_steps.size();
        path_feature.resize(path_feature.size() + d);
        path_z.resize(path_z.size() + d, 1.0);
        int64_t* feature = path_feature.data() + leaf_first_slot[l];
        double* z = path_z.data() + leaf_first_slot[l];
        int64_t child = leaf_node[l];
        bool right = leaf_is_right[l];
        double reach = 1;  // the share of the training cover that reaches this leaf
        for (int32_t s = parent; s >= 0; s = split_parent[s]) {
          const int64_t i = split_node[s];
          const double ratio = raw.hessian[child] / raw.hessian[i];
          feature[split_slot[s]] = raw.feature[i];
          z[split_slot[s]] *= ratio;
          path_steps.push_back(PackStep(static_cast<uint32_t>(s), split_slot[s], right));
          reach *= ratio;
          child = i;
          right = split_is_right[s];
        }
        const float value = static_cast<float>(raw.condition[leaf_node[l]]);
        forest.leaf_value_.push_back(value);
        bias += value * reach;
      }

      // Units: sibling pairs where the parent's feature is new to the path, then single
      // leaves, each with a table when it fits, else computed at run time.
      auto positive = [&](size_t l, int count) {
        const double* z = path_z.data() + leaf_first_slot[l];
        return std::all_of(z, z + count, [](double x) { return x > 0; });
      };
      auto reserve = [&](size_t floats) -> uint32_t {
        if (forest.table_.size() + floats > table_budget) return UINT32_MAX;
        forest.table_.resize(forest.table_.size() + floats);
        return static_cast<uint32_t>(forest.table_.size() - floats);
      };
      pairs.clear();
      singles.clear();
      directs.clear();
      for (size_t l = 0; l < leaves; ++l) {
        const int d = leaf_d[l];
        if (d == 0) continue;  // a tree that is one leaf: only the bias
        const float* value = forest.leaf_value_.data() + forest.tree_first_leaf_.back();
        const int32_t parent = leaf_parent[l];
        const int32_t grandparent = parent < 0 ? -1 : split_parent[parent];
        const int above = grandparent < 0 ? 0 : split_distinct[grandparent];
        const bool pair = !leaf_is_right[l] && l + 1 < leaves && leaf_parent[l + 1] == parent &&
                          d == above + 1;  // the parent's feature is new to the path
        if (pair && d <= table_features && positive(l, d - 1)) {
          const uint32_t table = reserve(size_t{2} << d);
          if (table != UINT32_MAX) {
            FillPairTable(value[l], value[l + 1], d, &path_z[leaf_first_slot[l]],
                          &path_z[leaf_first_slot[l + 1]], &forest.table_[table],
                          &forest.table_[table + (size_t{1} << d)]);
            pairs.push_back({static_cast<uint32_t>(l), table});
            ++l;
            continue;
          }
        }
        if (d <= table_features && positive(l, d)) {
          const uint32_t table = reserve(size_t{1} << d);
          if (table != UINT32_MAX) {
            FillLeafTable(value[l], d, &path_z[leaf_first_slot[l]], &forest.table_[table]);
            singles.push_back({static_cast<uint32_t>(l), table});
            continue;
          }
        }
        directs.push_back({static_cast<uint32_t>(l), 0});
      }
      forest.direct_leaves_ += static_cast<int>(directs.size());
      for (const auto* units : {&pairs, &singles, &directs}) {
        const auto first = static_cast<uint32_t>(forest.unit_leaf_.size());
        if (units == &singles) forest.tree_first_single_.push_back(first);
        if (units == &directs) forest.tree_first_direct_.push_back(first);
        for (const Unit& unit : *units) {
          forest.unit_leaf_.push_back(unit.leaf);
          forest.unit_table_.push_back(unit.table);
          const size_t first = leaf_first_slot[unit.leaf];
          for (size_t j = first; j < first + leaf_d[unit.leaf]; ++j) {
            forest.slot_feature_.push_back(static_cast<int32_t>(path_feature[j]));
            forest.slot_zero_fraction_.push_back(path_z[j]);
            forest.slot_ratio_.push_back(
                path_z[j] > 0 ? static_cast<float>((1 - path_z[j]) / path_z[j]) : 0.0f);
          }
          if (units == &directs) {
            const size_t steps =
                unit.leaf + 1 < leaves ? leaf_first_step[unit.leaf + 1] : path_steps.size();
            forest.step_.insert(forest.step_.end(), path_steps.begin() + leaf_first_step[unit.leaf],
                                path_steps.begin() + steps);
          }
          forest.unit_first_slot_.push_back(static_cast<uint32_t>(forest.slot_feature_.size()));
          forest.unit_first_step_.push_back(static_cast<uint32_t>(forest.step_.size()));
        }
      }
      forest.tree_first_unit_.push_back(static_cast<uint32_t>(forest.unit_leaf_.size()));
      forest.tree_first_leaf_.push_back(static_cast<uint32_t>(forest.leaf_value_.size()));
    }
    forest.bias_ = bias;
    return forest;
  } catch (const json::exception& e) {
    return Damaged(e.what());
  }
}

double Forest::Predict(std::span<const float> row) const {
  if (row.size() != static_cast<size_t>(features_)) return std::numeric_limits<double>::quiet_NaN();
  double sum = base_score_;
  const Node* nodes = node_.data();
  for (size_t group = 0; group < group_depth_.size(); ++group) {
    std::array<uint32_t, kLockstep> at;
    for (size_t i = 0; i < kLockstep; ++i) {
      const size_t t = group * kLockstep + i;
      at[i] = t < tree_root_.size() ? tree_root_[t] : 0;
    }
    for (int level = 0; level < group_depth_[group]; ++level) {
      for (size_t i = 0; i < kLockstep; ++i) {
        const Node& node = nodes[at[i]];
        const uint8_t right = GoesRight(row[node.feature & 0x7fffffff], node.value,
                                        static_cast<uint8_t>(node.feature >> 31));
        at[i] = right != 0 ? node.right : node.left;
      }
    }
    for (size_t i = 0; i < kLockstep; ++i) sum += nodes[at[i]].value;
  }
  return sum;
}

Status Forest::Contributions(std::span<const float> row, std::span<double> out) const {
  if (row.size() != static_cast<size_t>(features_)) {
    return InvalidArgument("row: " + std::to_string(row.size()) + " values, the model has " +
                           std::to_string(features_) + " features");
  }
  if (out.size() != static_cast<size_t>(features_) + 1) {
    return InvalidArgument("contributions: room for " + std::to_string(out.size()) +
                           " values, need features + 1 = " + std::to_string(int64_t{features_} + 1));
  }
  std::fill(out.begin(), out.end(), 0.0);
  out[features_] = bias_;

  // Per tree: each split's decision, and the hot mask reaching each node (splits first, then
  // leaves), on the stack unless a tree is very large.
  std::array<uint8_t, kStackNodes> stack_right;
  std::array<uint32_t, 2 * kStackNodes> stack_mask;
  std::vector<uint8_t> heap_right;
  std::vector<uint32_t> heap_mask;
  uint8_t* goes_right = stack_right.data();
  uint32_t* mask = stack_mask.data();
  if (static_cast<size_t>(max_tree_splits_) > kStackNodes ||
      static_cast<size_t>(max_tree_leaves_) > kStackNodes) {
    heap_right.resize(max_tree_splits_);
    heap_mask.resize(static_cast<size_t>(max_tree_splits_) + max_tree_leaves_);
    goes_right = heap_right.data();
    mask = heap_mask.data();
  }
  std::array<uint8_t, kMaxDepth> hot;
  std::array<double, kMaxDepth> leaf_phi;

  const float* table = table_.data();
  const float* ratio = slot_ratio_.data();
  const int32_t* slot_feature = slot_feature_.data();
  double* phi = out.data();
  for (int t = 0; t < trees(); ++t) {
    const uint32_t base = tree_first_split_[t];
    const int32_t splits = static_cast<int32_t>(tree_first_split_[t + 1] - base);
    if (splits == 0) continue;  // one leaf: only the bias

    // One pass from the root: a split's decision clears its feature's bit on the branch the
    // row does not take. Preorder puts every parent before its children.
    mask[0] = ~0u;
    const uint32_t root = tree_root_[t];
    const Node* tree = node_.data() + root;
    const uint32_t* bits = split_bit_.data() + base;
    for (int32_t s = 0; s < splits; ++s) {
      const Node& node = tree[s];
      const uint8_t right = GoesRight(row[node.feature & 0x7fffffff], node.value,
                                      static_cast<uint8_t>(node.feature >> 31));
      goes_right[s] = right;
      const uint32_t bit = bits[s], cleared_left = bit & (0u - right);
      mask[node.left - root] = mask[s] & ~cleared_left;
      mask[node.right - root] = mask[s] & ~(bit ^ cleared_left);
    }
    const uint32_t* leaf_mask = mask + splits;

    // Sibling pairs: the shared features from C, the parent's feature from F.
    uint32_t u = tree_first_unit_[t];
    for (; u < tree_first_single_[t]; ++u) {
      const uint32_t first_slot = unit_first_slot_[u];
      const int d = static_cast<int>(unit_first_slot_[u + 1] - first_slot);
      const uint32_t k = leaf_mask[unit_leaf_[u]] & ((1u << d) - 1);
      const float* c = table + unit_table_[u];
      AddShared(d - 1, c, k, slot_feature + first_slot, ratio + first_slot, phi);
      phi[slot_feature[first_slot + d - 1]] += c[(1u << d) + k];
    }
    // Single leaves with a table A.
    for (; u < tree_first_direct_[t]; ++u) {
      const uint32_t first_slot = unit_first_slot_[u];
      const int d = static_cast<int>(unit_first_slot_[u + 1] - first_slot);
      const uint32_t k = leaf_mask[unit_leaf_[u]] & ((1u << d) - 1);
      AddShared(d, table + unit_table_[u], k, slot_feature + first_slot, ratio + first_slot, phi);
    }
    // Leaves computed at run time: their hot flags from the steps of their path.
    for (; u < tree_first_unit_[t + 1]; ++u) {
      const uint32_t first_slot = unit_first_slot_[u];
      const int d = static_cast<int>(unit_first_slot_[u + 1] - first_slot);
      std::fill_n(hot.begin(), d, uint8_t{1});
      std::fill_n(leaf_phi.begin(), d, 0.0);
      for (uint32_t i = unit_first_step_[u]; i < unit_first_step_[u + 1]; ++i) {
        const uint32_t step = step_[i];
        if (goes_right[StepSplit(step)] != StepRight(step)) hot[StepSlot(step)] = 0;
      }
      LeafShapley(leaf_value_[tree_first_leaf_[t] + unit_leaf_[u]], d,
                  slot_zero_fraction_.data() + first_slot, hot.data(), leaf_phi.data());
      for (int j = 0; j < d; ++j) phi[slot_feature[first_slot + j]] += leaf_phi[j];
    }
  }
  return Status::Ok();
}

}  // namespace sphere::trees
