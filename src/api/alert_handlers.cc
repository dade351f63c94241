// Alerts (docs/alerts.md): rules of both kinds, the event history, the live stream
// (Server-Sent Events) and webhooks. Every route is the caller's own: another user's rule,
// event, webhook or delivery is 404 exactly like a missing one.
#include <sodium.h>

#include <memory>
#include <string>

#include "alerts/rule.h"
#include "api/api.h"
#include "api/errors.h"
#include "api/json_input.h"
#include "api/json_out.h"
#include "api/query.h"
#include "core/time.h"
#include "service/alert_hub.h"
#include "service/webhook_sender.h"

namespace sphere::api {
namespace {

constexpr int kDefaultEventPage = 100;
constexpr int kMaxEventPage = 1000;

Result<service::AlertService*> AlertsOf(ApiContext& context) {
  if (context.alerts == nullptr) return Unavailable("alerts are not running on this server");
  return context.alerts;
}

nlohmann::ordered_json RuleJson(const alerts::Rule& rule) {
  nlohmann::ordered_json out;
  out["id"] = rule.id;
  out["name"] = rule.name;
  out["enabled"] = rule.enabled;
  out["created_at"] = FormatIsoTime(rule.created_at);
  const nlohmann::ordered_json condition =
      nlohmann::ordered_json::parse(alerts::ConditionJson(rule));
  for (const auto& [key, value] : condition.items()) out[key] = value;
  return out;
}

Response NoContent() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

// POST /api/v1/alert-rules
Result<Response> CreateRule(const Call& call) {
  ApiContext& ctx = call.context;
  SPHERE_ASSIGN_OR_RETURN(service::AlertService * alerts, AlertsOf(ctx));
  // The decoder's depth, size and duplicate-key checks first; the grammar second.
  SPHERE_RETURN_IF_ERROR(ParseJsonObject(call.request.body).status());
  SPHERE_ASSIGN_OR_RETURN(alerts::Rule rule, alerts::RuleFromJson(call.request.body));
  rule.owner_user_id = call.user->id;
  rule.created_at = ctx.clock();
  SPHERE_RETURN_IF_ERROR(alerts::ValidateRule(rule));
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, ctx.stores.Acquire());
  if (const auto* scope = std::get_if<alerts::CreatorScope>(&rule.scope)) {
    SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> creator, store->GetCreator(scope->creator_id));
    if (!creator) {
      return NotFound("creator_id: no creator with id " + std::to_string(scope->creator_id));
    }
  }
  SPHERE_ASSIGN_OR_RETURN(AlertRule stored, store->CreateAlertRule(alerts::ToAlertRule(rule)));
  SPHERE_RETURN_IF_ERROR(alerts->evaluator().AddRule(stored));
  rule.id = stored.id;
  Response r = JsonResponse(RuleJson(rule), 201);
  r.headers.emplace_back("Location", "/api/v1/alert-rules/" + std::to_string(stored.id));
  return r;
}

// GET /api/v1/alert-rules
Result<Response> ListRules(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, call.context.stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(std::vector<AlertRule> stored, store->ListAlertRules(call.user->id));
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const AlertRule& row : stored) {
    SPHERE_ASSIGN_OR_RETURN(alerts::Rule rule, alerts::ParseRule(row));
    list.push_back(RuleJson(rule));
  }
  return JsonResponse(nlohmann::ordered_json{{"rules", std::move(list)}});
}

// GET /api/v1/alert-rules/{rule_id}
Result<Response> GetRule(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(int64_t id, PathId(call.params.Get("rule_id"), "rule_id"));
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, call.context.stores.Acquire());
  Result<AlertRule> stored = store->GetAlertRule(call.user->id, id);
  if (stored.status().code() == Code::kNotFound) {
    return NotFound("rule_id: no rule " + std::to_string(id));
  }
  SPHERE_RETURN_IF_ERROR(stored.status());
  SPHERE_ASSIGN_OR_RETURN(alerts::Rule rule, alerts::ParseRule(*stored));
  return JsonResponse(RuleJson(rule));
}

