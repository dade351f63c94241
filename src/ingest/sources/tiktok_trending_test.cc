#include <gtest/gtest.h>

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "core/time.h"
#include "ingest/formats.h"
#include "ingest/sources/import_test_util.h"
#include "testing/testing.h"

namespace sphere::ingest {
namespace {

ImportRun<> Import(const std::filesystem::path& path) {
  return RunFormat(TikTokTrendingFormat(), path);
}

// A video as tiktok-scraper writes it, with `override` merged over the defaults.
nlohmann::json Video(const nlohmann::json& override = nlohmann::json::object()) {
  nlohmann::json video = {
      {"id", "6907228749016714497"},
      {"text", "Iphone bend test #tiktok @friend"},
      {"createTime", 1608214517},
      {"authorMeta",
       {{"id", "6825540583826768902"},
        {"name", "NinaKleij"},
        {"nickName", "Nina"},
        {"verified", false}}},
      {"musicMeta",
       {{"musicId", "6790057285814061057"},
        {"musicName", "Element"},
        {"musicAuthor", "Pop Smoke"},
        {"musicOriginal", false}}},
      {"webVideoUrl", "https://www.tiktok.com/@ninakleij/video/6907228749016714497"},
      {"videoUrl", "https://v77.tiktokcdn.com/x/?a=1233&br=2830&l=2020122115574701019020909&vr="},
      {"videoMeta", {{"height", 1024}, {"width", 576}, {"duration", 15}}},
      {"diggCount", 3710},
      {"shareCount", 50},
      {"playCount", 44800},
      {"commentCount", 68},
      {"mentions", {"@friend"}},
      {"hashtags", {{{"id", "23428"}, {"name", "tiktok"}, {"title", ""}}}},
  };
  video.merge_patch(override);
  return video;
}

// `videos` is a list, not a json: a one-element braced json would collapse to its element.
std::filesystem::path WriteCollector(const testing::TempDir& dir,
                                     std::initializer_list<nlohmann::json> videos) {
  nlohmann::json file = {{"collector", nlohmann::json::array()}, {"zip", "trend"}};
  for (const nlohmann::json& video : videos) file["collector"].push_back(video);
  return dir.Write("trending.json", file.dump());
}

TEST(TikTokTrending, VideoBecomesAPostAfterItsAuthor) {
  testing::TempDir dir;
  ImportRun run = Import(WriteCollector(dir, {Video()}));
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 1);
  ASSERT_EQ(run.sink.creators.size(), 1u);
  const Creator& c = run.sink.creators[0];
  EXPECT_EQ(c.platform, Platform::kTikTok);
  EXPECT_EQ(c.handle, "ninakleij");
  EXPECT_EQ(c.display_name, "Nina");
  EXPECT_EQ(c.verified, false);
  EXPECT_FALSE(c.followers.has_value());
  EXPECT_EQ(c.source, "tiktok_trending");
  const UnixSeconds crawl = DaysFromCivil(2020, 12, 21) + 15 * 3600 + 57 * 60 + 47;
  EXPECT_EQ(c.stats_as_of, crawl);
  ASSERT_EQ(run.sink.posts.size(), 1u);
  const Post& p = run.sink.posts[0];
  EXPECT_EQ(p.platform, Platform::kTikTok);
  EXPECT_EQ(p.creator_handle, "ninakleij");
  EXPECT_EQ(p.external_id, "6907228749016714497");
  EXPECT_EQ(p.posted_at, 1608214517);
  EXPECT_EQ(p.media_type, MediaType::kVideo);
  EXPECT_EQ(p.caption, "Iphone bend test #tiktok @friend");
  EXPECT_EQ(p.likes, 3710);
  EXPECT_EQ(p.comments, 68);
  EXPECT_EQ(p.shares, 50);
  EXPECT_EQ(p.views, 44800);
  EXPECT_EQ(p.width, 576);
  EXPECT_EQ(p.height, 1024);
  EXPECT_EQ(p.observed_at, crawl);
  EXPECT_EQ(p.source, "tiktok_trending");
  nlohmann::json extra = nlohmann::json::parse(p.extra_json);
  EXPECT_EQ(extra["duration_s"], 15);
  EXPECT_EQ(extra["music"]["id"], "6790057285814061057");
  EXPECT_EQ(extra["music"]["name"], "Element");
  EXPECT_EQ(extra["music"]["author"], "Pop Smoke");
  EXPECT_EQ(extra["music"]["original"], false);
  EXPECT_EQ(extra["hashtags"], nlohmann::json::array({"tiktok"}));
  EXPECT_EQ(extra["mentions"], nlohmann::json::array({"@friend"}));
  EXPECT_EQ(extra["author_id"], "6825540583826768902");
}

TEST(TikTokTrending, AuthorIsEmittedOnceForManyVideos) {
  testing::TempDir dir;
  ImportRun run = Import(WriteCollector(
      dir, {Video(), Video({{"id", "2"}}), Video({{"id", "3"}, {"authorMeta", {{"name", "b"}}}})}));
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 3);
  ASSERT_EQ(run.sink.creators.size(), 2u);
  EXPECT_EQ(run.sink.creators[0].handle, "ninakleij");
  EXPECT_EQ(run.sink.creators[1].handle, "b");
  EXPECT_EQ(run.report.creators(), 2);
  EXPECT_EQ(run.report.posts(), 3);
}

