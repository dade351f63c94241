#include "service/creator_cache.h"

namespace sphere::service {

Result<std::shared_ptr<const PlepCreator>> CreatorCache::Get(StorePool& stores, Platform platform,
                                                             std::string_view handle) {
  std::string key = CreatorKeyText(platform, handle);
  {
    std::lock_guard lock(mutex_);
    auto it = slots_.find(key);
    if (it != slots_.end()) {
      ++hits_;
      order_.splice(order_.begin(), order_, it->second.position);
      return it->second.creator;
    }
    ++misses_;
  }
  SPHERE_ASSIGN_OR_RETURN(StorePool::Lease store, stores.Acquire());
  Result<PlepCreator> loaded = LoadPlepCreator(*store, platform, handle);
  if (!loaded.ok()) {
    if (loaded.status().code() == Code::kUnavailable) store.Discard();
    return loaded.status();
  }
  auto creator = std::make_shared<const PlepCreator>(std::move(loaded).value());
  if (capacity_ == 0) return creator;
  std::lock_guard lock(mutex_);
  auto it = slots_.find(key);
  if (it != slots_.end()) {
    it->second.creator = creator;
    order_.splice(order_.begin(), order_, it->second.position);
    return creator;
  }
  order_.push_front(key);
  slots_.emplace(std::move(key), Slot{creator, order_.begin()});
  while (slots_.size() > capacity_) {
    slots_.erase(order_.back());
    order_.pop_back();
  }
  return creator;
}

void CreatorCache::Invalidate(Platform platform, std::string_view handle) {
  std::lock_guard lock(mutex_);
  auto it = slots_.find(CreatorKeyText(platform, handle));
  if (it == slots_.end()) return;
  order_.erase(it->second.position);
  slots_.erase(it);
}

void CreatorCache::Clear() {
  std::lock_guard lock(mutex_);
  slots_.clear();
  order_.clear();
}

size_t CreatorCache::size() const {
  std::lock_guard lock(mutex_);
  return slots_.size();
}
uint64_t CreatorCache::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}
uint64_t CreatorCache::misses() const {
  std::lock_guard lock(mutex_);
  return misses_;
}

}  // namespace sphere::service
