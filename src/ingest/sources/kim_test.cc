#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/time.h"
#include "ingest/collecting_sink.h"
#include "ingest/formats.h"
#include "ingest/sources/import_test_util.h"
#include "ingest/text_input.h"
#include "testing/testing.h"

namespace sphere::ingest {
namespace {

const char* const kCrawl = "2019-05-16T00:00:00Z";

// The header of the bundled kim_posts.csv.gz.
const std::string kPostHeader =
    "influencer,file,shortcode,post_id,owner_username,owner_id,owner_is_verified,"
    "taken_at_timestamp,typename,is_video,video_view_count,n_carousel,likes,comments,"
    "comments_disabled,caption,caption_is_edited,n_sponsor_users,sponsor_users,n_tagged_users,"
    "location_name,accessibility_caption,width,height,is_ad,owner_differs,inf_category,"
    "inf_followers,inf_followees,inf_posts,dup_shortcode";

std::vector<std::string> PostColumns() {
  std::vector<std::string> columns;
  size_t start = 0;
  for (size_t comma; (comma = kPostHeader.find(',', start)) != std::string::npos;
       start = comma + 1) {
    columns.push_back(kPostHeader.substr(start, comma - start));
  }
  columns.push_back(kPostHeader.substr(start));
  return columns;
}

std::string Quoted(const std::string& cell) {
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// One CSV line of the post table: a plausible row, with `changes` applied by column name.
std::string PostLine(const std::map<std::string, std::string>& changes) {
  std::map<std::string, std::string> cells = {
      {"influencer", "anna"},
      {"file", "anna-1.info"},
      {"shortcode", "BjKrc4GF9-u"},
      {"post_id", "1"},
      {"owner_username", "anna"},
      {"owner_id", "10"},
      {"owner_is_verified", "True"},
      {"taken_at_timestamp", "1527179228"},
      {"typename", "GraphImage"},
      {"is_video", "False"},
      {"video_view_count", ""},
      {"n_carousel", "0"},
      {"likes", "1013"},
      {"comments", "27"},
      {"comments_disabled", "False"},
      {"caption", "Hello #world"},
      {"caption_is_edited", "True"},
      {"n_sponsor_users", "0"},
      {"sponsor_users", ""},
      {"n_tagged_users", "3"},
      {"location_name", "Versailles, France"},
      {"accessibility_caption", "Image may contain: 1 person"},
      {"width", "1080"},
      {"height", "959"},
      {"is_ad", "False"},
      {"owner_differs", "0"},
      {"inf_category", "interior"},
      {"inf_followers", "18583"},
      {"inf_followees", "523"},
      {"inf_posts", "487"},
      {"dup_shortcode", "0"}};
  for (const auto& [column, value] : changes) {
    EXPECT_TRUE(cells.contains(column)) << column;
    cells[column] = value;
  }
  std::vector<std::string> columns = PostColumns();
  EXPECT_EQ(columns.size(), cells.size());
  std::string line;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) line += ',';
    line += Quoted(cells[columns[i]]);
  }
  return line + "\r\n";
}

std::string PostHeader() { return kPostHeader + "\r\n"; }

// Records the order of everything accepted, and checks that no post arrives before its
// creator.
class OrderSink : public CollectingSink {
 public:
  Status Accept(Creator creator) override {
    order.push_back("creator:" + creator.handle);
    seen.insert(creator.handle);
    return CollectingSink::Accept(std::move(creator));
  }
  Status Accept(Post post) override {
    EXPECT_TRUE(seen.contains(post.creator_handle))
        << "post before its creator: " << post.external_id;
    order.push_back("post:" + post.external_id);
    return CollectingSink::Accept(std::move(post));
  }
  std::vector<std::string> order;
  std::set<std::string> seen;
};

ImportRun<OrderSink> Import(const Format& format, const std::filesystem::path& path) {
  return RunFormat<OrderSink>(format, path);
}

TEST(KimPosts, LoadsAPostAndItsCreator) {
  testing::TempDir dir;
  auto path = dir.Write("posts.csv", PostHeader() + PostLine({{"influencer", " Anna "},
                                                              {"caption", "line one\nline \"two\""},
                                                              {"n_sponsor_users", "1"},
                                                              {"sponsor_users", "Levis"}}));
  auto run = Import(KimPostsFormat(), path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 1);
  EXPECT_EQ(run.report.rows_rejected(), 0);
  EXPECT_EQ(run.report.creators(), 1);
  EXPECT_EQ(run.report.posts(), 1);
  ASSERT_EQ(run.sink.creators.size(), 1u);
  ASSERT_EQ(run.sink.posts.size(), 1u);

  const Creator& c = run.sink.creators[0];
  EXPECT_EQ(c.platform, Platform::kInstagram);
  EXPECT_EQ(c.handle, "anna");
  EXPECT_EQ(c.niche, "interior");
  EXPECT_EQ(c.followers, 18583);
  EXPECT_EQ(c.following, 523);
  EXPECT_EQ(c.posts_count, 487);
  EXPECT_EQ(c.verified, true);
  EXPECT_EQ(FormatIsoTime(c.stats_as_of), kCrawl);
  EXPECT_EQ(c.source, "kim_posts");

  const Post& p = run.sink.posts[0];
  EXPECT_EQ(p.creator_handle, "anna");
  EXPECT_EQ(p.external_id, "BjKrc4GF9-u");
  EXPECT_EQ(p.posted_at, 1527179228);
  EXPECT_EQ(p.media_type, MediaType::kImage);
  EXPECT_EQ(p.caption, "line one\nline \"two\"");
  EXPECT_EQ(p.likes, 1013);
  EXPECT_EQ(p.comments, 27);
  EXPECT_EQ(p.views, std::nullopt);
  EXPECT_TRUE(p.sponsored);
  EXPECT_EQ(p.image_description, "Image may contain: 1 person");
  EXPECT_EQ(p.width, 1080);
  EXPECT_EQ(p.height, 959);
  EXPECT_EQ(p.location, "Versailles, France");
  ASSERT_TRUE(p.observed_at.has_value());
  EXPECT_EQ(FormatIsoTime(*p.observed_at), kCrawl);
  EXPECT_EQ(p.source, "kim_posts");
  EXPECT_EQ(nlohmann::json::parse(p.extra_json), nlohmann::json::parse(R"({
      "n_carousel": 0, "comments_disabled": false, "caption_is_edited": true,
      "n_tagged_users": 3, "sponsor_users": ["levis"], "owner_username": "anna",
      "owner_differs": false})"));
}

TEST(KimPosts, ExtraJsonIsEscapedAndKeepsVideoViews) {
  testing::TempDir dir;
  auto path = dir.Write("posts.csv", PostHeader() + PostLine({{"owner_username", "anna\"\\x"},
                                                              {"is_video", "True"},
                                                              {"video_view_count", "5120"}}));
  auto run = Import(KimPostsFormat(), path);
  ASSERT_TRUE(run.status.ok());
  ASSERT_EQ(run.sink.posts.size(), 1u);
  const Post& p = run.sink.posts[0];
  EXPECT_EQ(p.media_type, MediaType::kVideo);
  EXPECT_EQ(p.views, 5120);
  nlohmann::json extra = nlohmann::json::parse(p.extra_json);
  EXPECT_EQ(extra["owner_username"], "anna\"\\x");
  EXPECT_EQ(extra["video_view_count"], 5120);
}

struct MediaCase {
  std::string typename_;
  std::string is_video;
  MediaType expected;
};

TEST(KimPosts, MediaTypeFollowsTypenameAndIsVideo) {
  const MediaCase cases[] = {{"GraphImage", "False", MediaType::kImage},
                             {"GraphSidecar", "False", MediaType::kCarousel},
                             {"GraphVideo", "False", MediaType::kVideo},
                             {"GraphSidecar", "True", MediaType::kVideo},
                             {"GraphImage", "", MediaType::kImage}};
  for (const MediaCase& m : cases) {
    testing::TempDir dir;
    auto run = Import(KimPostsFormat(),
                      dir.Write("p.csv", PostHeader() + PostLine({{"typename", m.typename_},
                                                                  {"is_video", m.is_video}})));
    ASSERT_TRUE(run.status.ok());
    ASSERT_EQ(run.sink.posts.size(), 1u) << m.typename_;
    EXPECT_EQ(run.sink.posts[0].media_type, m.expected) << m.typename_ << " " << m.is_video;
  }
}

TEST(KimPosts, SponsoredByPaidPartnershipOrAdFlag) {
  testing::TempDir dir;
  auto run =
      Import(KimPostsFormat(),
             dir.Write("p.csv", PostHeader() + PostLine({{"shortcode", "A1"}}) +
                                    PostLine({{"shortcode", "A2"}, {"is_ad", "True"}}) +
                                    PostLine({{"shortcode", "A3"}, {"n_sponsor_users", "2"}})));
  ASSERT_TRUE(run.status.ok());
  ASSERT_EQ(run.sink.posts.size(), 3u);
  EXPECT_FALSE(run.sink.posts[0].sponsored);
  EXPECT_TRUE(run.sink.posts[1].sponsored);
  EXPECT_TRUE(run.sink.posts[2].sponsored);
}

TEST(KimPosts, EmitsEachCreatorOnceBeforeItsFirstPost) {
  testing::TempDir dir;
  auto run = Import(
      KimPostsFormat(),
      dir.Write(
          "p.csv",
          PostHeader() + PostLine({{"shortcode", "A1"}}) +
              PostLine({{"shortcode", "A2"}, {"inf_followers", "99"}}) +
              PostLine({{"shortcode", "B1"}, {"influencer", "bob"}, {"owner_username", "bob"}})));
  ASSERT_TRUE(run.status.ok());
  EXPECT_EQ(run.sink.order, (std::vector<std::string>{"creator:anna", "post:A1", "post:A2",
                                                      "creator:bob", "post:B1"}));
  EXPECT_EQ(run.sink.creators[0].followers, 18583);  // the first row's profile
  EXPECT_EQ(run.report.creators(), 2);
  EXPECT_EQ(run.report.posts(), 3);
}

TEST(KimPosts, RejectsBrokenRowsWithLineAndField) {
  testing::TempDir dir;
  std::string short_row = PostLine({{"shortcode", "S1"}});
  short_row = short_row.substr(0, short_row.rfind(',')) + "\r\n";  // drop the last column
  auto path =
      dir.Write("p.csv",
                PostHeader() +                                                      // 1
                    PostLine({{"shortcode", "OK1"}, {"caption", "two\nlines"}}) +   // 2-3
                    PostLine({{"shortcode", "L1"}, {"likes", "12x"}}) +             // 4
                    "\r\n" +                                                        // 5 (blank)
                    PostLine({{"shortcode", "I1"}, {"influencer", ""}}) +           // 6
                    PostLine({{"shortcode", "I2"}, {"influencer", "has space"}}) +  // 7
                    short_row +                                                     // 8
                    PostLine({{"shortcode", "T1"}, {"typename", "GraphReel"}}) +    // 9
                    PostLine({{"shortcode", "C1"}, {"inf_category", "sports"}}) +   // 10
                    PostLine({{"shortcode", "F1"}, {"taken_at_timestamp", "1600000000"}}) +  // 11
                    PostLine({{"shortcode", ""}}) +                                          // 12
                    PostLine({{"shortcode", "X/1"}}) +                                       // 13
                    PostLine({{"shortcode", "N1"}, {"comments", "-4"}}) +                    // 14
                    PostLine({{"shortcode", "B1"}, {"comments_disabled", "maybe"}}) +        // 15
                    PostLine({{"shortcode", "OK2"}, {"caption", "a\n\nb"}}) +  // 16-18
                    PostLine({{"shortcode", "M1"}, {"likes", ""}}));           // 19
  auto run = Import(KimPostsFormat(), path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 2);
  EXPECT_EQ(
      Issues(run.report.rejected()),
      (IssueList{
          {4, "likes: '12x' is not an integer"},
          {6, "influencer: missing"},
          {7, "influencer: 'has space' is not an Instagram username (only a-z, 0-9, '.', '_')"},
          {8, "row has 30 fields; the header has 31"},
          {9, "typename: 'GraphReel' is not GraphImage, GraphSidecar or GraphVideo"},
          {10, "inf_category: 'sports' is not a Kim category"},
          {11, "taken_at_timestamp: '1600000000' is after the crawl (2019-05-16T00:00:00Z)"},
          {12, "shortcode: missing"},
          {13, "shortcode: 'X/1' is not an Instagram shortcode"},
          {14, "comments: '-4' is negative"},
          {15, "comments_disabled: 'maybe' is not True or False"},
          {19, "likes: missing"},
      }));
  ASSERT_EQ(run.sink.posts.size(), 2u);
  EXPECT_EQ(run.sink.posts[1].external_id, "OK2");
  EXPECT_EQ(run.sink.posts[1].caption, "a\n\nb");
}

TEST(KimPosts, OwnersCopyOfADuplicatedPostWinsWhereverItIs) {
  testing::TempDir dir;
  auto path = dir.Write(
      "p.csv",
      PostHeader() +
          // 2: bob's post filed under anna as well; bob's own copy comes later.
          PostLine({{"shortcode", "DUP1"}, {"owner_username", "bob"}, {"owner_differs", "1"}}) +
          // 3: anna's own post, then 4: the same post filed under carl.
          PostLine({{"shortcode", "DUP2"}}) +
          PostLine({{"shortcode", "DUP2"}, {"influencer", "carl"}, {"owner_differs", "1"}}) +
          // 5: bob's copy of DUP1.
          PostLine({{"shortcode", "DUP1"},
                    {"influencer", "bob"},
                    {"owner_username", "bob"},
                    {"likes", "7"}}) +
          // 6: a renamed account: every post differs, nothing else claims it.
          PostLine({{"shortcode", "REN1"},
                    {"influencer", "dora"},
                    {"owner_username", "dora2"},
                    {"owner_differs", "1"}}) +
          // 7: the same post twice under its owner.
          PostLine({{"shortcode", "DUP2"}, {"likes", "1"}}));
  auto run = Import(KimPostsFormat(), path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 3);
  EXPECT_EQ(Issues(run.report.rejected()),
            (IssueList{
                {4, "shortcode 'DUP2' repeats line 3, loaded under 'anna'"},
                {2,
                 "shortcode 'DUP1' is also at line 5, filed under its owner 'bob', which is "
                 "loaded instead"},
                {7, "shortcode 'DUP2' repeats line 3, loaded under 'anna'"},
            }));
  // Posts filed under someone else wait for the end of the file.
  EXPECT_EQ(run.sink.order, (std::vector<std::string>{"creator:anna", "post:DUP2", "creator:bob",
                                                      "post:DUP1", "creator:dora", "post:REN1"}));
  EXPECT_EQ(run.sink.posts[1].creator_handle, "bob");
  EXPECT_EQ(run.sink.posts[1].likes, 7);
  // The verified flag describes the owner, not necessarily the creator it is filed under.
  EXPECT_EQ(run.sink.creators[2].handle, "dora");
  EXPECT_EQ(run.sink.creators[2].verified, std::nullopt);
  nlohmann::json extra = nlohmann::json::parse(run.sink.posts[2].extra_json);
  EXPECT_EQ(extra["owner_username"], "dora2");
  EXPECT_EQ(extra["owner_differs"], true);
}

TEST(KimPosts, RepairsKnownCategoryDamageAndNotesIt) {
  testing::TempDir dir;
  auto path = dir.Write(
      "p.csv",
      PostHeader() +
          PostLine({{"shortcode", "G1"}, {"influencer", "gio"}, {"inf_category", "fashion 0.5"}}) +
          PostLine({{"shortcode", "G2"},
                    {"influencer", "gio"},
                    {"inf_category", "fashion 0.5"},
                    {"likes", "bad"}}) +
          // The same spelling under another name is not known damage.
          PostLine({{"shortcode", "X1"}, {"influencer", "xena"}, {"inf_category", "fasion"}}));
  auto run = Import(KimPostsFormat(), path);
  ASSERT_TRUE(run.status.ok());
  ASSERT_EQ(run.sink.creators.size(), 1u);
  EXPECT_EQ(run.sink.creators[0].niche, "fashion");
  // Only loaded rows carry repair notes.
  EXPECT_EQ(
      Issues(run.report.repaired()),
      (IssueList{{2, "category of 'gio': 'fashion 0.5' repaired to 'fashion' (known damage)"}}));
  EXPECT_EQ(Issues(run.report.rejected()),
            (IssueList{{3, "likes: 'bad' is not an integer"},
                       {4, "inf_category: 'fasion' is not a Kim category"}}));
}

TEST(KimPosts, MissingColumnFailsTheWholeFile) {
  testing::TempDir dir;
  std::string header = PostHeader();
  header.replace(header.find("likes"), 5, "lykes");
  auto path = dir.Write("p.csv", header + PostLine({}));
  auto run = Import(KimPostsFormat(), path);
  EXPECT_EQ(run.status.code(), Code::kInvalidArgument);
  EXPECT_EQ(run.status.message(), path.string() + ":1: missing column likes");
  EXPECT_TRUE(run.sink.posts.empty());

  auto empty = Import(KimPostsFormat(), dir.Write("empty.csv", ""));
  EXPECT_EQ(empty.status.code(), Code::kInvalidArgument);
  auto missing = Import(KimPostsFormat(), dir.path() / "absent.csv.gz");
  EXPECT_EQ(missing.status.code(), Code::kUnavailable);
}

TEST(KimPosts, UnterminatedQuoteFailsTheFileAtItsLine) {
  testing::TempDir dir;
  auto path = dir.Write("p.csv", PostHeader() + PostLine({}) + "anna,\"never closed\r\n");
  auto run = Import(KimPostsFormat(), path);
  EXPECT_EQ(run.status.code(), Code::kInvalidArgument);
  EXPECT_NE(run.status.message().find("p.csv:3: unterminated quoted field"), std::string::npos)
      << run.status.message();
}

// ---- kim_influencers.txt -----------------------------------------------------------

const std::string kTsvHeader =
    "Username\tCategory\t#Followers\t#Followees\t#Posts\n"
    "=======================================================================\n";

TEST(KimInfluencers, LoadsCreatorsAndRepairsTheKnownDamage) {
  testing::TempDir dir;
  auto path = dir.Write("inf.txt", kTsvHeader +
                                       "makeupbynvs\tby\t1432\t1089\t363\n"                 // 3
                                       "jaquelinevandoskiauty\tbeauty\t137600\t548\t569\n"  // 4
                                       "\n"                                                 // 5
                                       "Cina\tfasion\t10\t20\t30\r\n"                       // 6
                                       "gio\tfashion 0.5\t1\t2\t3\n"                        // 7
                                       "sara_agos\tother\t1277\t790\t311");                 // 8
  auto run = Import(KimInfluencersFormat(), path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 5);
  EXPECT_EQ(run.report.rows_rejected(), 0);
  EXPECT_EQ(run.report.creators(), 5);
  EXPECT_EQ(
      Issues(run.report.repaired()),
      (IssueList{
          {3, "category of 'makeupbynvs': 'by' repaired to 'beauty' (known damage)"},
          {4, "username 'jaquelinevandoskiauty' repaired to 'jaquelinevandoski' (known damage)"},
          {6, "category of 'cina': 'fasion' repaired to 'fashion' (known damage)"},
          {7, "category of 'gio': 'fashion 0.5' repaired to 'fashion' (known damage)"},
      }));
  const auto& c = run.sink.creators;
  ASSERT_EQ(c.size(), 5u);
  EXPECT_EQ(c[0].handle, "makeupbynvs");
  EXPECT_EQ(c[0].niche, "beauty");
  EXPECT_EQ(c[0].followers, 1432);
  EXPECT_EQ(c[0].following, 1089);
  EXPECT_EQ(c[0].posts_count, 363);
  EXPECT_EQ(c[0].verified, std::nullopt);
  EXPECT_EQ(c[0].source, "kim_influencers");
  EXPECT_EQ(FormatIsoTime(c[0].stats_as_of), kCrawl);
  EXPECT_EQ(c[1].handle, "jaquelinevandoski");
  EXPECT_EQ(c[1].niche, "beauty");
  EXPECT_EQ(c[2].handle, "cina");
  EXPECT_EQ(c[2].niche, "fashion");
  EXPECT_EQ(c[3].niche, "fashion");
  EXPECT_EQ(c[4].handle, "sara_agos");
  EXPECT_EQ(c[4].posts_count, 311);
}

TEST(KimInfluencers, RejectsMalformedRowsWithLineAndField) {
  testing::TempDir dir;
  auto path = dir.Write("inf.txt", kTsvHeader +
                                       "ok_one\tfood\t1\t2\t3\n"     // 3
                                       "bad_num\tfood\t12x\t2\t3\n"  // 4
                                       "short\tfood\t1\t2\n"         // 5
                                       "a b\tfood\t1\t2\t3\n"        // 6
                                       "\tfood\t1\t2\t3\n"           // 7
                                       "odd\tsports\t1\t2\t3\n"      // 8
                                       "OK_ONE\tpet\t1\t2\t3\n"      // 9
                                       "=====\n"                     // 10
                                       "neg\tpet\t-1\t2\t3\n"        // 11
                                       "nolabel\t\t5\t\t\n");        // 12
  auto run = Import(KimInfluencersFormat(), path);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 2);
  EXPECT_EQ(Issues(run.report.rejected()),
            (IssueList{
                {4, "#Followers: '12x' is not an integer"},
                {5, "row has 4 fields; the header has 5 (tab-separated)"},
                {6, "Username: 'a b' is not an Instagram username (only a-z, 0-9, '.', '_')"},
                {7, "Username: missing"},
                {8, "Category: 'sports' is not a Kim category"},
                {9, "Username: 'ok_one' repeats line 3"},
                {10, "row has 1 fields; the header has 5 (tab-separated)"},
                {11, "#Followers: '-1' is negative"},
            }));
  // A row without a label or counts is still a creator.
  ASSERT_EQ(run.sink.creators.size(), 2u);
  EXPECT_EQ(run.sink.creators[1].handle, "nolabel");
  EXPECT_EQ(run.sink.creators[1].niche, std::nullopt);
  EXPECT_EQ(run.sink.creators[1].followers, 5);
  EXPECT_EQ(run.sink.creators[1].following, std::nullopt);
}