// DELETE /api/v1/alert-rules/{rule_id}
Result<Response> DeleteRule(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(int64_t id, PathId(call.params.Get("rule_id"), "rule_id"));
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, call.context.stores.Acquire());
  const Status deleted = store->DeleteAlertRule(call.user->id, id);
  if (deleted.code() == Code::kNotFound) return NotFound("rule_id: no rule " + std::to_string(id));
  SPHERE_RETURN_IF_ERROR(deleted);
  if (call.context.alerts) call.context.alerts->evaluator().RemoveRule(id);
  return NoContent();
}

// GET /api/v1/alert-events?after_id=&limit=
Result<Response> ListEvents(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(QueryParams query, ParseQuery(call.request.query));
  SPHERE_RETURN_IF_ERROR(RequireKnownParams(query, {"after_id", "limit"}));
  SPHERE_ASSIGN_OR_RETURN(std::optional<int64_t> after,
                          QueryInt(query, "after_id", 0, 1'000'000'000'000'000LL));
  SPHERE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, QueryInt(query, "limit", 1, kMaxEventPage));
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, call.context.stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(
      std::vector<AlertEvent> events,
      store->ListAlertEvents(call.user->id, after.value_or(0),
                             static_cast<int>(limit.value_or(kDefaultEventPage))));
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const AlertEvent& event : events) {
    list.push_back(nlohmann::ordered_json::parse(service::AlertEventJson(event)));
  }
  nlohmann::ordered_json out;
  out["events"] = std::move(list);
  out["next_after_id"] = events.empty() ? after.value_or(0) : events.back().id;
  return JsonResponse(out);
}

// One user's live stream: subscribes to the hub when the server opens it, unsubscribes when
// the connection ends.
class AlertEventStream : public ResponseStream,
                         public std::enable_shared_from_this<AlertEventStream> {
 public:
  AlertEventStream(service::AlertHub& hub, int64_t owner, int64_t last_event_id)
      : hub_(hub), owner_(owner), last_event_id_(last_event_id) {}

  void Open(std::shared_ptr<StreamSink> sink) override {
    // A reconnecting EventSource waits `retry` ms; the first line also flushes the head.
    sink->Write("retry: 2000\n\n");
    subscription_ = hub_.Subscribe(owner_, last_event_id_, [sink](const AlertEvent* event) {
      if (event == nullptr) return sink->Write(": keep-alive\n\n");
      return sink->Write("id: " + std::to_string(event->id) +
                         "\nevent: alert\ndata: " + service::AlertEventJson(*event) + "\n\n");
    });
  }
  void Closed() override {
    if (subscription_ != 0) hub_.Unsubscribe(subscription_);
    subscription_ = 0;
  }

 private:
  service::AlertHub& hub_;
  const int64_t owner_;
  const int64_t last_event_id_;
  int64_t subscription_ = 0;
};

