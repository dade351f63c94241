#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "core/time.h"
#include "ingest/formats.h"
#include "ingest/sources/import_test_util.h"
#include "testing/testing.h"

namespace sphere::ingest {
namespace {

ImportRun<> Import(const std::filesystem::path& path) { return RunFormat(Smi2022Format(), path); }

nlohmann::json Extra(const Snapshot& s) { return nlohmann::json::parse(s.extra_json); }

const Snapshot* FindSnapshot(const ImportRun<>& run, std::string_view handle) {
  for (const Snapshot& s : run.sink.snapshots) {
    if (s.creator_handle == handle) return &s;
  }
  return nullptr;
}

const Creator* FindCreator(const ImportRun<>& run, std::string_view handle) {
  for (const Creator& c : run.sink.creators) {
    if (c.handle == handle) return &c;
  }
  return nullptr;
}

constexpr std::string_view kJuneInstagramHeader =
    "instagram name,influencer name ,Category_1,Category_2,Subscribers count,"
    "Subscribers count,Views avg.,Likes avg,Likes avg,Comments avg.,Comments avg.\n";

TEST(Smi2022, JuneInstagramMislabelledColumnsMapToCountryAndEngagement) {
  testing::TempDir dir;
  auto path = dir.Write("instagram_2022-06.csv",
                        std::string(kJuneInstagramHeader) +
                            "433,433,Sports with a ball,,50.7M,50700000,Spain,274.9K,274900,"
                            "456.7K,456700\n");
  ImportRun run = Import(path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  ASSERT_EQ(run.sink.snapshots.size(), 1u);
  const Snapshot& s = run.sink.snapshots[0];
  EXPECT_EQ(s.platform, Platform::kInstagram);
  EXPECT_EQ(s.creator_handle, "433");
  EXPECT_EQ(s.followers, 50'700'000);
  EXPECT_EQ(s.authentic_engagement, 274'900);
  EXPECT_FALSE(s.avg_likes.has_value());
  EXPECT_FALSE(s.avg_comments.has_value());
  EXPECT_FALSE(s.avg_views.has_value());
  nlohmann::json extra = Extra(s);
  EXPECT_EQ(extra["audience_country"], "Spain");
  EXPECT_EQ(extra["avg_engagement"], 456'700.0);
  ASSERT_EQ(run.sink.creators.size(), 1u);
  // The audience's country is not where the creator lives.
  EXPECT_FALSE(run.sink.creators[0].country.has_value());
  EXPECT_EQ(run.sink.creators[0].niche, "sports with a ball");
}

TEST(Smi2022, SnapshotIsTheFifteenthOfTheFileMonth) {
  testing::TempDir dir;
  auto path = dir.Write("instagram_2022-06.csv",
                        std::string(kJuneInstagramHeader) +
                            "433,433,Sports with a ball,,50.7M,50700000,Spain,1K,1000,2K,2000\n");
  ImportRun run = Import(path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  ASSERT_EQ(run.sink.snapshots.size(), 1u);
  EXPECT_EQ(run.sink.snapshots[0].taken_at, DaysFromCivil(2022, 6, 15));
  EXPECT_EQ(run.sink.snapshots[0].source, "smi2022");
  EXPECT_EQ(run.sink.creators[0].stats_as_of, DaysFromCivil(2022, 6, 15));
  EXPECT_EQ(run.sink.creators[0].source, "smi2022");
}

TEST(Smi2022, PrefersTheNumericCopyAndFallsBackToTheText) {
  testing::TempDir dir;
  auto path = dir.Write(
      "youtube_2022-03.csv",
      "youtuber name,channel name,Category,Subscribers,Subscribers,Audience Country,"
      "avg views,avg views,avg likes,avg likes,avg comments,avg comments\n"
      // The copy 212100001 differs from the text on purpose: the copy must win.
      "tseries,T-Series,Music & Dance,212.1M,212100001,India,323.7K,#VALOR!,,9800,290,290\n");
  ImportRun run = Import(path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  ASSERT_EQ(run.sink.snapshots.size(), 1u);
  const Snapshot& s = run.sink.snapshots[0];
  EXPECT_EQ(s.followers, 212'100'001);
  EXPECT_EQ(s.avg_views, 323'700.0);  // copy is #VALOR!, text is used
  EXPECT_EQ(s.avg_likes, 9'800.0);    // text is empty, copy is used
  EXPECT_EQ(s.avg_comments, 290.0);
  EXPECT_EQ(run.report.rows_loaded(), 1);
  EXPECT_TRUE(run.report.repaired().empty());
}

TEST(Smi2022, ValorAndNaCellsAreMissingValuesNotRejects) {
  testing::TempDir dir;
  auto path = dir.Write(
      "youtube_2022-06.csv",
      "channel name,youTuber,Category,Category_2,Subscribers count,Subscribers count,Country,"
      "Views avg.,Views avg.,Likes avg,Likes avg,Comments avg.,Comments avg.\n"
      "juptube,Galinha Pintadinha,Music & Dance,,30.5M,30500000,-,0,0,N/A',#VALOR!,N/A',"
      "#VALOR!\n");
  ImportRun run = Import(path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 1);
  EXPECT_EQ(run.report.rows_rejected(), 0);
  EXPECT_TRUE(run.report.repaired().empty());
  ASSERT_EQ(run.sink.snapshots.size(), 1u);
  const Snapshot& s = run.sink.snapshots[0];
  EXPECT_EQ(s.followers, 30'500'000);
  EXPECT_EQ(s.avg_views, 0.0);
  EXPECT_FALSE(s.avg_likes.has_value());
  EXPECT_FALSE(s.avg_comments.has_value());
  EXPECT_FALSE(Extra(s).contains("audience_country"));  // "-"
}

TEST(Smi2022, RowWithoutFollowerCountIsRejectedNamingTheColumn) {
  testing::TempDir dir;
  auto path = dir.Write("tiktok_2022-11.csv",
                        "row-cell,Tiktoker name,Tiktok name,\"\nFollowers\",Views (Avg.),"
                        "Likes (Avg.),Comments (Avg.),Shares (Avg.)\n"
                        "1,yossikramer,Yossi,#VALOR!,26.8M,2.2M,30.1K,71.2K\n"
                        "2,mrbeast,MrBeast,lots,38.1M,3.8M,19K,7.8K\n");
  ImportRun run = Import(path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 0);
  ASSERT_EQ(run.report.rows_rejected(), 2);
  EXPECT_EQ(run.report.rejected()[0].line, 3);
  EXPECT_EQ(run.report.rejected()[0].reason, "Followers: no usable follower count (no value)");
  EXPECT_EQ(run.report.rejected()[1].reason, "Followers: no usable follower count ('lots')");
  EXPECT_TRUE(run.sink.creators.empty());
}

TEST(Smi2022, BlankRowIsRejectedForItsMissingUsername) {
  testing::TempDir dir;
  auto path = dir.Write("tiktok_2022-11.csv",
                        "row-cell,Tiktoker name,Tiktok name,\"\nFollowers\",Views (Avg.),"
                        "Likes (Avg.),Comments (Avg.),Shares (Avg.)\n"
                        ",,,,,,,\n"
                        "1,yossikramer,Yossi,145.6K,26.8M,2.2M,30.1K,71.2K\n");
  ImportRun run = Import(path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 1);
  ASSERT_EQ(run.report.rows_rejected(), 1);
  EXPECT_EQ(run.report.rejected()[0].line, 3);
  EXPECT_EQ(run.report.rejected()[0].reason, "Tiktoker name: no username (the row is blank)");
  ASSERT_EQ(run.sink.snapshots.size(), 1u);
  const Snapshot& s = run.sink.snapshots[0];
  EXPECT_EQ(s.followers, 145'600);
  EXPECT_EQ(s.avg_views, 26'800'000.0);
  EXPECT_EQ(s.avg_likes, 2'200'000.0);
  EXPECT_EQ(s.avg_comments, 30'100.0);
  EXPECT_EQ(s.avg_shares, 71'200.0);
  EXPECT_EQ(Extra(s)["rank"], 1);
}

TEST(Smi2022, DuplicateRowsKeepTheFirstAndCiteItsLine) {
  testing::TempDir dir;
  auto path = dir.Write(
      "tiktok_2022-09.csv",
      "S.no,Tiktoker name,Tiktok name,Subscribers,Subscribers,Views avg.,Views avg.,"
      "Likes avg.,Likes avg.,Comments avg.,Comments avg.,Shares avg.,Shares avg.\n"
      "40,lexibrookerivera,Lexi Rivera,23.2M,23200000,7.5M,7500000,992.5K,992500,8.5K,8500,"
      "1.8K,1800\n"
      "41,other,Other,1M,1000000,1M,1000000,1K,1000,1,1,1,1\n"
      // Same row again, only its position differs: identical, loaded once.
      "52,lexibrookerivera,Lexi Rivera,23.2M,23200000,7.5M,7500000,992.5K,992500,8.5K,8500,"
      "1.8K,1800\n"
      // Same creator with other numbers: rejected, the first is kept.
      "67,LexiBrookeRivera,Lexi Rivera,23.4M,23400000,7.6M,7600000,870.6K,870600,3.1K,3100,"
      "1.8K,1800\n");
  ImportRun run = Import(path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 3);
  ASSERT_EQ(run.report.rows_rejected(), 1);
  EXPECT_EQ(run.report.rejected()[0].line, 5);
  EXPECT_EQ(run.report.rejected()[0].reason,
            "Tiktoker name: 'lexibrookerivera' is a duplicate of line 2 with different values; "
            "the first is kept");
  ASSERT_EQ(run.report.repaired().size(), 1u);
  EXPECT_EQ(run.report.repaired()[0].line, 4);
  EXPECT_EQ(run.report.repaired()[0].reason,
            "Tiktoker name: 'lexibrookerivera' is an identical duplicate of line 2; loaded once");
  ASSERT_EQ(run.sink.creators.size(), 2u);
  ASSERT_EQ(run.sink.snapshots.size(), 2u);
  EXPECT_EQ(FindSnapshot(run, "lexibrookerivera")->followers, 23'200'000);
  EXPECT_EQ(Extra(*FindSnapshot(run, "lexibrookerivera"))["rank"], 40);
}

TEST(Smi2022, OriginalMarchReleaseDisplayNameHandlesAreRepaired) {
  testing::TempDir dir;
  auto path = dir.Write("instagram_2022-03_original.csv",
                        "Influencer insta name,Instagram User,category,category_2,Followers,"
                        "Audience country,\"Authentic engagement\r\n\",\"Engagement avg\r\n\"\n"
                        "Kylie Jenner,Kylie Jenner,Fashion,Modeling,323.3M,United States,7.6M,"
                        "12.3M\n"
                        "Some One,Some One,Fashion,,1M,United States,1K,2K\n");
  ImportRun run = Import(path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 1);
  ASSERT_EQ(run.report.repaired().size(), 1u);
  EXPECT_EQ(run.report.repaired()[0].line, 4);  // the quoted header spans lines 1-3
  EXPECT_NE(run.report.repaired()[0].reason.find("'kyliejenner'"), std::string::npos);
  ASSERT_EQ(run.report.rows_rejected(), 1);
  EXPECT_EQ(run.report.rejected()[0].reason,
            "Influencer insta name: 'Some One' is not a valid instagram username");
  ASSERT_EQ(run.sink.creators.size(), 1u);
  EXPECT_EQ(run.sink.creators[0].handle, "kyliejenner");
  EXPECT_EQ(run.sink.creators[0].display_name, "Kylie Jenner");
  EXPECT_EQ(run.sink.snapshots[0].followers, 323'300'000);
  EXPECT_EQ(run.sink.snapshots[0].authentic_engagement, 7'600'000.0);
  EXPECT_EQ(Extra(run.sink.snapshots[0])["category_2"], "modeling");
}

TEST(Smi2022, UnknownHeaderFailsTheFileListingTheExpectedColumns) {
  testing::TempDir dir;
  auto path = dir.Write("instagram_2022-06.csv", "handle,followers\nx,1\n");
  ImportRun run = Import(path);
  ASSERT_FALSE(run.status.ok());
  EXPECT_EQ(run.status.code(), Code::kInvalidArgument);
  const std::string& m = run.status.message();
  EXPECT_NE(m.find(path.string() + ":1:"), std::string::npos) << m;
  EXPECT_NE(m.find("instagram 2022-06"), std::string::npos) << m;
  EXPECT_NE(m.find("expected [instagram name, influencer name, Category_1"), std::string::npos)
      << m;
  EXPECT_NE(m.find("found [handle, followers]"), std::string::npos) << m;
  EXPECT_EQ(run.report.rows_loaded() + run.report.rows_rejected(), 0);
}

TEST(Smi2022, NameWithoutPlatformAndMonthIsAWholeFileError) {
  testing::TempDir dir;
  auto path = dir.Write("influencers.csv", std::string(kJuneInstagramHeader));
  ImportRun run = Import(path);
  ASSERT_FALSE(run.status.ok());
  EXPECT_NE(run.status.message().find("instagram_2022-06.csv"), std::string::npos);
}

TEST(Smi2022, MatchesByFileNameAndHeader) {
  Format f = Smi2022Format();
  EXPECT_TRUE(f.matches("data/instagram_2022-06.csv", kJuneInstagramHeader));
  EXPECT_TRUE(f.matches("x/tiktok_2022-11.csv", "row-cell,Tiktoker name,Tiktok name,\"\n"));
  EXPECT_TRUE(f.matches("instagram_2022-03_juancos.csv",
                        "Influencer insta name,instagram name,category_1,category_2,Followers,"
                        "Followers Numbers ,Audience country(mostly),\"Authentic engagement\r\n"));
  // The right header under another name, and another month's header under this name.
  EXPECT_FALSE(f.matches("instagram.csv", kJuneInstagramHeader));
  EXPECT_FALSE(f.matches("instagram_2022-09.csv", kJuneInstagramHeader));
  EXPECT_FALSE(f.matches("instagram_2022-06.csv", "rank,channel_info,influence_score\n"));
}

// --- the real files -------------------------------------------------------------------

struct RealFile {
  std::string_view name;
  int64_t loaded;
  int64_t rejected;
  size_t repaired;
};

class Smi2022RealFile : public ::testing::TestWithParam<RealFile> {};

TEST_P(Smi2022RealFile, AccountsForEveryRow) {
  const RealFile& file = GetParam();
  ImportRun run = Import(testing::DataFile("multi/smi2022/" + std::string(file.name)));
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), file.loaded);
  EXPECT_EQ(run.report.rows_rejected(), file.rejected);
  EXPECT_EQ(run.report.repaired().size(), file.repaired);
  for (const RowIssue& issue : run.report.rejected()) {
    // Every reject in the real files is a conflicting duplicate or the one blank row.
    bool known =
        issue.reason.find("with different values; the first is kept") != std::string::npos ||
        issue.reason.find("(the row is blank)") != std::string::npos;
    EXPECT_TRUE(known) << run.report.Describe(issue);
  }
  // One creator and one snapshot per distinct creator, each creator before its snapshot.
  EXPECT_EQ(run.sink.creators.size(), run.sink.snapshots.size());
  EXPECT_EQ(run.report.creators(), static_cast<int64_t>(run.sink.creators.size()));
  EXPECT_EQ(run.report.snapshots(), static_cast<int64_t>(run.sink.snapshots.size()));
  std::vector<std::string> handles;
  for (const Creator& c : run.sink.creators) handles.push_back(c.handle);
  std::sort(handles.begin(), handles.end());
  EXPECT_EQ(std::adjacent_find(handles.begin(), handles.end()), handles.end());
}

// Loaded = distinct creators + identical duplicates (each identical duplicate is one
// repair); rejected = duplicates with different values (+ tiktok November's blank row).
INSTANTIATE_TEST_SUITE_P(Smi2022Files, Smi2022RealFile,
                         ::testing::Values(RealFile{"instagram_2022-03_juancos.csv", 997, 3, 0},
                                           RealFile{"instagram_2022-03_original.csv", 997, 3, 2},
                                           RealFile{"instagram_2022-06.csv", 1006, 16, 27},
                                           RealFile{"instagram_2022-09.csv", 1041, 9, 58},
                                           RealFile{"instagram_2022-11.csv", 1000, 0, 2},
                                           RealFile{"tiktok_2022-03.csv", 998, 2, 11},
                                           RealFile{"tiktok_2022-06.csv", 1005, 2, 15},
                                           RealFile{"tiktok_2022-09.csv", 998, 2, 2},
                                           RealFile{"tiktok_2022-11.csv", 997, 4, 14},
                                           RealFile{"youtube_2022-03.csv", 999, 1, 1},
                                           RealFile{"youtube_2022-06.csv", 1020, 1, 21},
                                           RealFile{"youtube_2022-09.csv", 1046, 1, 47},
                                           RealFile{"youtube_2022-11.csv", 999, 1, 1}),
                         [](const ::testing::TestParamInfo<RealFile>& info) {
                           std::string name(info.param.name.substr(0, info.param.name.find('.')));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(Smi2022RealData, JuneInstagramKnownValues) {
  ImportRun run = Import(testing::DataFile("multi/smi2022/instagram_2022-06.csv"));
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  const Snapshot* s = FindSnapshot(run, "433");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->followers, 50'700'000);
  EXPECT_EQ(s->authentic_engagement, 274'900.0);
  EXPECT_EQ(Extra(*s)["audience_country"], "Spain");
  EXPECT_EQ(Extra(*s)["avg_engagement"], 456'700.0);
  const Creator* c = FindCreator(run, "____kimwoobin");
  ASSERT_NE(c, nullptr);
  // The file stores Hangul decomposed (NFD jamo), and it is kept as written.
  EXPECT_EQ(c->display_name,
            "\xE1\x84\x80\xE1\x85\xB5\xE1\x86\xB7\xE1\x84\x8B\xE1\x85\xAE\xE1\x84\x87"
            "\xE1\x85\xB5\xE1\x86\xAB");
  EXPECT_EQ(c->niche, "lifestyle");
}

TEST(Smi2022RealData, YoutubeHandleColumnMovesBetweenMonths) {
  for (std::string_view file : {"youtube_2022-03.csv", "youtube_2022-06.csv", "youtube_2022-09.csv",
                                "youtube_2022-11.csv"}) {
    ImportRun run = Import(testing::DataFile("multi/smi2022/" + std::string(file)));
    ASSERT_TRUE(run.status.ok()) << run.status.ToString();
    const Creator* c = FindCreator(run, "pewdiepie");
    ASSERT_NE(c, nullptr) << file;
    EXPECT_EQ(c->display_name, "PewDiePie") << file;
    EXPECT_EQ(c->platform, Platform::kYouTube);
  }
  ImportRun run = Import(testing::DataFile("multi/smi2022/youtube_2022-09.csv"));
  const Creator* c = FindCreator(run, "tseries");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->display_name, "T-Series");
  EXPECT_EQ(c->niche, "music & dance");
  EXPECT_EQ(FindSnapshot(run, "tseries")->followers, 224'400'000);
  EXPECT_EQ(FindSnapshot(run, "tseries")->avg_likes, 4'600.0);
}

TEST(Smi2022RealData, BothMarchInstagramReleasesGiveTheSameRecords) {
  ImportRun edited = Import(testing::DataFile("multi/smi2022/instagram_2022-03_juancos.csv"));
  ImportRun original = Import(testing::DataFile("multi/smi2022/instagram_2022-03_original.csv"));
  ASSERT_TRUE(edited.status.ok()) << edited.status.ToString();
  ASSERT_TRUE(original.status.ok()) << original.status.ToString();
  ASSERT_EQ(edited.sink.snapshots.size(), original.sink.snapshots.size());
  auto key = [](const Snapshot& s) {
    return std::tuple(s.creator_handle, s.source, s.taken_at, s.followers, s.authentic_engagement,
                      s.extra_json);
  };
  for (size_t i = 0; i < edited.sink.snapshots.size(); ++i) {
    EXPECT_EQ(key(edited.sink.snapshots[i]), key(original.sink.snapshots[i])) << i;
  }
  for (size_t i = 0; i < edited.sink.creators.size(); ++i) {
    EXPECT_EQ(edited.sink.creators[i].handle, original.sink.creators[i].handle);
    EXPECT_EQ(edited.sink.creators[i].niche, original.sink.creators[i].niche);
  }
  EXPECT_NE(FindCreator(original, "kyliejenner"), nullptr);
  EXPECT_NE(FindCreator(original, "therock"), nullptr);
}

}  // namespace
}  // namespace sphere::ingest
