// The creators a server scores drafts for, loaded once and kept (least recently used out):
// scoring a draft reads the creator's whole post and snapshot history, which is a store
// round trip of milliseconds; a cached creator costs a hash lookup. A write to a creator
// (ingestion) must Invalidate it.
//
// Thread-safe. Two threads missing the same creator at once may both load it; the second
// insert wins (same data).
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/domain.h"
#include "core/status.h"
#include "service/plep_service.h"
#include "service/store_pool.h"

namespace sphere::service {

class CreatorCache {
 public:
  explicit CreatorCache(size_t capacity) : capacity_(capacity) {}

  // The creator from the cache or the store; NotFound naming them when the store has none.
  Result<std::shared_ptr<const PlepCreator>> Get(StorePool& stores, Platform platform,
                                                 std::string_view handle);
  void Invalidate(Platform platform, std::string_view handle);
  void Clear();

  size_t size() const;
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  using Lru = std::list<std::string>;
  struct Slot {
    std::shared_ptr<const PlepCreator> creator;
    Lru::iterator position;
  };
  const size_t capacity_;
  mutable std::mutex mutex_;
  Lru order_;  // front: most recently used
  std::unordered_map<std::string, Slot> slots_;
  uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace sphere::service