// GET /api/v1/alert-events/stream (Last-Event-ID header or ?after_id=)
Result<Response> StreamEvents(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(service::AlertService * alerts, AlertsOf(call.context));
  if (alerts->hub() == nullptr) return Unavailable("live alert streams are not running");
  SPHERE_ASSIGN_OR_RETURN(QueryParams query, ParseQuery(call.request.query));
  SPHERE_RETURN_IF_ERROR(RequireKnownParams(query, {"after_id"}));
  SPHERE_ASSIGN_OR_RETURN(std::optional<int64_t> after,
                          QueryInt(query, "after_id", 0, 1'000'000'000'000'000LL));
  int64_t last_event_id = after.value_or(0);
  if (const std::string_view header = call.request.Header("last-event-id"); !header.empty()) {
    Result<int64_t> id = PathId(std::string(header), "Last-Event-ID");
    if (!id.ok()) return id.status();
    last_event_id = *id;
  }
  Response r;
  r.content_type = "text/event-stream";
  r.headers.emplace_back("X-Accel-Buffering", "no");
  r.stream = std::make_shared<AlertEventStream>(*alerts->hub(), call.user->id, last_event_id);
  return r;
}

nlohmann::ordered_json WebhookJson(const Webhook& hook) {
  nlohmann::ordered_json out;
  out["id"] = hook.id;
  out["url"] = hook.url;
  out["enabled"] = hook.enabled;
  out["created_at"] = FormatIsoTime(hook.created_at);
  return out;
}

nlohmann::ordered_json DeliveryJson(const WebhookDelivery& d) {
  nlohmann::ordered_json out;
  out["id"] = d.id;
  out["webhook_id"] = d.webhook_id;
  out["event_id"] = d.event_id;
  out["state"] = ToString(d.state);
  out["attempts"] = d.attempts;
  out["next_attempt_at"] = FormatIsoTime(d.next_attempt_at);
  out["last_status"] = OrNull(d.last_status);
  out["last_error"] = d.last_error;
  out["updated_at"] = FormatIsoTime(d.updated_at);
  return out;
}

// POST /api/v1/webhooks {"url", "secret"?}
Result<Response> CreateWebhook(const Call& call) {
  ApiContext& ctx = call.context;
  SPHERE_ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonObject(call.request.body));
  const JsonFields fields(body);
  for (const auto& [key, value] : body.items()) {
    if (key != "url" && key != "secret") {
      return InvalidArgument(key + ": unknown field (a webhook has url and secret)");
    }
  }
  Webhook hook;
  hook.owner_user_id = call.user->id;
  SPHERE_ASSIGN_OR_RETURN(hook.url, fields.RequiredString("url", kMaxWebhookUrlBytes));
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> secret,
                          fields.OptionalString("secret", kMaxWebhookSecretBytes));
  if (secret) {
    hook.secret = *secret;
  } else {
    // 32 random bytes as hex: shown once, in this response.
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    char hex[2 * sizeof bytes + 1];
    sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
    hook.secret = "whsec_" + std::string(hex);
  }
  hook.created_at = ctx.clock();
  SPHERE_RETURN_IF_ERROR(ValidateWebhook(hook));
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, ctx.stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(Webhook created, store->CreateWebhook(hook));
  nlohmann::ordered_json out = WebhookJson(created);
  out["secret"] = created.secret;
  Response r = JsonResponse(out, 201);
  r.headers.emplace_back("Location", "/api/v1/webhooks/" + std::to_string(created.id));
  return r;
}

// GET /api/v1/webhooks
Result<Response> ListWebhooks(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, call.context.stores.Acquire());
  SPHERE_ASSIGN_OR_RETURN(std::vector<Webhook> hooks, store->ListWebhooks(call.user->id));
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Webhook& hook : hooks) list.push_back(WebhookJson(hook));
  return JsonResponse(nlohmann::ordered_json{{"webhooks", std::move(list)}});
}

// DELETE /api/v1/webhooks/{webhook_id}
Result<Response> DeleteWebhook(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(int64_t id, PathId(call.params.Get("webhook_id"), "webhook_id"));
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, call.context.stores.Acquire());
  const Status deleted = store->DeleteWebhook(call.user->id, id);
  if (deleted.code() == Code::kNotFound) {
    return NotFound("webhook_id: no webhook " + std::to_string(id));
  }
  SPHERE_RETURN_IF_ERROR(deleted);
  return NoContent();
}

