#include "api/router.h"

#include <algorithm>
#include <cassert>

#include "api/query.h"

namespace sphere::api {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.starts_with('/')) path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool IsParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

const std::string& PathParams::Get(std::string_view name) const {
  for (const auto& [key, value] : items) {
    if (key == name) return value;
  }
  static const std::string kEmpty;
  return kEmpty;
}

void Router::Add(Route route) {
  route.id = static_cast<int>(routes_.size());
  Compiled compiled;
  for (std::string_view s : SplitPath(route.pattern)) compiled.segments.emplace_back(s);
  routes_.push_back(std::move(route));
  compiled_.push_back(std::move(compiled));
}

bool Router::SegmentsMatch(const Compiled& compiled, const std::vector<std::string_view>& path) {
  if (compiled.segments.size() != path.size()) return false;
  for (size_t i = 0; i < path.size(); ++i) {
    const std::string& want = compiled.segments[i];
    if (IsParam(want)) {
      if (path[i].empty()) return false;
    } else if (want != path[i]) {
      return false;
    }
  }
  return true;
}

Result<Router::Match> Router::Find(Method method, std::string_view path) const {
  const std::vector<std::string_view> segments = SplitPath(path);
  Match match;
  // HEAD is answered by the GET route (src/http drops the body).
  const Method wanted = method == Method::kHead ? Method::kGet : method;
  for (size_t r = 0; r < routes_.size(); ++r) {
    if (!SegmentsMatch(compiled_[r], segments)) continue;
    if (routes_[r].method != wanted) {
      if (std::find(match.allowed.begin(), match.allowed.end(), routes_[r].method) ==
          match.allowed.end()) {
        match.allowed.push_back(routes_[r].method);
      }
      continue;
    }
    match.route = &routes_[r];
    const Compiled& compiled = compiled_[r];
    for (size_t i = 0; i < segments.size(); ++i) {
      const std::string& want = compiled.segments[i];
      if (!IsParam(want)) continue;
      std::string name = want.substr(1, want.size() - 2);
      Result<std::string> value = PercentDecode(segments[i], /*plus_is_space=*/false);
      if (!value.ok()) {
        return InvalidArgument(name + ": " + value.status().message());
      }
      match.params.items.emplace_back(std::move(name), std::move(value).value());
    }
    match.allowed.clear();
    return match;
  }
  return match;
}

}  // namespace sphere::api
