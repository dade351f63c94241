// Routes: a method and a path pattern ("/api/v1/influencers/{id}") mapped to a handler, with
// who may call it. The route table is the single source the server, /metrics labels and the
// OpenAPI test read.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/message.h"
#include "core/domain.h"
#include "core/status.h"

namespace sphere::api {

class ApiContext;

enum class Access {
  kPublic,   // no key needed (health, docs, metrics)
  kAnyUser,  // any valid key
  kAdmin,    // ingest and model routes
};

struct PathParams {
  std::vector<std::pair<std::string, std::string>> items;  // percent-decoded
  // The value of `{name}`; routes only ask for names their pattern has.
  const std::string& Get(std::string_view name) const;
};

// One call of a route: what a handler reads. `user` is null on public routes.
struct Call {
  const Request& request;
  const PathParams& params;
  const User* user;
  ApiContext& context;
};

using RouteHandler = std::function<Result<Response>(const Call&)>;

struct Route {
  Method method = Method::kGet;
  std::string pattern;
  Access access = Access::kAnyUser;
  std::string summary;  // one line, for logs and the route list
  RouteHandler handler;
  int id = 0;  // position in the table, assigned by Add
};

class Router {
 public:
  // Patterns are "/"-separated literal segments and "{name}" segments (one whole segment).
  // A duplicate (method, pattern) is a programming error caught by the route-table test.
  void Add(Route route);

  struct Match {
    const Route* route = nullptr;  // null: no route for this method and path
    PathParams params;
    // When `route` is null but the path matches other methods: they, for 405 + Allow.
    std::vector<Method> allowed;
  };
  // InvalidArgument "path: ..." when a segment's percent-encoding is malformed.
  Result<Match> Find(Method method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Compiled {
    std::vector<std::string> segments;  // "{name}" kept as is
  };
  static bool SegmentsMatch(const Compiled& compiled, const std::vector<std::string_view>& path);

  std::vector<Route> routes_;
  std::vector<Compiled> compiled_;
};

}  // namespace sphere::api