TEST(KimInfluencers, MissingColumnFailsTheWholeFile) {
  testing::TempDir dir;
  auto path = dir.Write("inf.txt", "Username\tCategory\t#Followers\t#Posts\nx\tfood\t1\t2\n");
  auto run = Import(KimInfluencersFormat(), path);
  EXPECT_EQ(run.status.code(), Code::kInvalidArgument);
  EXPECT_EQ(run.status.message(), path.string() + ":1: missing column #Followees");
}

TEST(KimFormats, RecogniseOnlyTheirOwnHeaders) {
  const std::string posts = PostHeader();
  const std::string influencers = "Username\tCategory\t#Followers\t#Followees\t#Posts\r\n";
  EXPECT_TRUE(KimPostsFormat().matches("kim_posts.csv.gz", posts));
  EXPECT_FALSE(KimPostsFormat().matches("x", influencers));
  EXPECT_TRUE(KimInfluencersFormat().matches("kim_influencers.txt", influencers));
  EXPECT_FALSE(KimInfluencersFormat().matches("x", posts));
  EXPECT_FALSE(
      KimInfluencersFormat().matches("x", "Username,Category,#Followers,#Followees,#Posts"));
}

TEST(KimPosts, ReimportYieldsIdenticalRecords) {
  testing::TempDir dir;
  auto path =
      dir.Write("p.csv", PostHeader() + PostLine({{"shortcode", "D1"}, {"owner_differs", "1"}}) +
                             PostLine({{"shortcode", "A1"}}) + PostLine({{"shortcode", "D1"}}));
  auto first = Import(KimPostsFormat(), path);
  auto second = Import(KimPostsFormat(), path);
  EXPECT_EQ(first.sink.order, second.sink.order);
  ASSERT_EQ(first.sink.posts.size(), second.sink.posts.size());
  for (size_t i = 0; i < first.sink.posts.size(); ++i) {
    EXPECT_EQ(first.sink.posts[i].extra_json, second.sink.posts[i].extra_json);
    EXPECT_EQ(first.sink.posts[i].likes, second.sink.posts[i].likes);
  }
  EXPECT_EQ(Issues(first.report.rejected()), Issues(second.report.rejected()));
}