TEST(TikTokTrending, BareArrayIsReadToo) {
  testing::TempDir dir;
  auto path = dir.Write("videos.json", nlohmann::json::array({Video()}).dump(2));
  ImportRun run = Import(path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 1);
  EXPECT_EQ(run.sink.posts.size(), 1u);
}

TEST(TikTokTrending, BadElementsAreRejectedNamingElementAndField) {
  testing::TempDir dir;
  nlohmann::json no_author = Video({{"id", "5"}});
  no_author["authorMeta"].erase("name");
  ImportRun run = Import(WriteCollector(dir, {
                                                 Video(),
                                                 Video({{"id", "2"}, {"diggCount", "12"}}),
                                                 "not a video",
                                                 Video({{"id", "4"}, {"playCount", -1}}),
                                                 no_author,
                                                 Video({{"id", "6"}, {"videoMeta", 3}}),
                                                 Video(),  // the same id as element 1
                                                 Video({{"id", "8"}, {"createTime", 1.5}}),
                                                 Video({{"id", nullptr}}),
                                             }));
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 1);
  ASSERT_EQ(run.report.rows_rejected(), 8);
  const auto& r = run.report.rejected();
  EXPECT_EQ(r[0].line, 2);
  EXPECT_EQ(r[0].reason, "element 2: diggCount: not an integer");
  EXPECT_EQ(r[1].reason, "element 3: not an object");
  EXPECT_EQ(r[2].reason, "element 4: playCount: -1 is negative");
  EXPECT_EQ(r[3].reason, "element 5: authorMeta.name: missing");
  EXPECT_EQ(r[4].reason, "element 6: videoMeta: not an object");
  EXPECT_EQ(r[5].reason,
            "element 7: id: 6907228749016714497 is a duplicate of element 1; the first is kept");
  EXPECT_EQ(r[6].reason, "element 8: createTime: not an integer");
  EXPECT_EQ(r[7].line, 9);
  EXPECT_EQ(r[7].reason, "element 9: id: missing");
  EXPECT_EQ(run.sink.posts.size(), 1u);
}

TEST(TikTokTrending, InvalidJsonFailsTheFile) {
  testing::TempDir dir;
  auto path = dir.Write("trending.json", "{\"collector\": [{\"id\": \"1\",");
  ImportRun run = Import(path);
  ASSERT_FALSE(run.status.ok());
  EXPECT_EQ(run.status.code(), Code::kInvalidArgument);
  EXPECT_NE(run.status.message().find("not valid JSON"), std::string::npos);
}

TEST(TikTokTrending, ObjectWithoutCollectorFailsTheFile) {
  testing::TempDir dir;
  auto path = dir.Write("trending.json", "{\"videos\": []}");
  ImportRun run = Import(path);
  ASSERT_FALSE(run.status.ok());
  EXPECT_NE(run.status.message().find("\"collector\""), std::string::npos);
}

TEST(TikTokTrending, MatchesScraperOutput) {
  Format f = TikTokTrendingFormat();
  EXPECT_TRUE(f.matches("trending_1000.json", "{\"collector\": [{\"id\": \"1\""));
  EXPECT_TRUE(f.matches("t.json", "[{\"id\": \"1\", \"authorMeta\": {}}]"));
  EXPECT_FALSE(f.matches("t.jsonl", "{\"collector\": []}"));
  EXPECT_FALSE(f.matches("t.json", "{\"kind\": \"creator\"}"));
}

TEST(TikTokTrendingRealData, AccountsForEveryVideo) {
  ImportRun run = Import(testing::DataFile("tiktok/trending_1000.json"));
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 1000);
  EXPECT_EQ(run.report.rows_rejected(), 0);
  EXPECT_TRUE(run.report.repaired().empty());
  EXPECT_EQ(run.sink.posts.size(), 1000u);
  EXPECT_EQ(run.sink.creators.size(), 802u);
  std::set<std::string> emitted;
  for (const Creator& c : run.sink.creators) emitted.insert(c.handle);
  EXPECT_EQ(emitted.size(), 802u);

  const Post& first = run.sink.posts.at(0);
  EXPECT_EQ(first.external_id, "6907228749016714497");
  EXPECT_EQ(first.creator_handle, "ninakleij");
  EXPECT_EQ(first.caption, "Confidence went \xF0\x9F\x93\x88");
  EXPECT_EQ(first.likes, 3710);
  EXPECT_EQ(first.views, 44800);
  EXPECT_EQ(first.width, 576);
  for (const Post& p : run.sink.posts) {
    ASSERT_TRUE(p.observed_at.has_value()) << p.external_id;
    ASSERT_TRUE(p.posted_at.has_value()) << p.external_id;
    EXPECT_GT(*p.observed_at, *p.posted_at) << p.external_id;
    EXPECT_EQ(FormatIsoDate(*p.observed_at), "2020-12-21");
  }
}

}  // namespace
}  // namespace sphere::ingest