// GET /api/v1/webhooks/{webhook_id}/deliveries?state=&limit=
Result<Response> ListDeliveries(const Call& call) {
  SPHERE_ASSIGN_OR_RETURN(int64_t id, PathId(call.params.Get("webhook_id"), "webhook_id"));
  SPHERE_ASSIGN_OR_RETURN(QueryParams query, ParseQuery(call.request.query));
  SPHERE_RETURN_IF_ERROR(RequireKnownParams(query, {"state", "limit"}));
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> state_text, QueryString(query, "state", 16));
  std::optional<DeliveryState> state;
  if (state_text) {
    Result<DeliveryState> parsed = ParseDeliveryState(*state_text);
    if (!parsed.ok()) return InvalidArgument("state: must be pending, delivered or dead");
    state = *parsed;
  }
  SPHERE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, QueryInt(query, "limit", 1, kMaxEventPage));
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, call.context.stores.Acquire());
  Result<std::vector<WebhookDelivery>> deliveries = store->ListWebhookDeliveries(
      call.user->id, id, state, static_cast<int>(limit.value_or(kDefaultEventPage)));
  if (deliveries.status().code() == Code::kNotFound) {
    return NotFound("webhook_id: no webhook " + std::to_string(id));
  }
  SPHERE_RETURN_IF_ERROR(deliveries.status());
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const WebhookDelivery& d : *deliveries) list.push_back(DeliveryJson(d));
  return JsonResponse(nlohmann::ordered_json{{"deliveries", std::move(list)}});
}

// POST /api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry
Result<Response> RetryDelivery(const Call& call) {
  ApiContext& ctx = call.context;
  SPHERE_ASSIGN_OR_RETURN(int64_t hook, PathId(call.params.Get("webhook_id"), "webhook_id"));
  SPHERE_ASSIGN_OR_RETURN(int64_t id, PathId(call.params.Get("delivery_id"), "delivery_id"));
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, ctx.stores.Acquire());
  Result<WebhookDelivery> requeued = store->RequeueWebhookDelivery(call.user->id, id, ctx.clock());
  if (requeued.status().code() == Code::kNotFound ||
      (requeued.ok() && requeued->webhook_id != hook)) {
    return NotFound("delivery_id: no delivery " + std::to_string(id) + " of webhook " +
                    std::to_string(hook));
  }
  SPHERE_RETURN_IF_ERROR(requeued.status());
  if (ctx.alerts && ctx.alerts->webhooks()) ctx.alerts->webhooks()->Notify();
  return JsonResponse(DeliveryJson(*requeued));
}

}  // namespace

void AddAlertRoutes(Router& router) {
  router.Add({Method::kPost, "/api/v1/alert-rules", Access::kAnyUser,
              "create an alert rule (a creator rule or a scouting rule)", CreateRule});
  router.Add(
      {Method::kGet, "/api/v1/alert-rules", Access::kAnyUser, "your alert rules", ListRules});
  router.Add({Method::kGet, "/api/v1/alert-rules/{rule_id}", Access::kAnyUser,
              "one of your alert rules", GetRule});
  router.Add({Method::kDelete, "/api/v1/alert-rules/{rule_id}", Access::kAnyUser,
              "delete one of your alert rules and its events", DeleteRule});
  router.Add({Method::kGet, "/api/v1/alert-events", Access::kAnyUser,
              "your alert events, oldest first, after an id", ListEvents});
  router.Add({Method::kGet, "/api/v1/alert-events/stream", Access::kAnyUser,
              "your alert events as they fire (Server-Sent Events)", StreamEvents});
  router.Add({Method::kPost, "/api/v1/webhooks", Access::kAnyUser,
              "add a webhook your alert events are POSTed to", CreateWebhook});
  router.Add({Method::kGet, "/api/v1/webhooks", Access::kAnyUser, "your webhooks", ListWebhooks});
  router.Add({Method::kDelete, "/api/v1/webhooks/{webhook_id}", Access::kAnyUser,
              "delete one of your webhooks", DeleteWebhook});
  router.Add({Method::kGet, "/api/v1/webhooks/{webhook_id}/deliveries", Access::kAnyUser,
              "a webhook's deliveries (pending, delivered, dead)", ListDeliveries});
  router.Add({Method::kPost, "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
              Access::kAnyUser, "send a (dead) delivery again", RetryDelivery});
}

}  // namespace sphere::api
