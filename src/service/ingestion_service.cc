#include "service/ingestion_service.h"

#include <sodium.h>

#include <array>

namespace sphere::service {
namespace {

// A stable post id for a caption without a platform id: the same caption of the same
// creator is the same post on every re-send.
std::string PostIdOf(Platform platform, const std::string& handle, const std::string& caption) {
  std::string input(ToString(platform));
  input += '\n';
  input += handle;
  input += '\n';
  input += caption;
  std::array<unsigned char, 16> digest{};
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(input.data()), input.size(), nullptr,
                     0);
  std::string hex(digest.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  hex.pop_back();
  return "api-" + hex;
}

}  // namespace

Result<IngestionResult> IngestProfile(Store& store, const ProfileIngestion& in) {
  const std::string handle = NormalizeHandle(in.username);
  if (handle.empty()) {
    return InvalidArgument("username: '" + in.username + "' is not a handle");
  }
  if (in.recent_likes.size() > in.recent_post_captions.size()) {
    return InvalidArgument("recent_likes: " + std::to_string(in.recent_likes.size()) +
                           " likes for " + std::to_string(in.recent_post_captions.size()) +
                           " captions (likes pair with captions by position)");
  }
  ImportBatch batch;
  Creator creator;
  creator.platform = in.platform;
  creator.handle = handle;
  creator.followers = in.follower_count;
  creator.stats_as_of = in.received_at;
  creator.source = "api";
  batch.creators.push_back(creator);
  for (size_t i = 0; i < in.recent_post_captions.size(); ++i) {
    Post post;
    post.platform = in.platform;
    post.creator_handle = handle;
    post.external_id = PostIdOf(in.platform, handle, in.recent_post_captions[i]);
    post.caption = in.recent_post_captions[i];
    if (i < in.recent_likes.size()) post.likes = in.recent_likes[i];
    if (post.likes) post.observed_at = in.received_at;
    post.source = "api";
    batch.posts.push_back(std::move(post));
  }
  if (in.follower_count) {
    Snapshot snapshot;
    snapshot.platform = in.platform;
    snapshot.creator_handle = handle;
    snapshot.taken_at = in.received_at;
    snapshot.source = "api";
    snapshot.followers = in.follower_count;
    batch.snapshots.push_back(snapshot);
  }
  IngestionResult result;
  result.platform = in.platform;
  result.handle = handle;
  SPHERE_ASSIGN_OR_RETURN(result.written, store.WriteBatch(batch));
  SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> stored, store.FindCreator(in.platform, handle));
  if (!stored) return Internal("creator " + handle + " was written but cannot be read back");
  result.creator_id = stored->id;

  if (!in.bio.empty()) {
    SPHERE_ASSIGN_OR_RETURN(std::optional<CreatorNote> note, store.CreatorNoteOf(stored->id));
    CreatorNote updated = note.value_or(CreatorNote{});
    updated.creator_id = stored->id;
    updated.bio = in.bio;
    updated.updated_by_user_id = in.user_id;
    updated.updated_at = in.received_at;
    SPHERE_RETURN_IF_ERROR(store.PutCreatorNote(updated));
  }
  Ingestion record;
  record.user_id = in.user_id;
  record.creator_id = stored->id;
  record.payload_json = in.payload_json;
  record.received_at = in.received_at;
  SPHERE_ASSIGN_OR_RETURN(Ingestion recorded, store.RecordIngestion(record));
  result.ingestion_id = recorded.id;
  return result;
}

}  // namespace sphere::service
