// What the server knows about every creator without asking the store: the profile fields the
// seed's /influencers and /search/influencers return, the engagement rate and the latest
// Market Value score. Built once at start (one pass over creators, posts, snapshots and the
// latest values) and refreshed per creator when this server writes one. Another replica's
// writes appear after a Rebuild (admin reload).
//
// Thread-safe: lookups and searches share a lock; Refresh and Rebuild take it alone.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "store/store.h"

namespace sphere::service {

struct DirectoryEntry {
  int64_t id = 0;
  Platform platform = Platform::kInstagram;
  std::string handle;
  std::string display_name;
  // The taxonomy niche: the creator's own category mapped, else the one their latest value
  // was computed with (the inferred niche); nullopt when neither.
  std::optional<std::string> niche;
  std::vector<std::string> niche_tags;  // set through PUT /influencers/{id}; empty when none
  std::optional<int64_t> followers;
  // Mean (likes + comments) per post over the creator's posts with counts, divided by
  // followers; else the latest snapshot's average likes + comments over followers.
  std::optional<double> engagement_rate;
  std::optional<double> market_score;  // 0-100, the latest stored Market Value's score
  UnixSeconds last_updated = 0;        // the newest of the profile, a post, a snapshot, a value
};

struct DirectorySearch {
  std::string q;  // case-insensitive substring of handle or display name; "" matches all
  std::optional<std::string> niche;  // the niche or one of the tags
  std::optional<Platform> platform;
  std::optional<double> min_engagement;  // a fraction: 0.03 is 3%
  std::optional<int64_t> min_followers;
  int64_t page = 1;  // 1-based
  int64_t limit = 20;
};

struct DirectoryPage {
  int64_t count = 0;                    // every match, not only this page's
  std::vector<DirectoryEntry> results;  // by followers (unknown last), then id
};

class CreatorDirectory {
 public:
  static Result<std::unique_ptr<CreatorDirectory>> Build(Store& store);

  std::optional<DirectoryEntry> Find(int64_t creator_id) const;
  std::optional<DirectoryEntry> Find(Platform platform, std::string_view handle) const;
  DirectoryPage Search(const DirectorySearch& search) const;
  int64_t size() const;

  // Re-reads one creator (profile, posts, snapshots, latest value, note) after a write.
  Status Refresh(Store& store, int64_t creator_id);
  // Replaces one creator's tags (after PUT /influencers/{id}); no-op for an unknown id.
  void SetNicheTags(int64_t creator_id, std::vector<std::string> tags);
  // Rebuilds everything from the store (another replica's writes, a new `sphere value` run).
  Status Rebuild(Store& store);

 private:
  CreatorDirectory() = default;
  struct Index {
    std::vector<DirectoryEntry> entries;  // by followers desc, then id: Search's order
    std::unordered_map<int64_t, size_t> by_id;
    std::unordered_map<std::string, size_t> by_key;  // "platform/handle"
    std::vector<std::string> search_text;            // lower-case "handle\ndisplay name"
  };
  static Result<Index> Load(Store& store);
  static void Reindex(Index& index);

  mutable std::shared_mutex mutex_;
  Index index_;
};

}  // namespace sphere::service
