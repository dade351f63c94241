// The smallest store an alerts test needs: a brand, the Instagram creator "ana" and the
// brand's rule on her follower count. Shared by the evaluator, hub and webhook tests.
#pragma once

#include <cstdint>

#include "core/domain.h"
#include "core/status.h"
#include "store/store.h"

namespace sphere::testing {

struct AlertSeed {
  User brand;
  int64_t creator_id = 0;
  AlertRule rule;
};

// Writes the brand (key hash "hash-brand"), ana with `followers` (a creator row and a
// snapshot taken `at`) and the rule "ana above `threshold` followers".
Result<AlertSeed> SeedCreatorRule(Store& store, UnixSeconds at, int64_t followers = 12000,
                                  int64_t threshold = 10000);

// The creator rule's condition: `creator_id`'s follower count above `threshold`.
std::string FollowerRuleJson(int64_t creator_id, int64_t threshold);

}  // namespace sphere::testing
