// Every bundled data file is recognised by the format written for it and every one of
// its rows is accounted for: loaded or rejected with a reason, none silently lost.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ingest/collecting_sink.h"
#include "ingest/importer.h"
#include "ingest/text_input.h"
#include "testing/testing.h"

namespace sphere::ingest {
namespace {

struct Expected {
  std::string_view format;
  // Records after the header, counted independently (Python's csv module / json), so a
  // row an importer skips without a word shows up as a difference.
  int64_t data_rows;
};

// Paths relative to data/.
const std::map<std::string, Expected>& ExpectedFiles() {
  static const std::map<std::string, Expected> kFiles = {
      {"instagram/kim_posts.csv.gz", {"kim_posts", 29'975}},
      {"instagram/kim_influencers.txt", {"kim_influencers", 33'935}},
      {"instagram/top200_insta_influencers.csv", {"top200_instagram", 200}},
      {"instagram/instagram_reach.csv", {"instagram_reach", 100}},
      {"multi/smi2022/instagram_2022-03_juancos.csv", {"smi2022", 1'000}},
      {"multi/smi2022/instagram_2022-03_original.csv", {"smi2022", 1'000}},
      {"multi/smi2022/instagram_2022-06.csv", {"smi2022", 1'022}},
      {"multi/smi2022/instagram_2022-09.csv", {"smi2022", 1'050}},
      {"multi/smi2022/instagram_2022-11.csv", {"smi2022", 1'000}},
      {"multi/smi2022/tiktok_2022-03.csv", {"smi2022", 1'000}},
      {"multi/smi2022/tiktok_2022-06.csv", {"smi2022", 1'007}},
      {"multi/smi2022/tiktok_2022-09.csv", {"smi2022", 1'000}},
      {"multi/smi2022/tiktok_2022-11.csv", {"smi2022", 1'001}},
      {"multi/smi2022/youtube_2022-03.csv", {"smi2022", 1'000}},
      {"multi/smi2022/youtube_2022-06.csv", {"smi2022", 1'021}},
      {"multi/smi2022/youtube_2022-09.csv", {"smi2022", 1'047}},
      {"multi/smi2022/youtube_2022-11.csv", {"smi2022", 1'000}},
      {"youtube/socialblade_weekly.csv", {"socialblade_weekly", 14'720}},
      {"youtube/socialblade_channels.csv", {"socialblade_channels", 121}},
      {"youtube/global_youtube_statistics_2023.csv", {"global_youtube_2023", 995}},
      {"tiktok/trending_1000.json", {"tiktok_trending", 1'000}},
  };
  return kFiles;
}

TEST(BundledData, EveryFileUnderDataIsListedHere) {
  const std::filesystem::path root = testing::DataFile("");
  std::set<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().extension() == ".md") continue;
    found.insert(std::filesystem::relative(entry.path(), root).generic_string());
  }
  std::set<std::string> listed;
  for (const auto& [path, expected] : ExpectedFiles()) listed.insert(path);
  EXPECT_EQ(found, listed) << "a data file was added or removed: list it in ExpectedFiles()";
}

class BundledFile : public ::testing::TestWithParam<std::string> {};

TEST_P(BundledFile, IsDetectedAndEveryRowIsAccountedFor) {
  const std::string& relative = GetParam();
  const Expected& expected = ExpectedFiles().at(relative);
  const std::filesystem::path path = testing::DataFile(relative);

  Result<const Format*> format = DetectFormat(path);
  ASSERT_TRUE(format.ok()) << format.status().ToString();
  ASSERT_EQ((*format)->name, expected.format) << relative;
  // No other format claims the file either, whatever the detection order.
  Result<std::unique_ptr<LineReader>> lines = LineReader::Open(path);
  ASSERT_TRUE(lines.ok()) << lines.status().ToString();
  std::string_view first_line;
  ASSERT_TRUE((*lines)->Next(first_line).ok());
  for (const Format& other : Formats()) {
    EXPECT_EQ(other.matches(path, first_line), other.name == expected.format) << other.name;
  }

  CollectingSink sink;
  ImportReport report(path.string(), std::string((*format)->name));
  Status status = (*format)->run(path, sink, report);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(report.rows_loaded() + report.rows_rejected(), expected.data_rows)
      << "loaded " << report.rows_loaded() << ", rejected " << report.rows_rejected();
  EXPECT_GT(report.rows_loaded(), 0);
  for (const RowIssue& issue : report.rejected()) {
    EXPECT_FALSE(issue.reason.empty()) << report.Describe(issue);
    EXPECT_GT(issue.line, 0) << report.Describe(issue);
  }
  for (const RowIssue& issue : report.repaired()) {
    EXPECT_FALSE(issue.reason.empty()) << report.Describe(issue);
  }
  EXPECT_EQ(report.creators(), static_cast<int64_t>(sink.creators.size()));
  EXPECT_EQ(report.posts(), static_cast<int64_t>(sink.posts.size()));
  EXPECT_EQ(report.snapshots(), static_cast<int64_t>(sink.snapshots.size()));
  for (const Creator& c : sink.creators) {
    EXPECT_FALSE(c.handle.empty());
    EXPECT_FALSE(c.source.empty()) << c.handle;
  }
  for (const Post& p : sink.posts) EXPECT_FALSE(p.source.empty()) << p.external_id;
  for (const Snapshot& s : sink.snapshots) EXPECT_FALSE(s.source.empty()) << s.creator_handle;
}

std::vector<std::string> ListedFiles() {
  std::vector<std::string> out;
  for (const auto& [path, expected] : ExpectedFiles()) out.push_back(path);
  return out;
}

INSTANTIATE_TEST_SUITE_P(BundledData, BundledFile, ::testing::ValuesIn(ListedFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name;
                           for (char c : info.param) {
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace sphere::ingest
