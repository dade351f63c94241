#include "service/synth_service.h"

namespace sphere::service {

Result<synth::SynthProfile> FitSynthProfile(Store& store, const synth::FitOptions& options) {
  synth::ProfileBuilder builder(options);
  SPHERE_RETURN_IF_ERROR(store.ForEachCreator([&](const Creator& c) { return builder.Add(c); }));
  SPHERE_RETURN_IF_ERROR(store.ForEachPost([&](const Post& p) { return builder.Add(p); }));
  SPHERE_RETURN_IF_ERROR(store.ForEachSnapshot([&](const Snapshot& s) { return builder.Add(s); }));
  return builder.Build();
}

}  // namespace sphere::service
