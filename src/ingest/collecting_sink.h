// A RecordSink that keeps everything in memory: for tests, benchmarks and tools that
// inspect what an importer produced without a store.
#pragma once

#include <vector>

#include "ingest/importer.h"

namespace sphere::ingest {

class CollectingSink : public RecordSink {
 public:
  Status Accept(Creator creator) override {
    creators.push_back(std::move(creator));
    return Status::Ok();
  }
  Status Accept(Post post) override {
    posts.push_back(std::move(post));
    return Status::Ok();
  }
  Status Accept(Snapshot snapshot) override {
    snapshots.push_back(std::move(snapshot));
    return Status::Ok();
  }

  std::vector<Creator> creators;
  std::vector<Post> posts;
  std::vector<Snapshot> snapshots;
};

}  // namespace sphere::ingest
