// A slice of the real Kim et al. posts for tests that train: the creators whose split bucket
// (core/split.h) is `remainder` mod `modulus`, so every split (train, both validation parts,
// test) gets some. Written as canonical JSONL, which `sphere import` and predict-posts read.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "core/status.h"
#include "ingest/collecting_sink.h"

namespace sphere::testing {

struct KimSubset {
  std::filesystem::path file;          // the JSONL written
  ingest::CollectingSink records;      // what it holds, in file order
  std::map<std::string, int> posts_of;  // posts per creator handle
};

Result<KimSubset> WriteKimSubset(const std::filesystem::path& file, int modulus, int remainder);

// Writes creators then posts of `records` as canonical JSONL.
Status WriteJsonl(const std::filesystem::path& file, const ingest::CollectingSink& records);

}  // namespace sphere::testing
