// Use case: fit the synthetic-data profile to the real records in a store.
#pragma once

#include "store/store.h"
#include "synth/synth.h"

namespace sphere::service {

// Streams every creator, post and snapshot of the store through a ProfileBuilder and
// fits the profile. FailedPrecondition (saying what is missing) when the store holds too
// little real data, e.g. before the bundled data was imported.
Result<synth::SynthProfile> FitSynthProfile(Store& store, const synth::FitOptions& options = {});

}  // namespace sphere::service
