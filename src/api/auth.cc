#include "api/auth.h"

#include <algorithm>
#include <cmath>

#include "service/user_service.h"

namespace sphere::api {

std::optional<std::string_view> BearerToken(const Request& request) {
  std::string_view value = request.Header("authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (value.size() <= kScheme.size()) return std::nullopt;
  // The scheme is case-insensitive (RFC 7235).
  for (size_t i = 0; i < kScheme.size(); ++i) {
    const char a = value[i], b = kScheme[i];
    if (std::tolower(static_cast<unsigned char>(a)) !=
        std::tolower(static_cast<unsigned char>(b))) {
      return std::nullopt;
    }
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  return value;
}

Result<std::optional<User>> Authenticator::Resolve(std::string_view api_key) {
  if (!service::LooksLikeApiKey(api_key)) return std::optional<User>();
  std::string hash = service::HashApiKey(api_key);
  const auto now = std::chrono::steady_clock::now();
  {
    std::shared_lock lock(mutex_);
    auto it = by_hash_.find(hash);
    if (it != by_hash_.end() && it->second.expires > now)
      return std::optional<User>(it->second.user);
  }
  SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, stores_.Acquire());
  Result<std::optional<User>> user = store->FindUserByKeyHash(hash);
  if (!user.ok()) {
    if (user.status().code() == Code::kUnavailable) store.Discard();
    return user.status();
  }
  std::unique_lock lock(mutex_);
  if (*user) {
    by_hash_[std::move(hash)] = Cached{**user, now + ttl_};
  } else {
    by_hash_.erase(hash);
  }
  return user;
}

int64_t RateLimiter::Take(int64_t user_id, std::chrono::steady_clock::time_point now) {
  if (per_second_ <= 0) return 0;
  std::lock_guard lock(mutex_);
  auto [it, fresh] = buckets_.try_emplace(user_id);
  Bucket& b = it->second;
  if (fresh) {
    b.tokens = burst_;
  } else {
    const double elapsed = std::chrono::duration<double>(now - b.refilled).count();
    b.tokens = std::min(burst_, b.tokens + std::max(elapsed, 0.0) * per_second_);
  }
  b.refilled = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil((1.0 - b.tokens) / per_second_)));
}

}  // namespace sphere::api
