#include "testing/kim_subset.h"

#include "core/split.h"
#include "ingest/canonical/canonical_writer.h"
#include "ingest/formats.h"
#include "testing/testing.h"

namespace sphere::testing {

Status WriteJsonl(const std::filesystem::path& file, const ingest::CollectingSink& records) {
  SPHERE_ASSIGN_OR_RETURN(auto writer, ingest::CanonicalJsonlWriter::Open(file));
  for (const Creator& c : records.creators) SPHERE_RETURN_IF_ERROR(writer->Accept(c));
  for (const Post& p : records.posts) SPHERE_RETURN_IF_ERROR(writer->Accept(p));
  for (const Snapshot& s : records.snapshots) SPHERE_RETURN_IF_ERROR(writer->Accept(s));
  return writer->Close();
}

Result<KimSubset> WriteKimSubset(const std::filesystem::path& file, int modulus, int remainder) {
  ingest::CollectingSink all;
  ingest::ImportReport report;
  SPHERE_RETURN_IF_ERROR(ingest::KimPostsFormat().run(DataFile("instagram/kim_posts.csv.gz"), all,
                                                      report));
  auto keep = [&](const std::string& handle) {
    return SplitBucket("instagram/" + handle) % modulus == remainder;
  };
  KimSubset subset;
  subset.file = file;
  for (const Creator& c : all.creators) {
    if (keep(c.handle)) subset.records.creators.push_back(c);
  }
  for (const Post& p : all.posts) {
    if (!keep(p.creator_handle)) continue;
    subset.records.posts.push_back(p);
    ++subset.posts_of[p.creator_handle];
  }
  SPHERE_RETURN_IF_ERROR(WriteJsonl(file, subset.records));
  return subset;
}

}  // namespace sphere::testing
