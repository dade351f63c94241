#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/time.h"
#include "ingest/formats.h"
#include "ingest/sources/import_test_util.h"
#include "testing/testing.h"

namespace sphere::ingest {
namespace {

ImportRun<> Import(const std::filesystem::path& path) {
  return RunFormat(GlobalYoutubeFormat(), path);
}

constexpr std::string_view kHeader =
    "rank,Youtuber,subscribers,video_views,category,Title,uploads,Country,Abbreviation,"
    "channel_type,video_views_rank,country_rank,channel_type_rank,"
    "video_views_for_the_last_30_days,lowest_monthly_earnings,highest_monthly_earnings,"
    "lowest_yearly_earnings,highest_yearly_earnings,subscribers_for_last_30_days,created_year,"
    "created_month,created_date,Gross tertiary education enrollment (%),Population,"
    "Unemployment rate,Urban_population,Latitude,Longitude\n";

// The real first row of the file.
constexpr std::string_view kTSeries =
    "1,T-Series,245000000,2.28E+11,Music,T-Series,20082,India,IN,Music,1,1,1,2258000000,"
    "564600,9000000,6800000,108400000,2000000,2006,Mar,13,28.1,1366417754,5.36,471031528,"
    "20.593684,78.96288\n";

TEST(GlobalYoutube, RowBecomesACreatorAndA30DaySnapshot) {
  testing::TempDir dir;
  auto path = dir.Write("stats.csv", std::string(kHeader) + std::string(kTSeries));
  ImportRun run = Import(path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 1);
  ASSERT_EQ(run.sink.creators.size(), 1u);
  const Creator& c = run.sink.creators[0];
  EXPECT_EQ(c.platform, Platform::kYouTube);
  EXPECT_EQ(c.handle, "t-series");
  EXPECT_EQ(c.display_name, "T-Series");
  EXPECT_EQ(c.niche, "music");
  EXPECT_EQ(c.country, "India");
  EXPECT_EQ(c.followers, 245'000'000);
  EXPECT_EQ(c.posts_count, 20'082);
  EXPECT_EQ(c.source, "global_youtube_2023");
  EXPECT_EQ(c.stats_as_of, DaysFromCivil(2023, 7, 1));
  ASSERT_EQ(run.sink.snapshots.size(), 1u);
  const Snapshot& s = run.sink.snapshots[0];
  EXPECT_EQ(s.creator_handle, "t-series");
  EXPECT_EQ(s.source, "global_youtube_2023");
  EXPECT_EQ(s.taken_at, DaysFromCivil(2023, 7, 1));
  EXPECT_EQ(s.followers, 245'000'000);
  EXPECT_EQ(s.total_views, 228'000'000'000);
  EXPECT_EQ(s.posts_count, 20'082);
  EXPECT_EQ(s.followers_gain, 2'000'000);
  EXPECT_EQ(s.views_gain, 2'258'000'000);
  EXPECT_EQ(s.period_days, 30);
  nlohmann::json extra = nlohmann::json::parse(s.extra_json);
  EXPECT_EQ(extra["rank"], 1);
  EXPECT_EQ(extra["title"], "T-Series");
  EXPECT_EQ(extra["channel_type"], "Music");
  EXPECT_EQ(extra["video_views_rank"], 1);
  EXPECT_EQ(extra["country_rank"], 1);
  EXPECT_EQ(extra["channel_type_rank"], 1);
  EXPECT_EQ(extra["created"], "2006-03-13");
  EXPECT_EQ(extra["earnings_usd"]["monthly_low"], 564'600.0);
  EXPECT_EQ(extra["earnings_usd"]["monthly_high"], 9'000'000.0);
  EXPECT_EQ(extra["earnings_usd"]["yearly_low"], 6'800'000.0);
  EXPECT_EQ(extra["earnings_usd"]["yearly_high"], 108'400'000.0);
  // The spreadsheet's "2.28E+11" is read as written, and the lost precision noted.
  ASSERT_EQ(run.report.repaired().size(), 1u);
  EXPECT_EQ(run.report.repaired()[0].reason,
            "video_views: '2.28E+11' is in scientific notation (precision lost by a "
            "spreadsheet); read as 228000000000");
}

TEST(GlobalYoutube, NanCellsAreMissingValues) {
  testing::TempDir dir;
  auto path = dir.Write(
      "stats.csv",
      std::string(kHeader) +
          "6,Music,119000000,0,nan,Music,0,nan,nan,Music,,nan,nan,nan,0,0,0,0,nan,nan,nan,nan,"
          "nan,nan,nan,nan,nan,nan\n");
  ImportRun run = Import(path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 1);
  EXPECT_EQ(run.report.rows_rejected(), 0);
  EXPECT_TRUE(run.report.repaired().empty());
  const Creator& c = run.sink.creators.at(0);
  EXPECT_FALSE(c.niche.has_value());
  EXPECT_FALSE(c.country.has_value());
  const Snapshot& s = run.sink.snapshots.at(0);
  EXPECT_EQ(s.total_views, 0);
  EXPECT_FALSE(s.followers_gain.has_value());
  EXPECT_FALSE(s.views_gain.has_value());
  nlohmann::json extra = nlohmann::json::parse(s.extra_json);
  EXPECT_FALSE(extra.contains("created"));
  EXPECT_FALSE(extra.contains("video_views_rank"));
}

TEST(GlobalYoutube, Windows1252NamesDecodeToUtf8) {
  testing::TempDir dir;
  // 0xE9 is 'é' and 0x80 '€' in Windows-1252; in UTF-8 they must not come out as
  // "Ã©" or be dropped.
  auto path = dir.Write("stats.csv", std::string(kHeader) +
                                         "9,Beyonc\xE9 \x80,26000000,17308961985,Music,"
                                         "Beyonc\xE9,240,United States,US,Music,163,66,66,"
                                         "55454000,13900,221800,166400,2700000,100000,2006,"
                                         "Dec,2,88.2,328239523,14.7,270663028,37.09,-95.71\n");
  ImportRun run = Import(path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  ASSERT_EQ(run.sink.creators.size(), 1u);
  EXPECT_EQ(run.sink.creators[0].display_name, "Beyonc\xC3\xA9 \xE2\x82\xAC");
  EXPECT_EQ(run.sink.creators[0].handle, "beyonc\xC3\xA9 \xE2\x82\xAC");
  EXPECT_TRUE(run.report.repaired().empty());
}

TEST(GlobalYoutube, ReplacementCharactersMisreadAsCp1252AreRestored) {
  testing::TempDir dir;
  // The file's own damage: U+FFFD stored as UTF-8 (EF BF BD), once cut after two bytes.
  auto path = dir.Write("stats.csv", std::string(kHeader) +
                                         "220,Beyonc\xEF\xBF,26000000,17308961985,Music,"
                                         "Espa\xEF\xBF\xBD\xEF,240,United States,US,Music,163,"
                                         "66,66,55454000,13900,221800,166400,2700000,100000,"
                                         "2006,Dec,2,88.2,328239523,14.7,270663028,37.09,-95.71\n");
  ImportRun run = Import(path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  ASSERT_EQ(run.sink.creators.size(), 1u);
  EXPECT_EQ(run.sink.creators[0].display_name, "Beyonc\xEF\xBF\xBD");
  nlohmann::json extra = nlohmann::json::parse(run.sink.snapshots.at(0).extra_json);
  EXPECT_EQ(extra["title"], "Espa\xEF\xBF\xBD\xEF\xBF\xBD");
  ASSERT_EQ(run.report.repaired().size(), 1u);
  EXPECT_EQ(run.report.repaired()[0].reason,
            "Youtuber: U+FFFD stored as UTF-8 was read as '\xC3\xAF\xC2\xBF\xC2\xBD'; restored; "
            "Title: U+FFFD stored as UTF-8 was read as '\xC3\xAF\xC2\xBF\xC2\xBD'; restored");
}

TEST(GlobalYoutube, CreationYearBeforeYouTubeIsLeftOut) {
  testing::TempDir dir;
  auto path = dir.Write("stats.csv", std::string(kHeader) +
                                         "102,YouTube,32500000,0,nan,YouTube,0,nan,nan,nan,"
                                         "4057827,nan,nan,nan,0,0,0,0,nan,1970,Jan,1,nan,nan,nan,"
                                         "nan,nan,nan\n");
  ImportRun run = Import(path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 1);
  ASSERT_EQ(run.report.repaired().size(), 1u);
  EXPECT_EQ(run.report.repaired()[0].reason,
            "created_year: 1970 predates YouTube; creation date left out");
  nlohmann::json extra = nlohmann::json::parse(run.sink.snapshots.at(0).extra_json);
  EXPECT_FALSE(extra.contains("created"));
}

TEST(GlobalYoutube, BadValuesRejectTheRowNamingTheField) {
  testing::TempDir dir;
  auto path = dir.Write(
      "stats.csv", std::string(kHeader) +
                       "1,A,12x,1,Music,A,1,India,IN,Music,1,1,1,1,1,1,1,1,1,2006,Mar,13,,,,,,\n"
                       "2,B,1,1,Music,B,1,India,IN,Music,1,1,1,1,lots,1,1,1,1,2006,Mar,13,,,,,,\n"
                       "3,,1,1,Music,C,1,India,IN,Music,1,1,1,1,1,1,1,1,1,2006,Mar,13,,,,,,\n"
                       "4,D,1,1,Music,D,-3,India,IN,Music,1,1,1,1,1,1,1,1,1,2006,Mar,13,,,,,,\n");
  ImportRun run = Import(path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 0);
  ASSERT_EQ(run.report.rows_rejected(), 4);
  EXPECT_EQ(run.report.rejected()[0].reason, "subscribers: '12x' is not a whole number");
  EXPECT_EQ(run.report.rejected()[1].reason, "lowest_monthly_earnings: 'lots' is not a number");
  EXPECT_EQ(run.report.rejected()[2].reason, "Youtuber: no value");
  EXPECT_EQ(run.report.rejected()[3].reason, "uploads: -3 is negative");
}

TEST(GlobalYoutube, MissingColumnFailsTheFile) {
  testing::TempDir dir;
  auto path = dir.Write("stats.csv", "rank,Youtuber,subscribers\n1,A,1\n");
  ImportRun run = Import(path);
  ASSERT_FALSE(run.status.ok());
  EXPECT_EQ(run.status.message(), path.string() + ":1: missing column video_views");
}

TEST(GlobalYoutube, MatchesItsHeader) {
  Format f = GlobalYoutubeFormat();
  EXPECT_TRUE(f.matches("global_youtube_statistics_2023.csv", kHeader));
  EXPECT_FALSE(f.matches("global_youtube_statistics_2023.json", kHeader));
  EXPECT_FALSE(f.matches("x.csv", "rank,Youtuber,subscribers,video_views\n"));
}

TEST(GlobalYoutubeRealData, AccountsForEveryRow) {
  ImportRun run = Import(testing::DataFile("youtube/global_youtube_statistics_2023.csv"));
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 995);
  EXPECT_EQ(run.report.rows_rejected(), 0);
  // 75 names with misread U+FFFD, 4 view counts in scientific notation, 1 year 1970.
  EXPECT_EQ(run.report.repaired().size(), 80u);
  EXPECT_EQ(run.sink.creators.size(), 995u);
  EXPECT_EQ(run.sink.snapshots.size(), 995u);

  const Creator& first = run.sink.creators.at(0);
  EXPECT_EQ(first.handle, "t-series");
  EXPECT_EQ(first.followers, 245'000'000);
  const Snapshot& s = run.sink.snapshots.at(0);
  EXPECT_EQ(s.total_views, 228'000'000'000);
  EXPECT_EQ(s.views_gain, 2'258'000'000);
  bool found_pewdiepie = false;
  for (const Creator& c : run.sink.creators) {
    if (c.handle != "pewdiepie") continue;
    found_pewdiepie = true;
    EXPECT_EQ(c.country, "Japan");
    EXPECT_EQ(c.niche, "gaming");
    EXPECT_EQ(c.posts_count, 4'716);
  }
  EXPECT_TRUE(found_pewdiepie);
}

}  // namespace
}  // namespace sphere::ingest
