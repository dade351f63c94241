// Alerts as a server runs them: the evaluator, the rate card and scores it values creators
// with, and what wakes the deliveries. One object, so the ingest paths (the API's
// /data-ingestion, `sphere import`) make one call after writing: AfterIngest evaluates the
// touched creators, commits, then wakes the live streams and the webhook sender, which read
// the new events back from the store.
#pragma once

#include <atomic>
#include <memory>
#include <span>

#include "core/status.h"
#include "market/rate_card.h"
#include "model/value/value_model.h"
#include "service/alert_evaluator.h"
#include "store/store.h"

namespace sphere::service {

class AlertHub;
class WebhookSender;

class AlertService {
 public:
  // Loads the rules and the fee percentiles. `hub` and `webhooks` may be null (a CLI import
  // has no streams; a running server's poll picks its events up).
  static Result<std::unique_ptr<AlertService>> Open(Store& store, market::RateCard card,
                                                    AlertHub* hub, WebhookSender* webhooks);

  // Evaluates the creators an ingest touched with the given Market Value model (may be null:
  // see AlertValuation), then wakes the deliveries when something fired.
  Result<AlertEvaluationReport> AfterIngest(Store& store, std::span<const int64_t> creator_ids,
                                            std::shared_ptr<const value::ValueModel> model,
                                            UnixSeconds now);

  // Re-reads the fee percentiles (after a model reload or a re-valuation).
  Status ReloadScores(Store& store);

  AlertEvaluator& evaluator() { return *evaluator_; }
  AlertHub* hub() { return hub_; }
  WebhookSender* webhooks() { return webhooks_; }

 private:
  AlertService() = default;
  std::unique_ptr<AlertEvaluator> evaluator_;
  market::RateCard card_;
  std::atomic<std::shared_ptr<const FeePercentiles>> scores_;
  AlertHub* hub_ = nullptr;
  WebhookSender* webhooks_ = nullptr;
};

}  // namespace sphere::service
