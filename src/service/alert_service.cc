#include "service/alert_service.h"

#include <utility>

#include "service/alert_hub.h"
#include "service/webhook_sender.h"

namespace sphere::service {

Result<std::unique_ptr<AlertService>> AlertService::Open(Store& store, market::RateCard card,
                                                         AlertHub* hub, WebhookSender* webhooks) {
  std::unique_ptr<AlertService> service(new AlertService());
  SPHERE_ASSIGN_OR_RETURN(service->evaluator_, AlertEvaluator::Open(store));
  service->card_ = std::move(card);
  service->hub_ = hub;
  service->webhooks_ = webhooks;
  SPHERE_RETURN_IF_ERROR(service->ReloadScores(store));
  return service;
}

Status AlertService::ReloadScores(Store& store) {
  SPHERE_ASSIGN_OR_RETURN(FeePercentiles scores, FeePercentiles::Load(store));
  scores_.store(std::make_shared<const FeePercentiles>(std::move(scores)));
  return Status::Ok();
}

Result<AlertEvaluationReport> AlertService::AfterIngest(
    Store& store, std::span<const int64_t> creator_ids,
    std::shared_ptr<const value::ValueModel> model, UnixSeconds now) {
  const std::shared_ptr<const FeePercentiles> scores = scores_.load();
  AlertValuation valuation;
  valuation.model = std::move(model);
  valuation.card = &card_;
  valuation.scores = scores.get();
  SPHERE_ASSIGN_OR_RETURN(AlertEvaluationReport report,
                          evaluator_->Evaluate(store, creator_ids, valuation, now));
  if (!report.events.empty()) {
    if (hub_) hub_->Notify();
    if (webhooks_) webhooks_->Notify();
  }
  return report;
}

}  // namespace sphere::service
