// The whole HTTP API as one function: Api::Handle(request) -> response. It matches the route,
// authenticates the Bearer key, enforces the route's access and the key's rate limit, calls
// the handler, turns any error into the one JSON error body, records metrics and writes the
// access-log line. src/http calls it on its threads; tests call it directly.
#pragma once

#include <memory>

#include "api/access_log.h"
#include "api/auth.h"
#include "api/context.h"
#include "api/message.h"
#include "api/metrics.h"
#include "api/router.h"

namespace sphere::api {

class Api {
 public:
  // `access_log` may be null (no log). The context's references must outlive the Api.
  Api(ApiContext context, std::unique_ptr<AccessLog> access_log);

  Response Handle(const Request& request);

  const Router& router() const { return router_; }
  Metrics& metrics() { return *metrics_; }
  ApiContext& context() { return context_; }
  AccessLog* access_log() { return access_log_.get(); }

 private:
  Response Dispatch(const Request& request, int& route_id, int64_t& user_id);

  ApiContext context_;
  Router router_;
  std::unique_ptr<Metrics> metrics_;
  Authenticator auth_;
  RateLimiter limiter_;
  std::unique_ptr<AccessLog> access_log_;
};

// Every route of the API (what the server and the OpenAPI test read); defined by the
// handler files.
void AddOpsRoutes(Router& router);
void AddSeedRoutes(Router& router);
void AddProductRoutes(Router& router);

}  // namespace sphere::api
