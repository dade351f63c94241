#include "model/xgboost/xgboost_model.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <limits>
#include <optional>
#include <string>

namespace sphere::xgb {
namespace {

// XGBoost's message for the failed call on this thread.
Status LastError(Code code, std::string_view what) {
  return {code, std::string(what) + ": " + XGBGetLastError()};
}

// Owns a DMatrixHandle.
class Matrix {
 public:
  static Result<Matrix> From(const DenseMatrix& m, std::span<const float> labels) {
    if (m.values.size() != m.rows * m.cols) {
      return InvalidArgument("matrix: " + std::to_string(m.values.size()) + " values for " +
                             std::to_string(m.rows) + "x" + std::to_string(m.cols));
    }
    if (!labels.empty() && labels.size() != m.rows) {
      return InvalidArgument("labels: " + std::to_string(labels.size()) + " for " +
                             std::to_string(m.rows) + " rows");
    }
    DMatrixHandle handle = nullptr;
    if (XGDMatrixCreateFromMat(m.values.data(), m.rows, m.cols,
                               std::numeric_limits<float>::quiet_NaN(), &handle) != 0) {
      return LastError(Code::kInvalidArgument, "matrix");
    }
    Matrix out(handle);
    if (!labels.empty() &&
        XGDMatrixSetFloatInfo(handle, "label", labels.data(), labels.size()) != 0) {
      return LastError(Code::kInvalidArgument, "labels");
    }
    return out;
  }
  Matrix(Matrix&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Matrix& operator=(Matrix&&) = delete;
  ~Matrix() {
    if (handle_ != nullptr) XGDMatrixFree(handle_);
  }
  DMatrixHandle get() const { return handle_; }

 private:
  explicit Matrix(DMatrixHandle handle) : handle_(handle) {}
  DMatrixHandle handle_;
};

// "[3]\tvalid-rmse:0.4567" -> 0.4567 (the first metric of the first matrix).
double ParseFirstMetric(std::string_view eval) {
  const size_t colon = eval.find(':');
  if (colon == std::string_view::npos) return std::nan("");
  return std::strtod(std::string(eval.substr(colon + 1)).c_str(), nullptr);
}

}  // namespace

Booster::Booster(void* handle, int best_round, int features)
    : handle_(handle), best_round_(best_round), features_(features) {}
Booster::Booster(Booster&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)),
      best_round_(other.best_round_),
      features_(other.features_) {}
Booster& Booster::operator=(Booster&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) XGBoosterFree(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
    best_round_ = other.best_round_;
    features_ = other.features_;
  }
  return *this;
}
Booster::~Booster() {
  if (handle_ != nullptr) XGBoosterFree(handle_);
}

