// One creator's profile and recent posts arriving through the API (the seed's POST
// /data-ingestion): written to the store like an import (creator, posts, a follower
// snapshot, the bio), with the raw payload kept so nothing the client sent is lost.
// Re-sending the same payload writes no new post or snapshot (posts are keyed by a hash of
// the caption, the snapshot by its time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "store/store.h"

namespace sphere::service {

struct ProfileIngestion {
  std::string username;  // as sent; normalised here
  Platform platform = Platform::kInstagram;
  std::optional<int64_t> follower_count;
  std::vector<std::string> recent_post_captions;
  // Likes of the post with the same index; shorter than the captions when some are unknown.
  std::vector<std::optional<int64_t>> recent_likes;
  std::string bio;
  std::string payload_json;  // the request body as received (a JSON object)
  int64_t user_id = 0;
  UnixSeconds received_at = 0;
};

struct IngestionResult {
  int64_t ingestion_id = 0;
  int64_t creator_id = 0;
  Platform platform = Platform::kInstagram;
  std::string handle;
  WriteCounts written;
};

// InvalidArgument naming the field ("username: ...", "recent_likes: ...") for what cannot be
// stored; the store's errors otherwise. The creator, posts and snapshot are one
// transaction; the bio and the payload record follow it (a failure there leaves the
// profile written, and a retry is harmless).
Result<IngestionResult> IngestProfile(Store& store, const ProfileIngestion& ingestion);

}  // namespace sphere::service
