#include "service/creator_directory.h"

#include <algorithm>
#include <mutex>

#include "core/niche.h"

namespace sphere::service {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// What the post and snapshot passes add up for one creator.
struct Activity {
  double engagement_sum = 0;
  int64_t scored_posts = 0;
  UnixSeconds latest_snapshot = -1;
  std::optional<double> snapshot_engagement;  // the latest snapshot's avg likes + comments
  std::optional<int64_t> snapshot_followers;
  UnixSeconds last_seen = 0;

  void AddPost(const Post& post) {
    if (post.likes) {
      engagement_sum += static_cast<double>(*post.likes + post.comments.value_or(0));
      ++scored_posts;
    }
    last_seen = std::max({last_seen, post.posted_at.value_or(0), post.observed_at.value_or(0)});
  }
  void AddSnapshot(const Snapshot& snapshot) {
    last_seen = std::max(last_seen, snapshot.taken_at);
    if (snapshot.taken_at < latest_snapshot) return;
    latest_snapshot = snapshot.taken_at;
    snapshot_followers = snapshot.followers;
    snapshot_engagement.reset();
    if (snapshot.avg_likes)
      snapshot_engagement = *snapshot.avg_likes + snapshot.avg_comments.value_or(0);
  }
};

DirectoryEntry EntryOf(const Creator& creator, const Activity& activity,
                       const std::optional<MarketValue>& value) {
  DirectoryEntry e;
  e.id = creator.id;
  e.platform = creator.platform;
  e.handle = creator.handle;
  e.display_name = creator.display_name;
  if (creator.niche) {
    if (std::optional<std::string_view> n = NicheOfCategory(*creator.niche))
      e.niche = std::string(*n);
  }
  e.followers = creator.followers ? creator.followers : activity.snapshot_followers;
  std::optional<double> per_post;
  if (activity.scored_posts > 0) {
    per_post = activity.engagement_sum / static_cast<double>(activity.scored_posts);
  } else {
    per_post = activity.snapshot_engagement;
  }
  if (per_post && e.followers && *e.followers > 0) {
    e.engagement_rate = *per_post / static_cast<double>(*e.followers);
  }
  e.last_updated = std::max(creator.stats_as_of, activity.last_seen);
  if (value) {
    e.market_score = value->score;
    if (!e.niche && !value->niche.empty()) e.niche = value->niche;
    e.last_updated = std::max(e.last_updated, value->computed_at);
  }
  return e;
}

bool SearchOrder(const DirectoryEntry& a, const DirectoryEntry& b) {
  const int64_t fa = a.followers.value_or(-1), fb = b.followers.value_or(-1);
  if (fa != fb) return fa > fb;
  return a.id < b.id;
}

bool Matches(const DirectoryEntry& e, const std::string& text, const DirectorySearch& s,
             const std::string& q_lower) {
  if (s.platform && e.platform != *s.platform) return false;
  if (s.min_followers && (!e.followers || *e.followers < *s.min_followers)) return false;
  if (s.min_engagement && (!e.engagement_rate || *e.engagement_rate < *s.min_engagement)) {
    return false;
  }
  if (s.niche) {
    const bool tagged =
        std::find(e.niche_tags.begin(), e.niche_tags.end(), *s.niche) != e.niche_tags.end();
    if (!tagged && e.niche != s.niche) return false;
  }
  return q_lower.empty() || text.find(q_lower) != std::string::npos;
}

}  // namespace

Result<CreatorDirectory::Index> CreatorDirectory::Load(Store& store) {
  std::vector<Creator> creators;
  std::unordered_map<std::string, size_t> position;
  SPHERE_RETURN_IF_ERROR(store.ForEachCreator([&](const Creator& c) {
    position.emplace(CreatorKeyText(c.platform, c.handle), creators.size());
    creators.push_back(c);
    return Status::Ok();
  }));
  std::vector<Activity> activity(creators.size());
  SPHERE_RETURN_IF_ERROR(store.ForEachPost([&](const Post& p) {
    auto it = position.find(CreatorKeyText(p.platform, p.creator_handle));
    if (it != position.end()) activity[it->second].AddPost(p);
    return Status::Ok();
  }));
  SPHERE_RETURN_IF_ERROR(store.ForEachSnapshot([&](const Snapshot& s) {
    auto it = position.find(CreatorKeyText(s.platform, s.creator_handle));
    if (it != position.end()) activity[it->second].AddSnapshot(s);
    return Status::Ok();
  }));
  std::unordered_map<int64_t, MarketValue> values;
  SPHERE_RETURN_IF_ERROR(store.ForEachLatestMarketValue(
      [&](const MarketValue& v) {
        values.emplace(v.creator_id, v);
        return Status::Ok();
      },
      Store::EvidenceColumn::kSkip));
  std::unordered_map<int64_t, std::vector<std::string>> tags;
  SPHERE_RETURN_IF_ERROR(store.ForEachCreatorNote([&](const CreatorNote& note) {
    if (!note.niche_tags.empty()) tags.emplace(note.creator_id, note.niche_tags);
    return Status::Ok();
  }));
  Index index;
  index.entries.reserve(creators.size());
  for (size_t i = 0; i < creators.size(); ++i) {
    auto v = values.find(creators[i].id);
    index.entries.push_back(
        EntryOf(creators[i], activity[i],
                v == values.end() ? std::nullopt : std::optional<MarketValue>(v->second)));
    if (auto t = tags.find(creators[i].id); t != tags.end()) {
      index.entries.back().niche_tags = std::move(t->second);
    }
  }
  Reindex(index);
  return index;
}

