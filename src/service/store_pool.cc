#include "service/store_pool.h"

namespace sphere::service {

Result<std::unique_ptr<StorePool>> StorePool::Open(std::string url) {
  std::unique_ptr<StorePool> pool(new StorePool(std::move(url)));
  SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<Store> first, OpenStore(pool->url_));
  pool->idle_.push_back(std::move(first));
  pool->open_ = 1;
  return pool;
}

StorePool::Lease::~Lease() {
  if (store_) pool_->Return(std::move(store_), discard_);
}

Result<StorePool::Lease> StorePool::Acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<Store> store = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(store));
    }
  }
  // Opened outside the lock: a PostgreSQL connect takes milliseconds.
  SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(url_));
  std::lock_guard lock(mutex_);
  ++open_;
  return Lease(this, std::move(store));
}

void StorePool::Return(std::unique_ptr<Store> store, bool discard) {
  std::lock_guard lock(mutex_);
  if (discard) {
    --open_;
    return;  // `store` closes here, under the lock: rare, and keeps open_ exact
  }
  idle_.push_back(std::move(store));
}

int StorePool::open_count() const {
  std::lock_guard lock(mutex_);
  return open_;
}

}  // namespace sphere::service
