#include "service/model_set.h"

#include "service/plep_service.h"
#include "service/value_service.h"

namespace sphere::service {

Result<std::shared_ptr<const Models>> ModelSet::LoadLatest(Store& store, UnixSeconds now) {
  auto models = std::make_shared<Models>();
  Result<std::shared_ptr<const plep::PlepModel>> plep = LoadCurrentPlep(store);
  if (!plep.ok()) return plep.status().WithContext("PLEP model refused");
  models->plep = std::move(plep).value();
  Result<std::shared_ptr<const value::ValueModel>> value = LoadCurrentValueModel(store);
  if (!value.ok()) return value.status().WithContext("Market Value model refused");
  models->value = std::move(value).value();
  models->loaded_at = now;
  return std::shared_ptr<const Models>(std::move(models));
}

Result<std::unique_ptr<ModelSet>> ModelSet::Load(Store& store, UnixSeconds now) {
  SPHERE_ASSIGN_OR_RETURN(std::shared_ptr<const Models> models, LoadLatest(store, now));
  return std::unique_ptr<ModelSet>(new ModelSet(std::move(models)));
}

Result<ReloadReport> ModelSet::Reload(Store& store, UnixSeconds now) {
  std::lock_guard lock(reload_mutex_);
  const std::shared_ptr<const Models> before = Current();
  SPHERE_ASSIGN_OR_RETURN(std::shared_ptr<const Models> after, LoadLatest(store, now));
  ReloadReport report{before->plep->version(), after->plep->version(), before->value->version(),
                      after->value->version()};
  current_.store(std::move(after));
  return report;
}

}  // namespace sphere::service
