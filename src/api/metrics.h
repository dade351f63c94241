// Prometheus metrics of the API: requests and latency per route, and what is loaded.
// Recording is a few relaxed atomic adds (no lock on the request path); Render takes a
// consistent-enough view for a scrape (each counter is exact, a scrape may straddle a request).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/router.h"

namespace sphere::api {

class Metrics {
 public:
  // One series set per route of the router, plus one for requests that matched no route.
  explicit Metrics(const Router& router);

  // route_id < 0: no route matched.
  void Record(int route_id, int status, double seconds);

  // Gauges computed at scrape time ("sphere_model_info{kind=\"plep\",version=\"...\"} 1").
  using Extra = std::function<std::string()>;
  void AddExtra(Extra extra) { extras_.push_back(std::move(extra)); }

  std::string Render() const;  // the text exposition format, version 0.0.4

  static constexpr std::array<double, 15> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005,  0.01,    0.025,  0.05,  0.1,
                                                      0.25,   0.5,     1.0,    2.5,   10.0};
  static constexpr std::array<int, 18> kStatuses = {200, 201, 202, 204, 301, 304, 400, 401, 403,
                                                    404, 405, 409, 413, 415, 429, 431, 500, 503};

 private:
  struct Series {
    std::string route;  // the pattern, or "unmatched"
    std::string method;
    std::array<std::atomic<uint64_t>, kStatuses.size() + 1> by_status{};  // last: any other
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};     // last: +Inf
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_micros{0};
  };
  std::vector<std::unique_ptr<Series>> series_;  // by route id; last: unmatched
  std::vector<Extra> extras_;
};

}  // namespace sphere::api