Result<Booster> Booster::Train(const DenseMatrix& train, std::span<const float> labels,
                               const DenseMatrix* validation, std::span<const float> valid_labels,
                               const TrainOptions& options, const RoundFn& on_round) {
  if (labels.size() != train.rows) {
    return InvalidArgument("labels: " + std::to_string(labels.size()) + " for " +
                           std::to_string(train.rows) + " training rows");
  }
  if (options.max_rounds <= 0) return InvalidArgument("max_rounds: must be positive");
  if (validation != nullptr && validation->cols != train.cols) {
    return InvalidArgument("validation: " + std::to_string(validation->cols) +
                           " columns, training has " + std::to_string(train.cols));
  }
  SPHERE_ASSIGN_OR_RETURN(Matrix dtrain, Matrix::From(train, labels));
  std::optional<Matrix> dvalid;
  if (validation != nullptr) {
    if (valid_labels.size() != validation->rows) {
      return InvalidArgument("validation labels: " + std::to_string(valid_labels.size()) + " for " +
                             std::to_string(validation->rows) + " rows");
    }
    SPHERE_ASSIGN_OR_RETURN(Matrix m, Matrix::From(*validation, valid_labels));
    dvalid.emplace(std::move(m));
  }

  DMatrixHandle cache[] = {dtrain.get()};
  BoosterHandle handle = nullptr;
  if (XGBoosterCreate(cache, 1, &handle) != 0) return LastError(Code::kInternal, "booster");
  Booster booster(handle, -1, static_cast<int>(train.cols));
  for (const auto& [name, value] : options.params) {
    if (XGBoosterSetParam(handle, name.c_str(), value.c_str()) != 0) {
      return LastError(Code::kInvalidArgument, "parameter " + name);
    }
  }

  double best = std::numeric_limits<double>::infinity();
  int best_round = options.max_rounds - 1;
  for (int round = 0; round < options.max_rounds; ++round) {
    if (XGBoosterUpdateOneIter(handle, round, dtrain.get()) != 0) {
      return LastError(Code::kInvalidArgument, "training round " + std::to_string(round));
    }
    double metric = std::nan("");
    if (dvalid) {
      DMatrixHandle eval_sets[] = {dvalid->get()};
      const char* eval_names[] = {"valid"};
      const char* eval = nullptr;
      if (XGBoosterEvalOneIter(handle, round, eval_sets, eval_names, 1, &eval) != 0) {
        return LastError(Code::kInternal, "evaluation");
      }
      metric = ParseFirstMetric(eval);
      // Lower is better: the regression metrics (rmse, mae) early stopping is used with.
      if (metric < best) {
        best = metric;
        best_round = round;
      } else if (options.early_stopping_rounds > 0 &&
                 round - best_round >= options.early_stopping_rounds) {
        if (on_round) on_round(round, metric);
        break;
      }
    }
    if (on_round) on_round(round, metric);
  }

  if (dvalid) {
    // Keep the trees up to the best round only.
    BoosterHandle sliced = nullptr;
    if (XGBoosterSlice(handle, 0, best_round + 1, 1, &sliced) != 0) {
      return LastError(Code::kInternal, "slicing to the best round");
    }
    booster = Booster(sliced, best_round, static_cast<int>(train.cols));
  } else {
    booster.best_round_ = best_round;
  }
  return booster;
}

Result<Booster> Booster::Load(std::string_view model_bytes) {
  BoosterHandle handle = nullptr;
  if (XGBoosterCreate(nullptr, 0, &handle) != 0) return LastError(Code::kInternal, "booster");
  Booster booster(handle, -1, 0);
  if (XGBoosterLoadModelFromBuffer(handle, model_bytes.data(), model_bytes.size()) != 0) {
    return LastError(Code::kDataLoss, "model");
  }
  bst_ulong features = 0;
  if (XGBoosterGetNumFeature(handle, &features) != 0) {
    return LastError(Code::kDataLoss, "model features");
  }
  int rounds = 0;
  if (XGBoosterBoostedRounds(handle, &rounds) != 0) {
    return LastError(Code::kDataLoss, "model rounds");
  }
  booster.features_ = static_cast<int>(features);
  booster.best_round_ = rounds - 1;
  return booster;
}

Result<std::string> Booster::SaveJson() const {
  bst_ulong length = 0;
  const char* bytes = nullptr;
  if (XGBoosterSaveModelToBuffer(handle_, R"({"format": "json"})", &length, &bytes) != 0) {
    return LastError(Code::kInternal, "saving the model");
  }
  return std::string(bytes, length);  // copied before the next call reuses the buffer
}

Result<std::vector<float>> Booster::PredictType(const DenseMatrix& x, int type) const {
  if (static_cast<int>(x.cols) != features_) {
    return InvalidArgument("matrix: " + std::to_string(x.cols) + " columns, the model has " +
                           std::to_string(features_));
  }
  SPHERE_ASSIGN_OR_RETURN(Matrix dx, Matrix::From(x, {}));
  const std::string config = R"({"type": )" + std::to_string(type) +
                             R"(, "training": false, "iteration_begin": 0, )"
                             R"("iteration_end": 0, "strict_shape": false})";
  const bst_ulong* shape = nullptr;
  bst_ulong dims = 0;
  const float* result = nullptr;
  if (XGBoosterPredictFromDMatrix(handle_, dx.get(), config.c_str(), &shape, &dims, &result) != 0) {
    return LastError(Code::kInternal, "prediction");
  }
  size_t n = 1;
  for (bst_ulong d = 0; d < dims; ++d) n *= shape[d];
  return std::vector<float>(result, result + n);  // copied: XGBoost reuses the buffer
}

Result<std::vector<float>> Booster::Predict(const DenseMatrix& x) const {
  return PredictType(x, 0);
}

Result<std::vector<float>> Booster::Contributions(const DenseMatrix& x) const {
  return PredictType(x, 2);
}

}  // namespace sphere::xgb
