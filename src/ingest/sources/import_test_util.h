// Test helpers shared by the importer tests in this folder: run a Format on a file and
// keep everything it produced. Test-only; not part of sphere_ingest.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "ingest/collecting_sink.h"
#include "ingest/importer.h"

namespace sphere::ingest {

// What one run of an importer produced. `Sink` is CollectingSink or a test's subclass of it.
template <typename Sink = CollectingSink>
struct ImportRun {
  Status status;
  ImportReport report;
  Sink sink;
};

// Runs `format` on `path` into a fresh sink and report (named after the path and format).
template <typename Sink = CollectingSink>
ImportRun<Sink> RunFormat(const Format& format, const std::filesystem::path& path) {
  ImportRun<Sink> run;
  run.report = ImportReport(path.string(), std::string(format.name));
  run.status = format.run(path, run.sink, run.report);
  return run;
}

// Row issues as (line, reason) pairs, so a whole list compares in one EXPECT_EQ.
using IssueList = std::vector<std::pair<int64_t, std::string>>;
inline IssueList Issues(const std::vector<RowIssue>& issues) {
  IssueList out;
  for (const RowIssue& issue : issues) out.emplace_back(issue.line, issue.reason);
  return out;
}

}  // namespace sphere::ingest
