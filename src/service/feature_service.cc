#include "service/feature_service.h"

namespace sphere::service {
namespace {

Result<LoadedCreator> LoadCreator(Store& store, Creator creator) {
  LoadedCreator loaded{std::move(creator), {}, {}};
  SPHERE_ASSIGN_OR_RETURN(loaded.posts, store.PostsOf(loaded.creator.id));
  SPHERE_ASSIGN_OR_RETURN(loaded.snapshots, store.SnapshotsOf(loaded.creator.id));
  return loaded;
}

}  // namespace

Result<LoadedCreator> LoadCreator(Store& store, Platform platform, std::string_view handle) {
  SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> creator,
                          store.FindCreator(platform, NormalizeHandle(handle)));
  if (!creator) {
    return NotFound("creator: no " + std::string(ToString(platform)) + " creator '" +
                    std::string(handle) + "' in the store");
  }
  return LoadCreator(store, std::move(*creator));
}

namespace {

Result<features::PostFeatures> FeaturesOfStoredPost(const features::PostFeaturizer& featurizer,
                                                    const LoadedCreator& loaded, const Post& post) {
  features::CreatorContext context{&loaded.creator, loaded.posts, loaded.snapshots};
  return featurizer.Extract(features::DraftFromPost(post), context, *post.posted_at);
}

}  // namespace

Result<int64_t> ForEachStoredPostFeatures(Store& store, const features::PostFeaturizer& featurizer,
                                          const StoredPostVisitor& visit) {
  // Creators first: a visitor may use the store, and the creator scan must not hold a read
  // cursor open across it.
  std::vector<Creator> creators;
  SPHERE_RETURN_IF_ERROR(store.ForEachCreator([&](const Creator& c) {
    creators.push_back(c);
    return Status::Ok();
  }));
  int64_t undated = 0;
  for (Creator& creator : creators) {
    LoadedCreator loaded{std::move(creator), {}, {}};
    SPHERE_ASSIGN_OR_RETURN(loaded.posts, store.PostsOf(loaded.creator.id));
    if (loaded.posts.empty()) continue;  // most creators: no snapshot read for them
    SPHERE_ASSIGN_OR_RETURN(loaded.snapshots, store.SnapshotsOf(loaded.creator.id));
    for (const Post& post : loaded.posts) {
      if (!post.posted_at) {
        ++undated;
        continue;
      }
      SPHERE_ASSIGN_OR_RETURN(features::PostFeatures f,
                              FeaturesOfStoredPost(featurizer, loaded, post));
      SPHERE_RETURN_IF_ERROR(visit(loaded.creator, post, f));
    }
  }
  return undated;
}

Result<features::PostFeatures> StoredPostFeatures(Store& store,
                                                  const features::PostFeaturizer& featurizer,
                                                  Platform platform, std::string_view handle,
                                                  std::string_view post_id) {
  SPHERE_ASSIGN_OR_RETURN(LoadedCreator loaded, LoadCreator(store, platform, handle));
  for (const Post& post : loaded.posts) {
    if (post.external_id != post_id) continue;
    if (!post.posted_at) {
      return FailedPrecondition("post: " + std::string(post_id) +
                                " has no publication time, so it has no history before it");
    }
    return FeaturesOfStoredPost(featurizer, loaded, post);
  }
  return NotFound("post: no post '" + std::string(post_id) + "' by " + loaded.creator.handle);
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
  SPHERE_ASSIGN_OR_RETURN(LoadedCreator loaded,
                          LoadCreator(*store, *request.platform, request.handle));
  features::CreatorContext context{&loaded.creator, loaded.posts, loaded.snapshots};
  return featurizer.Extract(request.draft, context, request.at);
}

}  // namespace sphere::service
