// Stores for a multi-threaded server. A Store is used by one thread at a time (store.h), so a
// server keeps several open on the same URL and lends one per request.
//
// Thread-safe. A lease returns its store on destruction; a store whose call failed with
// kUnavailable is dropped instead (the connection may be broken) and the next Acquire opens
// a fresh one.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace sphere::service {

class StorePool {
 public:
  // Opens one store now, so a bad URL or an unreachable server fails at start.
  static Result<std::unique_ptr<StorePool>> Open(std::string url);

  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_), store_(std::move(other.store_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Store& operator*() const { return *store_; }
    Store* operator->() const { return store_.get(); }
    // Call after a kUnavailable error: the store is closed instead of going back.
    void Discard() { discard_ = true; }

   private:
    friend class StorePool;
    Lease(StorePool* pool, std::unique_ptr<Store> store) : pool_(pool), store_(std::move(store)) {}
    StorePool* pool_;
    std::unique_ptr<Store> store_;
    bool discard_ = false;
  };

  // An idle store, or a newly opened one when all are lent (never blocks on other leases).
  Result<Lease> Acquire();

  const std::string& url() const { return url_; }
  int open_count() const;  // stores opened and not discarded (idle + lent)

 private:
  explicit StorePool(std::string url) : url_(std::move(url)) {}
  void Return(std::unique_ptr<Store> store, bool discard);

  const std::string url_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Store>> idle_;
  int open_ = 0;
};

}  // namespace sphere::service
