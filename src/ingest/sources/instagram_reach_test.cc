#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/time.h"
#include "ingest/formats.h"
#include "ingest/sources/import_test_util.h"
#include "testing/testing.h"

namespace sphere::ingest {
namespace {

const std::string kHeader = "S.No,USERNAME,Caption,Followers,Hashtags,Time since posted,Likes\r\n";

ImportRun<> Import(const std::filesystem::path& path) {
  return RunFormat(InstagramReachFormat(), path);
}

TEST(InstagramReach, LoadsCreatorsOnceAndEveryPost) {
  testing::TempDir dir;
  auto run = Import(dir.Write(
      "reach.csv",
      kHeader +
          "1,MikeQ,\"Who are #DataScientist?\nRead more\",1600,#DataScientist #AI,11 hours,139\r\n"
          "2,other,,880,#deck #mac,1 hour,23\r\n"
          "1,mikeq,Later post,4496,,30 minutes,11\r\n"));
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 3);
  EXPECT_EQ(run.report.rows_rejected(), 0);
  EXPECT_EQ(run.report.creators(), 2);
  EXPECT_EQ(run.report.posts(), 3);
  ASSERT_EQ(run.sink.creators.size(), 2u);
  ASSERT_EQ(run.sink.posts.size(), 3u);

  const Creator& c = run.sink.creators[0];
  EXPECT_EQ(c.handle, "mikeq");
  EXPECT_EQ(c.followers, 1600);  // the first row's count
  EXPECT_EQ(FormatIsoDate(c.stats_as_of), "2018-06-15");
  EXPECT_EQ(c.source, "instagram_reach");

  const Post& p = run.sink.posts[0];
  EXPECT_EQ(p.creator_handle, "mikeq");
  EXPECT_TRUE(p.external_id.starts_with("reach-")) << p.external_id;
  EXPECT_EQ(p.external_id.size(), 6u + 16u);
  EXPECT_EQ(p.caption, "Who are #DataScientist?\nRead more");
  EXPECT_EQ(p.likes, 139);
  EXPECT_EQ(p.comments, std::nullopt);
  EXPECT_EQ(p.posted_at, std::nullopt);
  EXPECT_EQ(p.observed_at, std::nullopt);
  EXPECT_EQ(p.source, "instagram_reach");
  EXPECT_EQ(nlohmann::json::parse(p.extra_json), nlohmann::json::parse(R"({
      "hashtags": "#DataScientist #AI", "time_since_posted_s": 39600, "followers": 1600,
      "s_no": 1})"));
  EXPECT_EQ(nlohmann::json::parse(run.sink.posts[1].extra_json)["time_since_posted_s"], 3600);
  nlohmann::json later = nlohmann::json::parse(run.sink.posts[2].extra_json);
  EXPECT_EQ(later["time_since_posted_s"], 1800);
  EXPECT_EQ(later["followers"], 4496);  // each post keeps the count read with it
  // S.No repeats in the real file, so it cannot be the id.
  EXPECT_NE(run.sink.posts[0].external_id, run.sink.posts[2].external_id);
}

TEST(InstagramReach, PostIdsDependOnThePostNotOnItsRow) {
  testing::TempDir dir;
  const std::string a = "7,anna,Hello,10,#x,2 hours,5\r\n";
  const std::string b = "8,bob,Hi,10,#y,3 hours,6\r\n";
  auto first = Import(dir.Write("one.csv", kHeader + a + b));
  auto second = Import(dir.Write("two.csv", kHeader + "\r\n" + b + "99" + a.substr(1)));
  ASSERT_EQ(first.sink.posts.size(), 2u);
  ASSERT_EQ(second.sink.posts.size(), 2u);
  EXPECT_EQ(first.sink.posts[0].external_id, second.sink.posts[1].external_id);
  EXPECT_EQ(first.sink.posts[1].external_id, second.sink.posts[0].external_id);
  EXPECT_NE(first.sink.posts[0].external_id, first.sink.posts[1].external_id);
}

TEST(InstagramReach, RejectsBrokenRowsWithLineAndField) {
  testing::TempDir dir;
  auto run = Import(
      dir.Write("reach.csv", kHeader + "1,anna,Hello,10,#x,2 hours,5\r\n"                  // 2
                                       "2,anna,Hello,12,#x,5 hours,9\r\n"                  // 3
                                       "3,bob,Hi,10,#y,soon,5\r\n"                         // 4
                                       "4,bob,Hi,10,#y,2 hours,\r\n"                       // 5
                                       "5,bob,Hi,10,#y,2 hours,many\r\n"                   // 6
                                       "6,,Hi,10,#y,2 hours,1\r\n"                         // 7
                                       "7,bob,Hi,ten,#y,2 hours,1\r\n"                     // 8
                                       "8,bob,Hi,10,#y,2.5 hours,1\r\n"                    // 9
                                       "9,bob,Hi,10,#y\r\n"                                // 10
                                       "10,carl,Hey,10,#z,,1\r\n"                          // 11
                                       "11,dan,Yo,10,#z,99999999999999999 weeks,1\r\n"));  // 12
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 2);
  EXPECT_EQ(Issues(run.report.rejected()),
            (IssueList{
                {3, "the same post (USERNAME, Caption and Hashtags) is at line 2"},
                {4, "Time since posted: 'soon' is not a duration like '2 hours'"},
                {5, "Likes: missing"},
                {6, "Likes: 'many' is not an integer"},
                {7, "USERNAME: missing"},
                {8, "Followers: 'ten' is not an integer"},
                {9, "Time since posted: '2.5 hours' is not a duration like '2 hours'"},
                {10, "row has 5 fields; the header has 7"},
                {12,
                 "Time since posted: '99999999999999999 weeks' is not a duration like '2 "
                 "hours'"},
            }));
  // An unknown age is left out rather than guessed.
  ASSERT_EQ(run.sink.posts.size(), 2u);
  EXPECT_FALSE(nlohmann::json::parse(run.sink.posts[1].extra_json).contains("time_since_posted_s"));
}

