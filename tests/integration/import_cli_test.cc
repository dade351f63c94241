// `sphere import` and `sphere stats` on the bundled real data, through the binary.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "testing/testing.h"

namespace sphere {
namespace {

using testing::RunSphere;
using testing::SourceDir;
using testing::TempDir;

TEST(SphereCli, EveryCommandHasHelp) {
  for (const char* command : {"import", "stats", "synth"}) {
    auto r = RunSphere({command, "--help"});
    EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.output;
    EXPECT_NE(r.output.find("Usage"), std::string::npos) << r.output;
  }
}

TEST(SphereCli, UnknownCommandIsAUsageErrorAndMissingPathAClearError) {
  EXPECT_EQ(RunSphere({"frobnicate"}).exit_code, 2);
  TempDir dir;
  auto r = RunSphere(
      {"--store", "sqlite:" + (dir.path() / "db").string(), "import", "/no/such/file.csv"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("sphere: error: NOT_FOUND: /no/such/file.csv"), std::string::npos)
      << r.output;
}

TEST(SphereCli, BundledDataLoadsAndReimportWritesNothing) {
  TempDir dir;
  std::string store = "sqlite:" + (dir.path() / "sphere.db").string();
  auto first = RunSphere({"--store", store, "import", (SourceDir() / "data").string()});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  // Every data file is recognised: no FAILED line, and one summary line per file.
  EXPECT_EQ(first.output.find("FAILED"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("0 files failed"), std::string::npos) << first.output;

  auto second = RunSphere({"--store", store, "import", (SourceDir() / "data").string()});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("written 0 creators, 0 posts, 0 snapshots"), std::string::npos)
      << second.output;

  auto stats = RunSphere({"--store", store, "stats", "--json"});
  ASSERT_EQ(stats.exit_code, 0) << stats.output;
  nlohmann::json j = nlohmann::json::parse(stats.output);
  // Kim: 29,975 posts less the few truly broken rows; every platform is present.
  EXPECT_GT(j["platforms"]["instagram"]["posts"].get<int64_t>(), 29'900);
  EXPECT_GT(j["platforms"]["instagram"]["creators"].get<int64_t>(), 33'000);
  EXPECT_EQ(j["platforms"]["tiktok"]["posts"].get<int64_t>(), 1'000);
  EXPECT_GE(j["platforms"]["youtube"]["snapshots"].get<int64_t>(), 115 * 128 - 1);
  EXPECT_GT(j["creators_by_niche"]["beauty"].get<int64_t>(), 0);
  EXPECT_GT(j["snapshots_by_source"].size(), 3u);
}

}  // namespace
}  // namespace sphere
