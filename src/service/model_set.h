// The models a server answers with, as one immutable snapshot swapped atomically: a request
// takes the snapshot once (Current) and uses it to the end, so a reload never changes a
// model under a request in flight, and the old models are freed when the last such request
// finishes.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"
#include "model/plep/plep_model.h"
#include "model/value/value_model.h"
#include "store/store.h"

namespace sphere::service {

struct Models {
  std::shared_ptr<const plep::PlepModel> plep;
  std::shared_ptr<const value::ValueModel> value;
  UnixSeconds loaded_at = 0;
};

struct ReloadReport {
  std::string plep_before, plep_after;
  std::string value_before, value_after;
  bool changed() const { return plep_before != plep_after || value_before != value_after; }
};

class ModelSet {
 public:
  // The latest registered PLEP and Market Value models; the loaders' errors (NotFound naming
  // `sphere train ...`, FailedPrecondition for another feature schema, DataLoss) otherwise.
  static Result<std::unique_ptr<ModelSet>> Load(Store& store, UnixSeconds now);

  std::shared_ptr<const Models> Current() const { return current_.load(); }

  // Loads the latest registered versions and swaps them in. On any error nothing changes: the
  // models being served stay, and the error says which model was refused and why.
  // Concurrent reloads are serialised.
  Result<ReloadReport> Reload(Store& store, UnixSeconds now);

 private:
  explicit ModelSet(std::shared_ptr<const Models> models) : current_(std::move(models)) {}
  static Result<std::shared_ptr<const Models>> LoadLatest(Store& store, UnixSeconds now);

  std::atomic<std::shared_ptr<const Models>> current_;
  std::mutex reload_mutex_;
};

}  // namespace sphere::service
