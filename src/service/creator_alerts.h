// The seed's per-creator alert rules ("tell me when this creator's engagement rate drops by
// 20%"), stored as alert_rule rows whose condition_json says
//   {"type":"creator","creator_id":7,"metric":"engagement_rate","condition":"drop_by","threshold":0.2}
// Evaluation belongs to the alerts engine; this is the rule's shape, its checks and its storage.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "store/store.h"

namespace sphere::service {

struct CreatorAlert {
  int64_t id = 0;  // the alert_rule id
  int64_t owner_user_id = 0;
  int64_t creator_id = 0;
  std::string metric;     // engagement_rate | follower_count | market_score
  std::string condition;  // below | above | drop_by
  double threshold = 0;   // drop_by: a fraction (0.2 = 20%)
  bool active = true;
  UnixSeconds created_at = 0;
};

// InvalidArgument naming the field: an unknown metric or condition, a negative threshold, a
// drop_by threshold outside (0, 1], an engagement rate above 1, a follower count that is not
// whole.
Status ValidateCreatorAlert(const CreatorAlert& alert);

// Validates, checks the creator exists (NotFound "influencer_id: ..."), stores.
Result<CreatorAlert> CreateCreatorAlert(Store& store, const CreatorAlert& alert);
// The owner's creator alerts (rules of other types are left out), oldest first.
Result<std::vector<CreatorAlert>> ListCreatorAlerts(Store& store, int64_t owner_user_id);

// The rule as a CreatorAlert; InvalidArgument when it is not a creator rule.
Result<CreatorAlert> CreatorAlertOf(const AlertRule& rule);

}  // namespace sphere::service
