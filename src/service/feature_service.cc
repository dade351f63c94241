#include "service/feature_service.h"

namespace sphere::service {
namespace {

Result<features::PostFeatures> FeaturesOfStoredPost(const features::PostFeaturizer& featurizer,
                                                    const Creator& creator,
                                                    const std::vector<Post>& posts,
                                                    const std::vector<Snapshot>& snapshots,
                                                    const Post& post) {
  features::CreatorContext context{&creator, posts, snapshots};
  return featurizer.Extract(features::DraftFromPost(post), context, *post.posted_at);
}

}  // namespace

Result<int64_t> ForEachStoredPostFeatures(Store& store, const features::PostFeaturizer& featurizer,
                                          const StoredPostVisitor& visit) {
  // Creator ids first: a visitor may use the store, and the creator scan must not hold a
  // read cursor open across it.
  std::vector<int64_t> creator_ids;
  SPHERE_RETURN_IF_ERROR(store.ForEachCreator([&](const Creator& c) {
    creator_ids.push_back(c.id);
    return Status::Ok();
  }));
  int64_t undated = 0;
  for (int64_t id : creator_ids) {
    SPHERE_ASSIGN_OR_RETURN(std::vector<Post> posts, store.PostsOf(id));
    if (posts.empty()) continue;
    SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> creator, store.GetCreator(id));
    if (!creator) continue;  // deleted while we ran
    SPHERE_ASSIGN_OR_RETURN(std::vector<Snapshot> snapshots, store.SnapshotsOf(id));
    for (const Post& post : posts) {
      if (!post.posted_at) {
        ++undated;
        continue;
      }
      SPHERE_ASSIGN_OR_RETURN(features::PostFeatures f,
                              FeaturesOfStoredPost(featurizer, *creator, posts, snapshots, post));
      SPHERE_RETURN_IF_ERROR(visit(*creator, post, f));
    }
  }
  return undated;
}

Result<features::PostFeatures> StoredPostFeatures(Store& store,
                                                  const features::PostFeaturizer& featurizer,
                                                  Platform platform, std::string_view handle,
                                                  std::string_view post_id) {
  const std::string normalized = NormalizeHandle(handle);
  SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> creator, store.FindCreator(platform, normalized));
  if (!creator) {
    return NotFound("creator: no " + std::string(ToString(platform)) + " creator '" +
                    std::string(handle) + "' in the store");
  }
  SPHERE_ASSIGN_OR_RETURN(std::vector<Post> posts, store.PostsOf(creator->id));
  SPHERE_ASSIGN_OR_RETURN(std::vector<Snapshot> snapshots, store.SnapshotsOf(creator->id));
  for (const Post& post : posts) {
    if (post.external_id != post_id) continue;
    if (!post.posted_at) {
      return FailedPrecondition("post: " + std::string(post_id) +
                                " has no publication time, so it has no history before it");
    }
    return FeaturesOfStoredPost(featurizer, *creator, posts, snapshots, post);
  }
  return NotFound("post: no post '" + std::string(post_id) + "' by " + creator->handle);
}

Result<features::PostFeatures> DraftFeatures(Store* store,
                                             const features::PostFeaturizer& featurizer,
                                             const DraftRequest& request) {
  if (request.handle.empty()) {
    features::CreatorContext context{nullptr, {}, {}};
    return featurizer.Extract(request.draft, context, request.at);
  }
  if (store == nullptr || !request.platform) {
    return InvalidArgument("creator: a creator needs a platform and a store");
  }
  const std::string normalized = NormalizeHandle(request.handle);
  SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> creator,
                          store->FindCreator(*request.platform, normalized));
  if (!creator) {
    return NotFound("creator: no " + std::string(ToString(*request.platform)) + " creator '" +
                    request.handle + "' in the store");
  }
  SPHERE_ASSIGN_OR_RETURN(std::vector<Post> posts, store->PostsOf(creator->id));
  SPHERE_ASSIGN_OR_RETURN(std::vector<Snapshot> snapshots, store->SnapshotsOf(creator->id));
  features::CreatorContext context{&*creator, posts, snapshots};
  return featurizer.Extract(request.draft, context, request.at);
}

}  // namespace sphere::service
