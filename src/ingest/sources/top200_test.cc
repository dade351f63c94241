#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/time.h"
#include "ingest/formats.h"
#include "ingest/sources/import_test_util.h"
#include "testing/testing.h"

namespace sphere::ingest {
namespace {

const std::string kHeader =
    "\xEF\xBB\xBFrank,channel_info,influence_score,posts,followers,avg_likes,60_day_eng_rate,"
    "new_post_avg_like,total_likes,country\r\n";

ImportRun<> Import(const std::filesystem::path& path) {
  return RunFormat(Top200InstagramFormat(), path);
}

TEST(Top200, LoadsACreatorAndASnapshotPerRow) {
  testing::TempDir dir;
  auto run = Import(
      dir.Write("top.csv", kHeader + "1,cristiano,92,3.3k,475.8m,8.7m,1.39%,6.5m,29.0b,Spain\r\n"
                                     "3,LeoMessi,90,0.89k,357.3m,6.8m,1.24%,4.4m,6.0b,\r\n"));
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 2);
  EXPECT_EQ(run.report.creators(), 2);
  EXPECT_EQ(run.report.snapshots(), 2);
  ASSERT_EQ(run.sink.creators.size(), 2u);
  ASSERT_EQ(run.sink.snapshots.size(), 2u);

  const Creator& c = run.sink.creators[0];
  EXPECT_EQ(c.platform, Platform::kInstagram);
  EXPECT_EQ(c.handle, "cristiano");
  EXPECT_EQ(c.followers, 475'800'000);
  EXPECT_EQ(c.posts_count, 3'300);
  EXPECT_EQ(c.country, "Spain");
  EXPECT_EQ(c.niche, std::nullopt);
  EXPECT_EQ(FormatIsoDate(c.stats_as_of), "2022-08-22");
  EXPECT_EQ(c.source, "top200_instagram");

  const Snapshot& s = run.sink.snapshots[0];
  EXPECT_EQ(s.creator_handle, "cristiano");
  EXPECT_EQ(s.taken_at, c.stats_as_of);
  EXPECT_EQ(s.source, "top200_instagram");
  EXPECT_EQ(s.followers, 475'800'000);
  EXPECT_EQ(s.posts_count, 3'300);
  EXPECT_EQ(s.avg_likes, 8'700'000.0);
  ASSERT_TRUE(s.engagement_rate.has_value());
  EXPECT_DOUBLE_EQ(*s.engagement_rate, 0.0139);
  EXPECT_EQ(nlohmann::json::parse(s.extra_json), nlohmann::json::parse(R"({
      "rank": 1, "influence_score": 92, "new_post_avg_like": 6500000,
      "total_likes": 29000000000})"));

  EXPECT_EQ(run.sink.creators[1].handle, "leomessi");
  EXPECT_EQ(run.sink.creators[1].posts_count, 890);
  EXPECT_EQ(run.sink.creators[1].country, std::nullopt);
}

TEST(Top200, RejectsBrokenRowsAndRepairsMisdecodedText) {
  testing::TempDir dir;
  auto run = Import(dir.Write(
      "top.csv",
      kHeader + "1,a,92,3.3k,475.8m,8.7m,1.39%,6.5m,29.0b,C\xC3\x83\xC2\xB4te d'Ivoire\r\n"  // 2
                "2,5-Minute Crafts GIRLY,85,10.0k,46.5m,157.0k,0.03%,12.4k,1.6b,\r\n"        // 3
                "3,b,83,0.11k,37.0m,10.9m,NaN%,0,1.2b,\r\n"                                  // 4
                "4,c,83,0.11k,,10.9m,1%,0,1.2b,\r\n"                                         // 5
                "5,d,83,3.3x,1m,10.9m,1%,0,1.2b,\r\n"                                        // 6
                "\r\n"                                                                       // 7
                "6,A,83,1k,1m,1k,1%,0,1b,\r\n"                                               // 8
                "7,e,83,1k,1m,1k,1%,0,1b\r\n"                                                // 9
                "8,f,83,1k,-1m,1k,1%,0,1b,\r\n"                                              // 10
                "9,g,83,1k,1m,1k,high,0,1b,Brazil\r\n"));                                    // 11
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 2);
  EXPECT_EQ(Issues(run.report.rejected()),
            (IssueList{
                {3,
                 "channel_info: '5-minute crafts girly' is not an Instagram username (only "
                 "a-z, 0-9, '.', '_')"},
                {5, "followers: missing"},
                {6, "posts: '3.3x' is not an integer"},
                {8, "channel_info: 'a' repeats line 2"},
                {9, "row has 9 fields; the header has 10"},
                {10, "followers: '-1m' is negative"},
                {11, "60_day_eng_rate: 'high' is not a percentage"},
            }));
  EXPECT_EQ(Issues(run.report.repaired()),
            (IssueList{{2,
                        "country: 'C\xC3\x83\xC2\xB4te d'Ivoire' was UTF-8 decoded as Latin-1; "
                        "repaired to 'C\xC3\xB4te d'Ivoire'"}}));
  ASSERT_EQ(run.sink.creators.size(), 2u);
  EXPECT_EQ(run.sink.creators[0].country, "C\xC3\xB4te d'Ivoire");
  // "NaN%" is a missing rate, not a broken row.
  EXPECT_EQ(run.sink.snapshots[1].creator_handle, "b");
  EXPECT_EQ(run.sink.snapshots[1].engagement_rate, std::nullopt);
  EXPECT_EQ(nlohmann::json::parse(run.sink.snapshots[1].extra_json)["new_post_avg_like"], 0);
}

TEST(Top200, MissingColumnFailsTheWholeFile) {
  testing::TempDir dir;
  auto path = dir.Write("top.csv", "rank,channel_info,posts,followers\r\n1,a,1k,1m\r\n");
  auto run = Import(path);
  EXPECT_EQ(run.status.code(), Code::kInvalidArgument);
  EXPECT_EQ(run.status.message(), path.string() + ":1: missing column influence_score");
}

TEST(Top200, RecognisesItsHeaderOnly) {
  EXPECT_TRUE(Top200InstagramFormat().matches("top.csv", kHeader.substr(3)));
  EXPECT_FALSE(Top200InstagramFormat().matches("top.csv", "rank,channel_info\r\n"));
  EXPECT_FALSE(Top200InstagramFormat().matches(
      "top.csv", "S.No,USERNAME,Caption,Followers,Hashtags,Time since posted,Likes\r\n"));
}

TEST(Top200BundledData, LoadsAllButTheDisplayNameRow) {
  auto path = testing::DataFile("instagram/top200_insta_influencers.csv");
  auto run = Import(path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 199);
  EXPECT_EQ(run.report.creators(), 199);
  EXPECT_EQ(run.report.snapshots(), 199);
  EXPECT_EQ(Issues(run.report.rejected()),
            (IssueList{{119,
                        "channel_info: '5-minute crafts girly' is not an Instagram username "
                        "(only a-z, 0-9, '.', '_')"}}));
  EXPECT_EQ(Issues(run.report.repaired()),
            (IssueList{{134,
                        "country: 'C\xC3\x83\xC2\xB4te d'Ivoire' was UTF-8 decoded as "
                        "Latin-1; repaired to 'C\xC3\xB4te d'Ivoire'"}}));

  std::map<std::string, const Creator*> creators;
  int no_country = 0;
  for (const Creator& c : run.sink.creators) {
    creators[c.handle] = &c;
    no_country += !c.country.has_value();
  }
  EXPECT_EQ(no_country, 62);
  ASSERT_TRUE(creators.contains("cristiano"));
  EXPECT_EQ(creators["cristiano"]->followers, 475'800'000);
  EXPECT_EQ(creators["cristiano"]->country, "Spain");
  EXPECT_TRUE(creators.contains("shakira"));  // "Shakira" in the file
  EXPECT_EQ(creators["raisa6690"]->followers, 32'800'000);

  int no_rate = 0;
  for (const Snapshot& s : run.sink.snapshots) {
    no_rate += !s.engagement_rate.has_value();
    if (s.creator_handle == "kyliejenner") {
      EXPECT_EQ(s.posts_count, 6'900);
      EXPECT_EQ(s.avg_likes, 8'300'000.0);
      EXPECT_DOUBLE_EQ(*s.engagement_rate, 0.0162);
      EXPECT_EQ(nlohmann::json::parse(s.extra_json)["total_likes"], 57'400'000'000);
    }
  }
  EXPECT_EQ(no_rate, 1);  // rkive: "NaN%"

  auto format = DetectFormat(path);
  ASSERT_TRUE(format.ok()) << format.status().ToString();
  EXPECT_EQ((*format)->name, "top200_instagram");
}

}  // namespace
}  // namespace sphere::ingest
