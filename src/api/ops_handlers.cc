// Operations routes: liveness, readiness, Prometheus metrics, the OpenAPI document, the docs
// page and "who am I".
#include <fmt/format.h>

#include "api/api.h"
#include "api/json_out.h"
#include "api/static_documents.h"
#include "service/alert_hub.h"
#include "service/webhook_sender.h"

namespace sphere::api {
namespace {

Result<Response> Healthz(const Call&) {
  return JsonResponse(nlohmann::ordered_json{{"status", "ok"}});
}

// Ready when the models are loaded and the store answers.
Result<Response> Readyz(const Call& call) {
  ApiContext& ctx = call.context;
  nlohmann::ordered_json out;
  bool ready = true;
  const std::shared_ptr<const service::Models> models = ctx.models.Current();
  out["models"] = {{"plep", models && models->plep ? models->plep->version() : ""},
                   {"market_value", models && models->value ? models->value->version() : ""}};
  if (!models || !models->plep || !models->value) ready = false;
  Result<service::StorePool::Lease> store = ctx.stores.Acquire();
  if (!store.ok()) {
    ready = false;
    out["store"] = store.status().message();
  } else {
    Result<int> version = (*store)->SchemaVersion();
    if (!version.ok()) {
      if (version.status().code() == Code::kUnavailable) store->Discard();
      ready = false;
      out["store"] = version.status().message();
    } else {
      out["store"] = {{"schema_version", *version}};
    }
  }
  out["creators"] = ctx.directory.size();
  out["status"] = ready ? "ready" : "not_ready";
  return JsonResponse(out, ready ? 200 : 503);
}

std::string Label(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

Result<Response> MetricsText(const Call& call) {
  ApiContext& ctx = call.context;
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = ctx.metrics->Render();
  const std::shared_ptr<const service::Models> models = ctx.models.Current();
  r.body +=
      "# HELP sphere_model_info The model versions being served.\n# TYPE sphere_model_info gauge\n";
  if (models && models->plep) {
    r.body += fmt::format("sphere_model_info{{kind=\"plep\",version=\"{}\"}} 1\n",
                          Label(models->plep->version()));
  }
  if (models && models->value) {
    r.body += fmt::format("sphere_model_info{{kind=\"market_value\",version=\"{}\"}} 1\n",
                          Label(models->value->version()));
  }
  r.body += fmt::format(
      "# HELP sphere_models_loaded_timestamp_seconds When the served models were loaded.\n"
      "# TYPE sphere_models_loaded_timestamp_seconds gauge\n"
      "sphere_models_loaded_timestamp_seconds {}\n",
      models ? models->loaded_at : 0);
  r.body += fmt::format(
      "# HELP sphere_directory_creators Creators the server's directory holds.\n"
      "# TYPE sphere_directory_creators gauge\nsphere_directory_creators {}\n",
      ctx.directory.size());
  r.body += fmt::format(
      "# HELP sphere_creator_cache_lookups_total Creator cache lookups for draft scoring.\n"
      "# TYPE sphere_creator_cache_lookups_total counter\n"
      "sphere_creator_cache_lookups_total{{result=\"hit\"}} {}\n"
      "sphere_creator_cache_lookups_total{{result=\"miss\"}} {}\n",
      ctx.creators.hits(), ctx.creators.misses());
  r.body += fmt::format(
      "# HELP sphere_store_connections Store connections open (idle and lent).\n"
      "# TYPE sphere_store_connections gauge\nsphere_store_connections {}\n",
      ctx.stores.open_count());
  if (ctx.alerts) {
    r.body += fmt::format(
        "# HELP sphere_alert_rules Enabled alert rules in the evaluator's index.\n"
        "# TYPE sphere_alert_rules gauge\nsphere_alert_rules {}\n",
        ctx.alerts->evaluator().rules());
    if (const service::AlertHub* hub = ctx.alerts->hub()) {
      r.body += fmt::format(
          "# HELP sphere_alert_streams Open alert event streams.\n"
          "# TYPE sphere_alert_streams gauge\nsphere_alert_streams {}\n"
          "# HELP sphere_alert_stream_events_total Events written to streams.\n"
          "# TYPE sphere_alert_stream_events_total counter\nsphere_alert_stream_events_total {}\n",
          hub->subscribers(), hub->delivered());
    }
    if (const service::WebhookSender* webhooks = ctx.alerts->webhooks()) {
      const service::WebhookSender::Counters c = webhooks->counters();
      r.body += fmt::format(
          "# HELP sphere_webhook_attempts_total Webhook delivery attempts by outcome.\n"
          "# TYPE sphere_webhook_attempts_total counter\n"
          "sphere_webhook_attempts_total{{outcome=\"delivered\"}} {}\n"
          "sphere_webhook_attempts_total{{outcome=\"failed\"}} {}\n"
          "# HELP sphere_webhook_dead_total Deliveries that used every attempt (dead-letter).\n"
          "# TYPE sphere_webhook_dead_total counter\nsphere_webhook_dead_total {}\n",
          c.delivered, c.failures, c.dead);
    }
  }
  return r;
}

Result<Response> OpenApi(const Call&) {
  Response r;
  r.body = std::string(OpenApiDocument());
  return r;
}

Result<Response> DocsPage(const Call&) {
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::string(DocsHtml());
  return r;
}

Result<Response> Me(const Call& call) {
  nlohmann::ordered_json out;
  out["id"] = call.user->id;
  out["name"] = call.user->name;
  out["role"] = ToString(call.user->role);
  return JsonResponse(out);
}

}  // namespace

void AddOpsRoutes(Router& router) {
  router.Add({Method::kGet, "/healthz", Access::kPublic, "the process is up", Healthz});
  router.Add(
      {Method::kGet, "/readyz", Access::kPublic, "models loaded and store reachable", Readyz});
  router.Add({Method::kGet, "/metrics", Access::kPublic, "Prometheus metrics", MetricsText});
  router.Add({Method::kGet, "/api/v1/openapi.json", Access::kPublic,
              "this API's OpenAPI 3 document", OpenApi});
  router.Add({Method::kGet, "/docs", Access::kPublic, "the API's docs page", DocsPage});
  router.Add({Method::kGet, "/api/v1/me", Access::kAnyUser, "the caller's user", Me});
}

}  // namespace sphere::api
