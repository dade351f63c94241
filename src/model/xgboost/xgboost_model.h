// XGBoost (Debian's libxgboost 1.7) behind RAII and Status: the only code that includes
// its C API. A Booster is trained on a dense float matrix (NaN = missing, as the feature
// vectors mark it), predicts, explains (exact TreeSHAP contributions, XGBoost's own) and
// round-trips through its JSON model format.
//
// Thread safety follows XGBoost's: prediction on one Booster from several threads is
// safe; training and loading are not concurrent with anything on the same Booster.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace sphere::xgb {

// Row-major rows x cols floats; NaN is missing.
struct DenseMatrix {
  std::vector<float> values;
  size_t rows = 0;
  size_t cols = 0;
};

struct TrainOptions {
  // XGBoost parameters by name ("max_depth" -> "6", "eta" -> "0.1", "seed" -> "7", ...).
  std::vector<std::pair<std::string, std::string>> params;
  int max_rounds = 100;
  // Stop when the validation metric has not improved for this many rounds (0: never);
  // the model keeps the trees up to the best round.
  int early_stopping_rounds = 0;
};

// Called after every round with (round, validation metric or NaN).
using RoundFn = std::function<void(int, double)>;

class Booster {
 public:
  // `validation` (may be null) drives early stopping through the booster's first
  // eval_metric. InvalidArgument for shape mismatches and bad parameters (XGBoost's own
  // message), Internal for other library failures.
  static Result<Booster> Train(const DenseMatrix& train, std::span<const float> labels,
                               const DenseMatrix* validation, std::span<const float> valid_labels,
                               const TrainOptions& options, const RoundFn& on_round = {});
  // A model saved by SaveJson (or XGBoost's JSON/UBJ). DataLoss when XGBoost refuses it.
  static Result<Booster> Load(std::string_view model_bytes);

  Result<std::string> SaveJson() const;
  Result<std::vector<float>> Predict(const DenseMatrix& x) const;
  // rows x (cols + 1): per-feature contributions then the bias; each row sums to the
  // margin prediction.
  Result<std::vector<float>> Contributions(const DenseMatrix& x) const;

  int best_round() const { return best_round_; }  // 0-based; trees kept = best_round + 1
  int features() const { return features_; }

  Booster(Booster&&) noexcept;
  Booster& operator=(Booster&&) noexcept;
  ~Booster();

 private:
  Booster(void* handle, int best_round, int features);
  Result<std::vector<float>> PredictType(const DenseMatrix& x, int type) const;

  void* handle_ = nullptr;  // BoosterHandle
  int best_round_ = -1;
  int features_ = 0;
};

}  // namespace sphere::xgb
