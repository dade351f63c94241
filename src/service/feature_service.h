// Use case: the post feature vectors of stored posts (what training reads) and of a draft
// for a creator in the store (what serving and `sphere features` read). Both go through
// features::PostFeaturizer::Extract with the creator's history strictly before the post.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.h"
#include "features/post/post_features.h"
#include "store/store.h"

namespace sphere::service {

// A creator of the store with everything the features read about them.
struct LoadedCreator {
  Creator creator;
  std::vector<Post> posts;
  std::vector<Snapshot> snapshots;
};

// NotFound names the creator as the user typed them.
Result<LoadedCreator> LoadCreator(Store& store, Platform platform, std::string_view handle);

// The features of every stored post that has a publication time, creator by creator in
// id order, each post with its creator's posts and snapshots before its own time. Posts
// without a time have no "before" and are skipped (counted in the returned number).
// Stops at the first non-OK visitor status and returns it.
using StoredPostVisitor =
    std::function<Status(const Creator&, const Post&, const features::PostFeatures&)>;
Result<int64_t> ForEachStoredPostFeatures(Store& store, const features::PostFeaturizer& featurizer,
                                          const StoredPostVisitor& visit);

// The features of one stored post, exactly as ForEachStoredPostFeatures computes them.
// NotFound names the creator or the post id.
Result<features::PostFeatures> StoredPostFeatures(Store& store,
                                                  const features::PostFeaturizer& featurizer,
                                                  Platform platform, std::string_view handle,
                                                  std::string_view post_id);

// A draft's features. With a creator (platform + handle; NotFound when absent from the
// store) the history is theirs before `at`; without one the creator.* and history.*
// features are missing. The draft's posted_at, when set, must equal `at`.
struct DraftRequest {
  features::PostDraft draft;
  std::optional<Platform> platform;
  std::string handle;  // "" for no creator
  UnixSeconds at = 0;
};
Result<features::PostFeatures> DraftFeatures(Store* store,
                                             const features::PostFeaturizer& featurizer,
                                             const DraftRequest& request);

}  // namespace sphere::service