TEST(InstagramReach, MissingColumnFailsTheWholeFile) {
  testing::TempDir dir;
  auto path = dir.Write("reach.csv", "S.No,USERNAME,Caption,Followers,Hashtags,Likes\r\n");
  auto run = Import(path);
  EXPECT_EQ(run.status.code(), Code::kInvalidArgument);
  EXPECT_EQ(run.status.message(), path.string() + ":1: missing column Time since posted");
}

TEST(InstagramReachBundledData, LoadsAllHundredPosts) {
  auto path = testing::DataFile("instagram/instagram_reach.csv");
  auto run = Import(path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 100);
  EXPECT_EQ(run.report.rows_rejected(), 0);
  EXPECT_EQ(run.report.posts(), 100);
  EXPECT_EQ(run.report.creators(), 95);  // mikequindazzi posts 4 times, two others twice
  std::set<std::string> ids;
  for (const Post& p : run.sink.posts) EXPECT_TRUE(ids.insert(p.external_id).second);

  const Post& first = run.sink.posts[0];
  EXPECT_EQ(first.creator_handle, "mikequindazzi");
  EXPECT_EQ(first.likes, 139);
  EXPECT_TRUE(first.caption.starts_with("Who are #DataScientist and what do they do?"));
  nlohmann::json extra = nlohmann::json::parse(first.extra_json);
  EXPECT_EQ(extra["time_since_posted_s"], 11 * 3600);
  EXPECT_EQ(extra["followers"], 1600);
  EXPECT_EQ(extra["hashtags"], "#MachineLearning #AI #DataAnalytics #DataScienc #DataLake");
  EXPECT_EQ(run.sink.creators[0].followers, 1600);

  auto format = DetectFormat(path);
  ASSERT_TRUE(format.ok()) << format.status().ToString();
  EXPECT_EQ((*format)->name, "instagram_reach");
}

}  // namespace
}  // namespace sphere::ingest
