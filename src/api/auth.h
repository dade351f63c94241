// Who is calling: the Bearer API key of the Authorization header, resolved to a user through
// a small cache (a request must not cost a store lookup), and the per-key rate limit.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/message.h"
#include "core/domain.h"
#include "core/status.h"
#include "service/store_pool.h"

namespace sphere::api {

// The key of "Authorization: Bearer KEY"; nullopt when the header is absent or not Bearer.
std::optional<std::string_view> BearerToken(const Request& request);

class Authenticator {
 public:
  // A resolved key is trusted for `ttl` before the store is asked again (a user deleted from
  // the store keeps access at most that long).
  Authenticator(service::StorePool& stores, std::chrono::seconds ttl)
      : stores_(stores), ttl_(ttl) {}

  // The user of the key; nullopt for an unknown or malformed key; a store error otherwise.
  Result<std::optional<User>> Resolve(std::string_view api_key);

 private:
  struct Cached {
    User user;
    std::chrono::steady_clock::time_point expires;
  };
  service::StorePool& stores_;
  const std::chrono::seconds ttl_;
  std::shared_mutex mutex_;
  std::unordered_map<std::string, Cached> by_hash_;
};

// A token bucket per user: `per_second` requests a second on average, bursts of `burst`.
// per_second <= 0 turns the limit off.
class RateLimiter {
 public:
  RateLimiter(double per_second, double burst) : per_second_(per_second), burst_(burst) {}

  // 0 when the request may go ahead (a token is taken); else the seconds until one is free
  // (what Retry-After says, rounded up).
  int64_t Take(int64_t user_id, std::chrono::steady_clock::time_point now);

  double per_second() const { return per_second_; }

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point refilled;
  };
  const double per_second_;
  const double burst_;
  std::mutex mutex_;
  std::unordered_map<int64_t, Bucket> buckets_;
};

}  // namespace sphere::api
