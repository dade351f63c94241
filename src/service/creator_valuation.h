// One creator valued as of a date: the Market Value forecast, the fee it prices to now and at
// the horizon, and the momentum between them. What ValueCreators does for each creator before
// the population-wide scores, and what the alerts evaluator (one creator after an ingest) and
// the alerts backtest (one creator at every date of a replayed history) need alone.
#pragma once

#include <optional>
#include <string>

#include "core/domain.h"
#include "core/status.h"
#include "market/rate_card.h"
#include "model/value/value_history.h"
#include "model/value/value_model.h"
#include "store/store.h"

namespace sphere::service {

struct CreatorValuation {
  UnixSeconds as_of = 0;
  std::optional<double> followers;  // the summary's, at as_of
  value::ValueForecast forecast;
  market::Fee fee;     // priced from the forecast
  double fee_now = 0;  // priced from the level the forecast moves from
  MediaType format = MediaType::kImage;
  // market::Momentum(fee_now, fee.mid); 0 when the value is priced from the niche prior (no
  // observed level to grow from).
  double momentum = 0;
  // Last-period growth of the level the fee is priced from (engagement or views per post:
  // level / previous level - 1), the naive momentum; nullopt without a previous level.
  std::optional<double> growth;
  // Followers' relative growth over 30 days from the summary's daily gain; nullopt unknown.
  std::optional<double> follower_growth;
  // Engagement per post (the forecast's base) / followers; nullopt without followers.
  std::optional<double> engagement_rate;
};

// FailedPrecondition whose message is the reason when the creator cannot be valued at as_of
// ("no dated observation", "neither an engagement level nor a follower count as of the date",
// "the rate card cannot price <platform> <format>"); InvalidArgument for a horizon outside
// 1..365; other model errors as they come.
Result<CreatorValuation> ValueCreatorAt(const value::ValueModel& model,
                                        const market::RateCard& card,
                                        const value::CreatorHistory& history, UnixSeconds as_of,
                                        int horizon_days, bool explain = false);

// One creator's history from the store, built like LoadValueInputs builds everyone's; nullopt
// when the creator has nothing the model reads. The niche is read (PlepNicheOf) unless the
// caller already has it.
Result<std::optional<value::CreatorHistory>> LoadCreatorHistory(
    Store& store, const Creator& creator, std::optional<std::string> niche = std::nullopt);

}  // namespace sphere::service