void CreatorDirectory::Reindex(Index& index) {
  std::sort(index.entries.begin(), index.entries.end(), SearchOrder);
  index.by_id.clear();
  index.by_key.clear();
  index.search_text.clear();
  index.by_id.reserve(index.entries.size());
  index.by_key.reserve(index.entries.size());
  index.search_text.reserve(index.entries.size());
  for (size_t i = 0; i < index.entries.size(); ++i) {
    const DirectoryEntry& e = index.entries[i];
    index.by_id.emplace(e.id, i);
    index.by_key.emplace(CreatorKeyText(e.platform, e.handle), i);
    index.search_text.push_back(Lower(e.handle) + "\n" + Lower(e.display_name));
  }
}

Result<std::unique_ptr<CreatorDirectory>> CreatorDirectory::Build(Store& store) {
  std::unique_ptr<CreatorDirectory> directory(new CreatorDirectory());
  SPHERE_ASSIGN_OR_RETURN(directory->index_, Load(store));
  return directory;
}

Status CreatorDirectory::Rebuild(Store& store) {
  SPHERE_ASSIGN_OR_RETURN(Index fresh, Load(store));
  std::unique_lock lock(mutex_);
  index_ = std::move(fresh);
  return Status::Ok();
}

std::optional<DirectoryEntry> CreatorDirectory::Find(int64_t creator_id) const {
  std::shared_lock lock(mutex_);
  auto it = index_.by_id.find(creator_id);
  if (it == index_.by_id.end()) return std::nullopt;
  return index_.entries[it->second];
}

std::optional<DirectoryEntry> CreatorDirectory::Find(Platform platform,
                                                     std::string_view handle) const {
  std::shared_lock lock(mutex_);
  auto it = index_.by_key.find(CreatorKeyText(platform, handle));
  if (it == index_.by_key.end()) return std::nullopt;
  return index_.entries[it->second];
}

int64_t CreatorDirectory::size() const {
  std::shared_lock lock(mutex_);
  return static_cast<int64_t>(index_.entries.size());
}

DirectoryPage CreatorDirectory::Search(const DirectorySearch& search) const {
  const std::string q = Lower(search.q);
  const int64_t limit = std::max<int64_t>(search.limit, 0);
  const int64_t skip = (std::max<int64_t>(search.page, 1) - 1) * limit;
  DirectoryPage page;
  std::shared_lock lock(mutex_);
  for (size_t i = 0; i < index_.entries.size(); ++i) {
    if (!Matches(index_.entries[i], index_.search_text[i], search, q)) continue;
    if (page.count >= skip && page.count < skip + limit) page.results.push_back(index_.entries[i]);
    ++page.count;
  }
  return page;
}

void CreatorDirectory::SetNicheTags(int64_t creator_id, std::vector<std::string> tags) {
  std::unique_lock lock(mutex_);
  auto it = index_.by_id.find(creator_id);
  if (it != index_.by_id.end()) index_.entries[it->second].niche_tags = std::move(tags);
}

Status CreatorDirectory::Refresh(Store& store, int64_t creator_id) {
  SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> creator, store.GetCreator(creator_id));
  if (!creator) return NotFound("creator " + std::to_string(creator_id) + " is not in the store");
  Activity activity;
  SPHERE_ASSIGN_OR_RETURN(std::vector<Post> posts, store.PostsOf(creator_id));
  for (const Post& p : posts) activity.AddPost(p);
  SPHERE_ASSIGN_OR_RETURN(std::vector<Snapshot> snapshots, store.SnapshotsOf(creator_id));
  for (const Snapshot& s : snapshots) activity.AddSnapshot(s);
  SPHERE_ASSIGN_OR_RETURN(std::vector<MarketValue> values, store.MarketValuesOf(creator_id));
  std::optional<MarketValue> latest;
  for (const MarketValue& v : values) {
    if (!latest || v.computed_at > latest->computed_at ||
        (v.computed_at == latest->computed_at && v.id > latest->id)) {
      latest = v;
    }
  }
  DirectoryEntry entry = EntryOf(*creator, activity, latest);
  SPHERE_ASSIGN_OR_RETURN(std::optional<CreatorNote> note, store.CreatorNoteOf(creator_id));
  if (note) entry.niche_tags = note->niche_tags;

  // In place, not a Reindex: moving one entry shifts only the entries between its old and new
  // places, so only their positions are rewritten (a full re-sort and re-hash of 40k creators
  // was most of an ingestion request's time, docs/alerts.md).
  std::string search_text = Lower(entry.handle) + "\n" + Lower(entry.display_name);
  std::unique_lock lock(mutex_);
  Index& index = index_;
  auto it = index.by_id.find(creator_id);
  const bool known = it != index.by_id.end();
  const size_t old_at = known ? it->second : 0;
  if (known) {
    index.entries.erase(index.entries.begin() + static_cast<std::ptrdiff_t>(old_at));
    index.search_text.erase(index.search_text.begin() + static_cast<std::ptrdiff_t>(old_at));
  }
  const size_t new_at = static_cast<size_t>(
      std::lower_bound(index.entries.begin(), index.entries.end(), entry, SearchOrder) -
      index.entries.begin());
  index.entries.insert(index.entries.begin() + static_cast<std::ptrdiff_t>(new_at),
                       std::move(entry));
  index.search_text.insert(index.search_text.begin() + static_cast<std::ptrdiff_t>(new_at),
                           std::move(search_text));
  const size_t first = known ? std::min(old_at, new_at) : new_at;
  const size_t last = known ? std::max(old_at, new_at) : index.entries.size() - 1;
  for (size_t k = first; k <= last; ++k) {
    const DirectoryEntry& e = index.entries[k];
    index.by_id[e.id] = k;
    index.by_key[CreatorKeyText(e.platform, e.handle)] = k;
  }
  return Status::Ok();
}

}  // namespace sphere::service
