#include "api/metrics.h"

#include <fmt/format.h>

#include <cmath>

namespace sphere::api {

Metrics::Metrics(const Router& router) {
  for (const Route& route : router.routes()) {
    auto s = std::make_unique<Series>();
    s->route = route.pattern;
    s->method = std::string(MethodName(route.method));
    series_.push_back(std::move(s));
  }
  auto unmatched = std::make_unique<Series>();
  unmatched->route = "unmatched";
  unmatched->method = "any";
  series_.push_back(std::move(unmatched));
}

void Metrics::Record(int route_id, int status, double seconds) {
  const size_t index = route_id < 0 || static_cast<size_t>(route_id) + 1 >= series_.size()
                           ? series_.size() - 1
                           : static_cast<size_t>(route_id);
  Series& s = *series_[index];
  size_t status_slot = kStatuses.size();
  for (size_t i = 0; i < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) {
      status_slot = i;
      break;
    }
  }
  s.by_status[status_slot].fetch_add(1, std::memory_order_relaxed);
  size_t bucket = kBuckets.size();
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      bucket = i;
      break;
    }
  }
  s.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  s.count.fetch_add(1, std::memory_order_relaxed);
  s.sum_micros.fetch_add(static_cast<uint64_t>(std::llround(std::max(seconds, 0.0) * 1e6)),
                         std::memory_order_relaxed);
}

std::string Metrics::Render() const {
  std::string out;
  out +=
      "# HELP sphere_http_requests_total HTTP requests answered, by route pattern, method and "
      "status.\n# TYPE sphere_http_requests_total counter\n";
  for (const auto& s : series_) {
    for (size_t i = 0; i <= kStatuses.size(); ++i) {
      const uint64_t n = s->by_status[i].load(std::memory_order_relaxed);
      if (n == 0) continue;
      const std::string status = i < kStatuses.size() ? std::to_string(kStatuses[i]) : "other";
      out +=
          fmt::format("sphere_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
                      s->route, s->method, status, n);
    }
  }
  out +=
      "# HELP sphere_http_request_duration_seconds Time from the request's arrival to its "
      "response, by route.\n# TYPE sphere_http_request_duration_seconds histogram\n";
  for (const auto& s : series_) {
    const uint64_t count = s->count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= kBuckets.size(); ++i) {
      cumulative += s->buckets[i].load(std::memory_order_relaxed);
      const std::string le = i < kBuckets.size() ? fmt::format("{}", kBuckets[i]) : "+Inf";
      out += fmt::format(
          "sphere_http_request_duration_seconds_bucket{{route=\"{}\",method=\"{}\",le=\"{}\"}} "
          "{}\n",
          s->route, s->method, le, cumulative);
    }
    out += fmt::format(
        "sphere_http_request_duration_seconds_sum{{route=\"{}\",method=\"{}\"}} {}\n", s->route,
        s->method, static_cast<double>(s->sum_micros.load(std::memory_order_relaxed)) / 1e6);
    out +=
        fmt::format("sphere_http_request_duration_seconds_count{{route=\"{}\",method=\"{}\"}} {}\n",
                    s->route, s->method, cumulative);
  }
  for (const Extra& extra : extras_) out += extra();
  return out;
}

}  // namespace sphere::api
