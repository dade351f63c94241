#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/time.h"
#include "ingest/formats.h"
#include "ingest/sources/import_test_util.h"
#include "testing/testing.h"

namespace sphere::ingest {
namespace {

constexpr std::string_view kWeeklyHeader =
    ",start_date,name,weekly_subscribers,weekly_views,category\n";

TEST(SocialBladeWeekly, GainIsDatedAtTheEndOfItsWeek) {
  testing::TempDir dir;
  auto path = dir.Write("weekly.csv", std::string(kWeeklyHeader) +
                                          "1,2019-05-26,codyko,33974,4034616,comedy\n"
                                          "2,2019-06-02,codyko,-1200,-5,comedy\n");
  ImportRun run = RunFormat(SocialBladeWeeklyFormat(), path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 2);
  EXPECT_EQ(run.report.rows_rejected(), 0);
  EXPECT_TRUE(run.report.repaired().empty());
  ASSERT_EQ(run.sink.creators.size(), 1u);
  const Creator& c = run.sink.creators[0];
  EXPECT_EQ(c.platform, Platform::kYouTube);
  EXPECT_EQ(c.handle, "codyko");
  EXPECT_EQ(c.niche, "comedy");
  EXPECT_EQ(c.source, "socialblade");
  EXPECT_EQ(c.stats_as_of, DaysFromCivil(2019, 6, 9));  // the end of its latest week
  ASSERT_EQ(run.sink.snapshots.size(), 2u);
  const Snapshot& first = run.sink.snapshots[0];
  EXPECT_EQ(first.taken_at, DaysFromCivil(2019, 6, 2));
  EXPECT_EQ(first.source, "socialblade");
  EXPECT_EQ(first.followers_gain, 33'974);
  EXPECT_EQ(first.views_gain, 4'034'616);
  EXPECT_EQ(first.period_days, 7);
  EXPECT_FALSE(first.followers.has_value());
  // Losses are real and kept.
  EXPECT_EQ(run.sink.snapshots[1].followers_gain, -1'200);
  EXPECT_EQ(run.sink.snapshots[1].views_gain, -5);
}

TEST(SocialBladeWeekly, NaGainIsAMissingFieldNotAReject) {
  testing::TempDir dir;
  auto path = dir.Write("weekly.csv", std::string(kWeeklyHeader) +
                                          "1,2019-05-26,codyko,NA,4034616,comedy\n"
                                          "2,2019-06-02,codyko,NA,NA,comedy\n");
  ImportRun run = RunFormat(SocialBladeWeeklyFormat(), path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 1);
  ASSERT_EQ(run.sink.snapshots.size(), 1u);
  EXPECT_FALSE(run.sink.snapshots[0].followers_gain.has_value());
  EXPECT_EQ(run.sink.snapshots[0].views_gain, 4'034'616);
  // A row with neither gain says nothing.
  ASSERT_EQ(run.report.rows_rejected(), 1);
  EXPECT_EQ(run.report.rejected()[0].line, 3);
  EXPECT_EQ(run.report.rejected()[0].reason,
            "weekly_subscribers, weekly_views: no value in either");
}

TEST(SocialBladeWeekly, FractionalGainsAreRoundedAndScientificOnesReadExactly) {
  testing::TempDir dir;
  auto path =
      dir.Write("weekly.csv", std::string(kWeeklyHeader) +
                                  "1,2019-06-02,byrontalbott,-35.3333333333333,126287,food\n"
                                  "2,2019-06-02,mrbeast6000,1e+05,36775601.5,gaming\n"
                                  "3,2019-06-02,jeffreestar,-1e+05,12,fashion&beauty\n"
                                  "4,2019-06-02,xhit,12x,1,fitness\n");
  ImportRun run = RunFormat(SocialBladeWeeklyFormat(), path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  ASSERT_EQ(run.sink.snapshots.size(), 3u);
  EXPECT_EQ(run.sink.snapshots[0].followers_gain, -35);
  EXPECT_EQ(run.sink.snapshots[1].followers_gain, 100'000);
  EXPECT_EQ(run.sink.snapshots[1].views_gain, 36'775'602);
  EXPECT_EQ(run.sink.snapshots[2].followers_gain, -100'000);
  ASSERT_EQ(run.report.repaired().size(), 2u);
  EXPECT_EQ(run.report.repaired()[0].reason,
            "weekly_subscribers: fractional '-35.3333333333333' rounded to -35");
  EXPECT_EQ(run.report.repaired()[1].reason,
            "weekly_views: fractional '36775601.5' rounded to 36775602");
  ASSERT_EQ(run.report.rows_rejected(), 1);
  EXPECT_EQ(run.report.rejected()[0].line, 5);
  EXPECT_EQ(run.report.rejected()[0].reason, "weekly_subscribers: '12x' is not a number");
}

TEST(SocialBladeWeekly, CommentoryIsReadAsCommentaryAndNotedOnce) {
  testing::TempDir dir;
  auto path = dir.Write("weekly.csv", std::string(kWeeklyHeader) +
                                          "1,2019-05-26,sssniperwolf,1,1,commentory\n"
                                          "2,2019-06-02,sssniperwolf,2,2,commentory\n");
  ImportRun run = RunFormat(SocialBladeWeeklyFormat(), path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  ASSERT_EQ(run.sink.creators.size(), 1u);
  EXPECT_EQ(run.sink.creators[0].niche, "commentary");
  // Only the row whose category reached the store was changed by the repair.
  ASSERT_EQ(run.report.repaired().size(), 1u);
  EXPECT_EQ(run.report.repaired()[0].line, 2);
  EXPECT_EQ(run.report.repaired()[0].reason, "category: 'commentory' read as 'commentary'");
}

TEST(SocialBladeWeekly, JoinSuffixCopiesOfOneChannelAreMerged) {
  testing::TempDir dir;
  auto path = dir.Write("weekly.csv", std::string(kWeeklyHeader) +
                                          "1,2019-05-26,pewdiepie.x,94561,33562021,comedy\n"
                                          "2,2019-05-26,pewdiepie.y,56961,21584653,gaming\n"
                                          "3,2019-06-02,pewdiepie.x,123659,55313629,comedy\n"
                                          "4,2019-06-02,pewdiepie.y,123659,55313629,gaming\n");
  ImportRun run = RunFormat(SocialBladeWeeklyFormat(), path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 3);
  ASSERT_EQ(run.sink.creators.size(), 1u);
  EXPECT_EQ(run.sink.creators[0].handle, "pewdiepie");
  EXPECT_EQ(run.sink.creators[0].niche, "comedy");
  ASSERT_EQ(run.sink.snapshots.size(), 2u);
  EXPECT_EQ(run.sink.snapshots[0].followers_gain, 94'561);
  ASSERT_EQ(run.report.rows_rejected(), 1);
  EXPECT_EQ(run.report.rejected()[0].line, 3);
  EXPECT_EQ(run.report.rejected()[0].reason,
            "name: 'pewdiepie.y' repeats 'pewdiepie.x' of line 2 for the week ending 2019-06-02 "
            "with different gains; the first is kept");
  ASSERT_EQ(run.report.repaired().size(), 3u);
  EXPECT_EQ(run.report.repaired()[0].reason,
            "name: 'pewdiepie.x' carries a join suffix; read as 'pewdiepie'");
  EXPECT_EQ(run.report.repaired()[2].line, 5);
  EXPECT_EQ(run.report.repaired()[2].reason,
            "name: 'pewdiepie.y' carries a join suffix; read as 'pewdiepie'; name: "
            "'pewdiepie.y' repeats 'pewdiepie.x' of line 4 for the week ending 2019-06-09 "
            "with the same gains; loaded once");
}

TEST(SocialBladeWeekly, MissingColumnFailsTheFile) {
  testing::TempDir dir;
  auto path = dir.Write("weekly.csv", ",start_date,name,weekly_subscribers,category\n");
  ImportRun run = RunFormat(SocialBladeWeeklyFormat(), path);
  ASSERT_FALSE(run.status.ok());
  EXPECT_EQ(run.status.message(), path.string() + ":1: missing column weekly_views");
}

TEST(SocialBladeWeekly, MatchesItsHeader) {
  Format f = SocialBladeWeeklyFormat();
  EXPECT_TRUE(f.matches("any/socialblade_weekly.csv", kWeeklyHeader));
  EXPECT_TRUE(f.matches("w.csv", "start_date,name,weekly_subscribers,weekly_views,category\r\n"));
  EXPECT_FALSE(f.matches("w.json", kWeeklyHeader));
  EXPECT_FALSE(f.matches("w.csv", "url,name,category\n"));
}

constexpr std::string_view kChannelsHeader = "\xEF\xBB\xBFurl,name,category\n";

TEST(SocialBladeChannels, CreatorsCarryTheirNicheAsOfTheArchivedPage) {
  testing::TempDir dir;
  auto path = dir.Write(
      "socialblade_channels.csv",
      std::string(kChannelsHeader) +
          "https://web.archive.org/web/20220529040815/https://socialblade.com/youtube/user/"
          "pewdiepie/monthly,pewdiepie,comedy\n"
          "https://web.archive.org/web/20220529034953/https://socialblade.com/youtube/channel/"
          "UCUyuwKWKge8qjnxpPYJuA8g/monthly,UCUyuwKWKge8qjnxpPYJuA8g,commentory\n"
          "https://web.archive.org/web/20220529082329/https://socialblade.com/youtube/user/"
          "pewdiepie/monthly,pewdiepie,gaming\n");
  ImportRun run = RunFormat(SocialBladeChannelsFormat(), path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 2);
  ASSERT_EQ(run.sink.creators.size(), 2u);
  const Creator& pdp = run.sink.creators[0];
  EXPECT_EQ(pdp.handle, "pewdiepie");
  EXPECT_EQ(pdp.niche, "comedy");
  EXPECT_EQ(pdp.source, "socialblade");
  EXPECT_EQ(pdp.stats_as_of, DaysFromCivil(2022, 5, 29) + 4 * 3600 + 8 * 60 + 15);
  EXPECT_EQ(run.sink.creators[1].handle, "ucuyuwkwkge8qjnxppyjua8g");
  EXPECT_EQ(run.sink.creators[1].niche, "commentary");
  ASSERT_EQ(run.report.repaired().size(), 1u);
  EXPECT_EQ(run.report.repaired()[0].line, 3);
  ASSERT_EQ(run.report.rows_rejected(), 1);
  EXPECT_EQ(run.report.rejected()[0].line, 4);
  EXPECT_EQ(run.report.rejected()[0].reason,
            "name: 'pewdiepie' is listed again (first at line 2); its category 'gaming' is "
            "dropped for the first, 'comedy'");
  EXPECT_TRUE(run.sink.snapshots.empty());
}

TEST(SocialBladeChannels, MatchesOnlyASocialBladeFile) {
  Format f = SocialBladeChannelsFormat();
  EXPECT_TRUE(f.matches("data/youtube/socialblade_channels.csv", "url,name,category\r\n"));
  EXPECT_FALSE(f.matches("data/links.csv", "url,name,category\n"));
  EXPECT_FALSE(f.matches("socialblade_weekly.csv", kWeeklyHeader));
}

// --- the real files -------------------------------------------------------------------

TEST(SocialBladeRealData, WeeklyAccountsForEveryRow) {
  ImportRun run =
      RunFormat(SocialBladeWeeklyFormat(), testing::DataFile("youtube/socialblade_weekly.csv"));
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  // 115 names x 128 weeks; pewdiepie.x and .y are one channel: its 124 identical .y
  // weeks are loaded once and the 4 that disagree are rejected.
  EXPECT_EQ(run.report.rows_loaded(), 14'716);
  EXPECT_EQ(run.report.rows_rejected(), 4);
  for (const RowIssue& issue : run.report.rejected()) {
    EXPECT_NE(issue.reason.find("'pewdiepie.y' repeats 'pewdiepie.x'"), std::string::npos)
        << run.report.Describe(issue);
  }
  // 181 fractional cells, 256 suffixed pewdiepie rows and 7 "commentory" channels.
  EXPECT_EQ(run.report.repaired().size(), 423u);
  EXPECT_EQ(run.sink.creators.size(), 114u);
  EXPECT_EQ(run.sink.snapshots.size(), 14'592u);
  EXPECT_EQ(run.report.snapshots(), 14'592);

  std::map<std::string, std::string> niche;
  for (const Creator& c : run.sink.creators) niche[c.handle] = c.niche.value_or("");
  EXPECT_EQ(niche["sssniperwolf"], "commentary");
  EXPECT_EQ(niche["pewdiepie"], "comedy");
  EXPECT_EQ(niche.count("pewdiepie.x"), 0u);

  const UnixSeconds first_week_end = DaysFromCivil(2019, 6, 2);
  const UnixSeconds last_week_end = DaysFromCivil(2021, 11, 7);
  int64_t negative = 0;
  for (const Snapshot& s : run.sink.snapshots) {
    EXPECT_GE(s.taken_at, first_week_end);
    EXPECT_LE(s.taken_at, last_week_end);
    if (s.followers_gain && *s.followers_gain < 0) ++negative;
    if (s.creator_handle == "codyko" && s.taken_at == first_week_end) {
      EXPECT_EQ(s.followers_gain, 33'974);
      EXPECT_EQ(s.views_gain, 4'034'616);
    }
    if (s.creator_handle == "thefitnessmarshall" && s.taken_at == DaysFromCivil(2019, 10, 6)) {
      EXPECT_EQ(s.views_gain, -143'611);  // "-143610.703125"
    }
  }
  EXPECT_EQ(negative, 304);  // real losses are kept
}

TEST(SocialBladeRealData, ChannelsAccountForEveryRow) {
  ImportRun run =
      RunFormat(SocialBladeChannelsFormat(), testing::DataFile("youtube/socialblade_channels.csv"));
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 120);
  EXPECT_EQ(run.report.rows_rejected(), 1);      // pewdiepie listed again as gaming
  EXPECT_EQ(run.report.repaired().size(), 10u);  // the ten "commentory" channels
  EXPECT_EQ(run.sink.creators.size(), 120u);
}

TEST(SocialBladeRealData, BothFilesNameChannelsTheSameWay) {
  ImportRun weekly =
      RunFormat(SocialBladeWeeklyFormat(), testing::DataFile("youtube/socialblade_weekly.csv"));
  ImportRun channels =
      RunFormat(SocialBladeChannelsFormat(), testing::DataFile("youtube/socialblade_channels.csv"));
  std::map<std::string, std::string> listed;
  for (const Creator& c : channels.sink.creators) listed[c.handle] = c.niche.value_or("");
  for (const Creator& c : weekly.sink.creators) {
    ASSERT_TRUE(listed.count(c.handle)) << c.handle;
    EXPECT_EQ(listed[c.handle], c.niche.value_or("")) << c.handle;
  }
}

}  // namespace
}  // namespace sphere::ingest
