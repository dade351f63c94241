// Which creators a model learns from, is tuned on and is scored on. Every model splits by
// creator with the same function, so a creator held out from one model is held out from
// all of them (the PLEP model's test creators were never seen by the niche classifier
// either). The split depends on nothing but the creator key: adding data never moves a
// creator from test into train.
#pragma once

#include <cstdint>
#include <string_view>

namespace sphere {

// FNV-1a 64 of the creator key ("instagram/alice"), mod 100.
int SplitBucket(std::string_view creator_key);

// Buckets [0, 70) train, [70, 85) validation, [85, 100) test.
enum class Split { kTrain, kValidation, kTest };
Split SplitOf(std::string_view creator_key);
std::string_view ToString(Split split);

}  // namespace sphere