// ---- the bundled files -------------------------------------------------------------

TEST(KimBundledData, PostsLoadExceptDuplicatedShortcodes) {
  auto run = Import(KimPostsFormat(), testing::DataFile("instagram/kim_posts.csv.gz"));
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  const ImportReport& r = run.report;
  // 29,975 rows: 101 shortcodes appear twice, once under their owner and once filed under
  // another influencer; the owner's copy loads and the other is rejected.
  EXPECT_EQ(r.rows_loaded(), 29'874);
  EXPECT_EQ(r.rows_rejected(), 101);
  EXPECT_EQ(r.posts(), 29'874);
  EXPECT_EQ(r.creators(), 17'348);  // 17,382 influencers; 34 have only a misfiled copy
  EXPECT_EQ(r.snapshots(), 0);
  for (const RowIssue& issue : r.rejected()) {
    EXPECT_TRUE(issue.reason.starts_with("shortcode '")) << r.Describe(issue);
  }
  EXPECT_EQ(Issues(r.repaired()),
            (IssueList{
                {19759, "category of 'cina': 'fasion' repaired to 'fashion' (known damage)"},
                {35514, "category of 'gio': 'fashion 0.5' repaired to 'fashion' (known damage)"},
                {35515, "category of 'gio': 'fashion 0.5' repaired to 'fashion' (known damage)"}}));

  const auto& posts = run.sink.posts;
  ASSERT_EQ(posts.size(), 29'874u);
  EXPECT_EQ(posts[0].creator_handle, "0ldisme");
  EXPECT_EQ(posts[0].external_id, "BjKrc4GF9-u");
  EXPECT_EQ(posts[0].likes, 1013);
  EXPECT_EQ(posts[0].comments, 27);
  EXPECT_EQ(posts[0].posted_at, 1527179228);
  EXPECT_EQ(posts[0].location, "Versailles, France");
  EXPECT_TRUE(posts[0].caption.starts_with("\xF0\x9F\x96\xA4\xF0\x9F\x8E\xAE\nReady for Detroit"));
  EXPECT_TRUE(posts[0].caption.ends_with("// @sony @playstationfr @playstation"));
  std::set<std::string> ids;
  int carousels = 0, sponsored = 0;
  for (const Post& p : posts) {
    EXPECT_TRUE(ids.insert(p.external_id).second) << p.external_id;
    carousels += p.media_type == MediaType::kCarousel;
    sponsored += p.sponsored;
  }
  // 154 rows are sponsored; 2 of them are misfiled copies among the rejects.
  EXPECT_EQ(sponsored, 152);
  EXPECT_EQ(carousels, 3'467);

  // A known duplicate: filed under aoife_walsh_x (line 8132) and under its owner.
  bool found = false;
  for (const Post& p : posts) {
    if (p.external_id == "BnY4PjjFPra") {
      found = true;
      EXPECT_EQ(p.creator_handle, "bohemiancrown");
    }
  }
  EXPECT_TRUE(found);
  std::map<int64_t, std::string> by_line;
  for (const RowIssue& issue : r.rejected()) by_line[issue.line] = issue.reason;
  EXPECT_EQ(by_line[8132],
            "shortcode 'BnY4PjjFPra' is also at line 13823, filed under its owner "
            "'bohemiancrown', which is loaded instead");

  std::map<std::string, const Creator*> creators;
  for (const Creator& c : run.sink.creators) creators[c.handle] = &c;
  ASSERT_TRUE(creators.contains("gio"));
  EXPECT_EQ(creators["gio"]->niche, "fashion");
  EXPECT_EQ(creators["0ldisme"]->followers, 18583);
  EXPECT_EQ(creators["0ldisme"]->verified, false);
}

TEST(KimBundledData, InfluencerListLoadsCompletelyWithFourRepairs) {
  auto run = Import(KimInfluencersFormat(), testing::DataFile("instagram/kim_influencers.txt"));
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.report.rows_loaded(), 33'935);
  EXPECT_EQ(run.report.rows_rejected(), 0);
  EXPECT_EQ(run.report.creators(), 33'935);
  std::vector<int64_t> repaired_lines;
  for (const RowIssue& issue : run.report.repaired()) repaired_lines.push_back(issue.line);
  EXPECT_EQ(repaired_lines, (std::vector<int64_t>{3, 4, 6266, 6267}));

  std::map<std::string, int> niches;
  std::map<std::string, const Creator*> by_handle;
  for (const Creator& c : run.sink.creators) {
    ++niches[c.niche.value_or("-")];
    by_handle[c.handle] = &c;
  }
  EXPECT_EQ(niches, (std::map<std::string, int>{{"beauty", 1'542},
                                                {"family", 4'070},
                                                {"fashion", 11'913},
                                                {"fitness", 1'133},
                                                {"food", 3'565},
                                                {"interior", 1'195},
                                                {"other", 5'720},
                                                {"pet", 587},
                                                {"travel", 4'210}}));
  EXPECT_EQ(by_handle["makeupbynvs"]->niche, "beauty");
  ASSERT_TRUE(by_handle.contains("jaquelinevandoski"));
  EXPECT_EQ(by_handle["jaquelinevandoski"]->followers, 137'600);
  EXPECT_FALSE(by_handle.contains("jaquelinevandoskiauty"));
  EXPECT_EQ(by_handle["sara_agos"]->followers, 1'277);
}

TEST(KimBundledData, FixturesUseTheRealHeader) {
  auto lines = LineReader::Open(testing::DataFile("instagram/kim_posts.csv.gz"));
  ASSERT_TRUE(lines.ok());
  std::string_view first;
  ASSERT_TRUE(*(*lines)->Next(first));
  EXPECT_EQ(first, PostHeader());
}

TEST(KimBundledData, DetectedByHeader) {
  for (const char* file : {"instagram/kim_posts.csv.gz", "instagram/kim_influencers.txt"}) {
    auto format = DetectFormat(testing::DataFile(file));
    ASSERT_TRUE(format.ok()) << format.status().ToString();
    EXPECT_EQ((*format)->name, std::string_view(file).find("posts") != std::string_view::npos
                                   ? "kim_posts"
                                   : "kim_influencers");
  }
}

}  // namespace
}  // namespace sphere::ingest
