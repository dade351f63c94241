#include "api/api.h"

#include <chrono>
#include <exception>
#include <string>

#include "api/errors.h"

namespace sphere::api {
namespace {

std::string AllowHeader(const std::vector<Method>& methods) {
  std::string allow;
  for (Method m : methods) {
    if (!allow.empty()) allow += ", ";
    allow += MethodName(m);
    if (m == Method::kGet) allow += ", HEAD";
  }
  return allow;
}

// The "code" of an error body, for the access log.
std::string_view ErrorCodeOf(const Response& response) {
  if (response.status < 400 || response.content_type != "application/json") return {};
  constexpr std::string_view kKey = "\"code\":\"";
  const size_t at = response.body.find(kKey);
  if (at == std::string::npos) return {};
  const size_t start = at + kKey.size();
  const size_t end = response.body.find('"', start);
  if (end == std::string::npos) return {};
  return std::string_view(response.body).substr(start, end - start);
}

}  // namespace

Api::Api(ApiContext context, std::unique_ptr<AccessLog> access_log)
    : context_(std::move(context)),
      auth_(context_.stores, context_.options.auth_ttl),
      limiter_(context_.options.rate_limit_per_second, context_.options.rate_limit_burst),
      access_log_(std::move(access_log)) {
  AddOpsRoutes(router_);
  AddSeedRoutes(router_);
  AddProductRoutes(router_);
  metrics_ = std::make_unique<Metrics>(router_);
  context_.metrics = metrics_.get();
}

Response Api::Dispatch(const Request& request, int& route_id, int64_t& user_id) {
  Result<Router::Match> match = router_.Find(request.method, request.path);
  if (!match.ok()) return ErrorResponse(match.status());
  if (match->route == nullptr) {
    if (match->allowed.empty()) {
      return ErrorResponse(
          404, "not_found",
          "no route for " + std::string(MethodName(request.method)) + " " + request.path, "path");
    }
    Response response = ErrorResponse(405, "method_not_allowed",
                                      request.method_text + " is not allowed on " + request.path +
                                          " (allowed: " + AllowHeader(match->allowed) + ")",
                                      "method");
    response.headers.emplace_back("Allow", AllowHeader(match->allowed));
    return response;
  }
  const Route& route = *match->route;
  route_id = route.id;

  std::optional<User> user;
  if (route.access != Access::kPublic) {
    const std::optional<std::string_view> key = BearerToken(request);
    if (!key) {
      Response r = ErrorResponse(401, "unauthenticated",
                                 "this route needs an API key: send 'Authorization: Bearer KEY' "
                                 "(keys come from `sphere users add`)",
                                 "Authorization");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    Result<std::optional<User>> resolved = auth_.Resolve(*key);
    if (!resolved.ok()) return ErrorResponse(resolved.status());
    if (!*resolved) {
      Response r =
          ErrorResponse(401, "unauthenticated", "the API key is not valid", "Authorization");
      r.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      return r;
    }
    user = std::move(*resolved);
    user_id = user->id;
    if (route.access == Access::kAdmin && user->role != Role::kAdmin) {
      return ErrorResponse(
          403, "permission_denied",
          "this route is for admin keys; this key's role is " + std::string(ToString(user->role)),
          "Authorization");
    }
    const int64_t wait = limiter_.Take(user->id, std::chrono::steady_clock::now());
    if (wait > 0) {
      Response r = ErrorResponse(
          429, "rate_limited",
          "too many requests for this API key: retry in " + std::to_string(wait) + " s",
          "Authorization");
      r.headers.emplace_back("Retry-After", std::to_string(wait));
      return r;
    }
  }

  const Call call{request, match->params, user ? &*user : nullptr, context_};
  try {
    Result<Response> response = route.handler(call);
    if (!response.ok()) return ErrorResponse(response.status());
    return std::move(response).value();
  } catch (const std::exception& e) {
    // Handlers do not throw (every failure is a Status); reaching here is a bug.
    return ErrorResponse(500, "internal", std::string("unexpected error: ") + e.what());
  } catch (...) {
    return ErrorResponse(500, "internal", "unexpected error");
  }
}

Response Api::Handle(const Request& request) {
  const auto started = request.received_at == std::chrono::steady_clock::time_point{}
                           ? std::chrono::steady_clock::now()
                           : request.received_at;
  int route_id = -1;
  int64_t user_id = 0;
  Response response = Dispatch(request, route_id, user_id);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  metrics_->Record(route_id, response.status, std::chrono::duration<double>(elapsed).count());
  if (access_log_) {
    AccessRecord record;
    record.method = request.method_text.empty() ? MethodName(request.method)
                                                : std::string_view(request.method_text);
    record.route = route_id >= 0 ? std::string_view(router_.routes()[route_id].pattern)
                                 : std::string_view("unmatched");
    record.path = request.path;
    record.status = response.status;
    record.bytes = response.body.size();
    record.micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    record.user_id = user_id;
    record.remote = request.remote_address;
    record.error_code = ErrorCodeOf(response);
    access_log_->Write(record);
  }
  return response;
}

}  // namespace sphere::api
