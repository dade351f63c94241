#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "core/time.h"
#include "ingest/canonical/canonical_fields.h"
#include "ingest/canonical/canonical_writer.h"
#include "ingest/collecting_sink.h"
#include "ingest/formats.h"
#include "ingest/text_input.h"
#include "testing/testing.h"

namespace sphere::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// What one import produced, in arrival order across entities.
struct Imported {
  Status status;
  ImportReport report;
  CollectingSink sink;
  std::vector<char> order;  // 'c', 'p', 's' per accepted record
};

class OrderSink : public CollectingSink {
 public:
  explicit OrderSink(std::vector<char>& order) : order_(order) {}
  Status Accept(Creator c) override {
    order_.push_back('c');
    return CollectingSink::Accept(std::move(c));
  }
  Status Accept(Post p) override {
    order_.push_back('p');
    return CollectingSink::Accept(std::move(p));
  }
  Status Accept(Snapshot s) override {
    order_.push_back('s');
    return CollectingSink::Accept(std::move(s));
  }

 private:
  std::vector<char>& order_;
};

Imported Import(const Format& format, const std::filesystem::path& path) {
  Imported out;
  out.report = ImportReport(path.string(), std::string(format.name));
  OrderSink sink(out.order);
  out.status = format.run(path, sink, out.report);
  out.sink.creators = std::move(sink.creators);
  out.sink.posts = std::move(sink.posts);
  out.sink.snapshots = std::move(sink.snapshots);
  return out;
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---- Records with every field set, and the comparisons of every field. ----

Creator FullCreator() {
  Creator c;
  c.platform = Platform::kTikTok;
  c.handle = "chef.ana_2";
  c.display_name = " Ana, \"the\" Chef 👩‍🍳 ";
  c.niche = "food";
  c.followers = 1'234'567;
  c.following = 0;
  c.posts_count = 812;
  c.country = "Côte d'Ivoire";
  c.verified = true;
  c.stats_as_of = ParseIsoTime("2022-11-30T08:15:00Z").value();
  c.source = "my_export";
  return c;
}

Post FullPost() {
  Post p;
  p.platform = Platform::kInstagram;
  p.creator_handle = "chef.ana_2";
  p.external_id = "B1x_-Q9";
  p.posted_at = ParseIsoTime("2019-05-26T10:00:00Z").value();
  p.media_type = MediaType::kCarousel;
  p.caption = "Line one, with \"quotes\"\nline two 🍝🔥\r\n#pasta #food @friend\ttab";
  p.likes = 1520;
  p.comments = 37;
  p.views = 0;
  p.shares = 12;
  p.sponsored = true;
  p.image_description = "Image may contain: 1 person, food";
  p.width = 1080;
  p.height = 1350;
  p.location = "Roma, Italia";
  p.observed_at = ParseIsoTime("2019-06-01").value();
  p.source = "my_export";
  p.extra_json = R"({"n_carousel":3,"tags":["a","b"],"nested":{"x":null}})";
  return p;
}

Snapshot FullSnapshot() {
  Snapshot s;
  s.platform = Platform::kYouTube;
  s.creator_handle = "chef.ana_2";
  s.taken_at = ParseIsoTime("2021-10-31").value();
  s.source = "socialblade_weekly";
  s.followers = 5'000'000;
  s.following = 3;
  s.posts_count = 900;
  s.total_views = 123'456'789'012;
  s.avg_likes = 1234.5;
  s.avg_comments = 0.1;
  s.avg_views = 1e7;
  s.avg_shares = 1.0 / 3.0;
  s.engagement_rate = 0.0139;
  s.authentic_engagement = 987.25;
  s.followers_gain = -1200;
  s.views_gain = 3'000'000;
  s.period_days = 7;
  s.extra_json = R"({"rank":"A+"})";
  return s;
}

void ExpectSameCreator(const Creator& a, const Creator& b) {
  EXPECT_EQ(a.platform, b.platform);
  EXPECT_EQ(a.handle, b.handle);
  EXPECT_EQ(a.display_name, b.display_name);
  EXPECT_EQ(a.niche, b.niche);
  EXPECT_EQ(a.followers, b.followers);
  EXPECT_EQ(a.following, b.following);
  EXPECT_EQ(a.posts_count, b.posts_count);
  EXPECT_EQ(a.country, b.country);
  EXPECT_EQ(a.verified, b.verified);
  EXPECT_EQ(a.stats_as_of, b.stats_as_of);
  EXPECT_EQ(a.source, b.source);
}

void ExpectSamePost(const Post& a, const Post& b) {
  EXPECT_EQ(a.platform, b.platform);
  EXPECT_EQ(a.creator_handle, b.creator_handle);
  EXPECT_EQ(a.external_id, b.external_id);
  EXPECT_EQ(a.posted_at, b.posted_at);
  EXPECT_EQ(a.media_type, b.media_type);
  EXPECT_EQ(a.caption, b.caption);
  EXPECT_EQ(a.likes, b.likes);
  EXPECT_EQ(a.comments, b.comments);
  EXPECT_EQ(a.views, b.views);
  EXPECT_EQ(a.shares, b.shares);
  EXPECT_EQ(a.sponsored, b.sponsored);
  EXPECT_EQ(a.image_description, b.image_description);
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  EXPECT_EQ(a.location, b.location);
  EXPECT_EQ(a.observed_at, b.observed_at);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.extra_json, b.extra_json);
}

void ExpectSameSnapshot(const Snapshot& a, const Snapshot& b) {
  EXPECT_EQ(a.platform, b.platform);
  EXPECT_EQ(a.creator_handle, b.creator_handle);
  EXPECT_EQ(a.taken_at, b.taken_at);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.followers, b.followers);
  EXPECT_EQ(a.following, b.following);
  EXPECT_EQ(a.posts_count, b.posts_count);
  EXPECT_EQ(a.total_views, b.total_views);
  EXPECT_EQ(a.avg_likes, b.avg_likes);
  EXPECT_EQ(a.avg_comments, b.avg_comments);
  EXPECT_EQ(a.avg_views, b.avg_views);
  EXPECT_EQ(a.avg_shares, b.avg_shares);
  EXPECT_EQ(a.engagement_rate, b.engagement_rate);
  EXPECT_EQ(a.authentic_engagement, b.authentic_engagement);
  EXPECT_EQ(a.followers_gain, b.followers_gain);
  EXPECT_EQ(a.views_gain, b.views_gain);
  EXPECT_EQ(a.period_days, b.period_days);
  EXPECT_EQ(a.extra_json, b.extra_json);
}

// A creator with nothing but its key, a post with every optional field unknown, a
// snapshot with only its required fields: "unknown" must survive the trip too.
Creator SparseCreator() {
  Creator c;
  c.platform = Platform::kInstagram;
  c.handle = "bare";
  c.source = "canonical";
  return c;
}
Post SparsePost() {
  Post p;
  p.platform = Platform::kInstagram;
  p.creator_handle = "bare";
  p.external_id = "p1";
  p.source = "canonical";
  return p;
}
Snapshot SparseSnapshot() {
  Snapshot s;
  s.platform = Platform::kInstagram;
  s.creator_handle = "bare";
  s.taken_at = 0;
  s.source = "canonical";
  return s;
}

// Times outside the four-digit-year range are written as unix seconds.
Post PostWithFarTimes() {
  Post p = SparsePost();
  p.external_id = "far";
  p.posted_at = -86'400;
  p.observed_at = 400'000'000'000;
  return p;
}

void WriteAll(RecordSink& sink) {
  ASSERT_TRUE(sink.Accept(FullCreator()).ok());
  ASSERT_TRUE(sink.Accept(SparseCreator()).ok());
  ASSERT_TRUE(sink.Accept(FullPost()).ok());
  ASSERT_TRUE(sink.Accept(SparsePost()).ok());
  ASSERT_TRUE(sink.Accept(PostWithFarTimes()).ok());
  ASSERT_TRUE(sink.Accept(FullSnapshot()).ok());
  ASSERT_TRUE(sink.Accept(SparseSnapshot()).ok());
}

TEST(CanonicalCsv, RoundTripKeepsEveryField) {
  testing::TempDir dir;
  auto writer = CanonicalCsvWriter::Open(dir.path() / "out");
  ASSERT_TRUE(writer.ok()) << writer.error().ToString();
  WriteAll(**writer);
  ASSERT_TRUE((*writer)->Close().ok());

  Imported creators = Import(CanonicalCreatorsCsvFormat(), dir.path() / "out/creators.csv");
  ASSERT_TRUE(creators.status.ok()) << creators.status.ToString();
  EXPECT_EQ(creators.report.rows_rejected(), 0);
  ASSERT_EQ(creators.sink.creators.size(), 2u);
  ExpectSameCreator(creators.sink.creators[0], FullCreator());
  ExpectSameCreator(creators.sink.creators[1], SparseCreator());

  Imported posts = Import(CanonicalPostsCsvFormat(), dir.path() / "out/posts.csv");
  ASSERT_TRUE(posts.status.ok()) << posts.status.ToString();
  EXPECT_EQ(posts.report.rows_rejected(), 0);
  ASSERT_EQ(posts.sink.posts.size(), 3u);
  ExpectSamePost(posts.sink.posts[0], FullPost());
  ExpectSamePost(posts.sink.posts[1], SparsePost());
  ExpectSamePost(posts.sink.posts[2], PostWithFarTimes());

  Imported snapshots = Import(CanonicalSnapshotsCsvFormat(), dir.path() / "out/snapshots.csv");
  ASSERT_TRUE(snapshots.status.ok()) << snapshots.status.ToString();
  EXPECT_EQ(snapshots.report.rows_rejected(), 0);
  ASSERT_EQ(snapshots.sink.snapshots.size(), 2u);
  ExpectSameSnapshot(snapshots.sink.snapshots[0], FullSnapshot());
  ExpectSameSnapshot(snapshots.sink.snapshots[1], SparseSnapshot());
}

TEST(CanonicalCsv, WriterOutputIsDetectedAsTheCanonicalFormats) {
  testing::TempDir dir;
  auto writer = CanonicalCsvWriter::Open(dir.path());
  ASSERT_TRUE(writer.ok());
  WriteAll(**writer);
  ASSERT_TRUE((*writer)->Close().ok());
  struct Case {
    const char* file;
    Format format;
  };
  for (const Case& c : {Case{"creators.csv", CanonicalCreatorsCsvFormat()},
                        Case{"posts.csv", CanonicalPostsCsvFormat()},
                        Case{"snapshots.csv", CanonicalSnapshotsCsvFormat()}}) {
    auto lines = LineReader::Open(dir.path() / c.file);
    ASSERT_TRUE(lines.ok());
    std::string_view first;
    ASSERT_TRUE((*lines)->Next(first).value());
    EXPECT_TRUE(c.format.matches(dir.path() / c.file, first)) << c.file;
  }
}

TEST(CanonicalCsv, WriterQuotesPerRfc4180) {
  testing::TempDir dir;
  auto writer = CanonicalCsvWriter::Open(dir.path());
  ASSERT_TRUE(writer.ok());
  Post p = SparsePost();
  p.caption = "a,\"b\"\nc";
  p.location = " padded ";
  ASSERT_TRUE((*writer)->Accept(p).ok());
  ASSERT_TRUE((*writer)->Close().ok());
  std::string text = ReadAll(dir.path() / "posts.csv");
  EXPECT_THAT(text, HasSubstr(",\"a,\"\"b\"\"\nc\","));
  EXPECT_THAT(text, HasSubstr(",\" padded \","));
  EXPECT_THAT(text, HasSubstr("instagram,bare,p1,,image,"));
}

TEST(CanonicalJsonl, RoundTripKeepsEveryField) {
  testing::TempDir dir;
  auto writer = CanonicalJsonlWriter::Open(dir.path() / "out/all.jsonl");
  ASSERT_TRUE(writer.ok()) << writer.error().ToString();
  WriteAll(**writer);
  ASSERT_TRUE((*writer)->Close().ok());
  EXPECT_EQ((*writer)->records(), 7);

  Imported in = Import(CanonicalJsonlFormat(), dir.path() / "out/all.jsonl");
  ASSERT_TRUE(in.status.ok()) << in.status.ToString();
  for (const RowIssue& issue : in.report.rejected()) ADD_FAILURE() << in.report.Describe(issue);
  // FullPost and FullSnapshot name the handle on other platforms than FullCreator: other
  // creators, each announced by a minimal creator just before its first row.
  EXPECT_THAT(in.order, ElementsAre('c', 'c', 'c', 'p', 'p', 'p', 'c', 's', 's'));
  ASSERT_EQ(in.sink.creators.size(), 4u);
  ASSERT_EQ(in.sink.posts.size(), 3u);
  ASSERT_EQ(in.sink.snapshots.size(), 2u);
  ExpectSameCreator(in.sink.creators[0], FullCreator());
  ExpectSameCreator(in.sink.creators[1], SparseCreator());
  EXPECT_EQ(in.sink.creators[2].platform, Platform::kInstagram);
  EXPECT_EQ(in.sink.creators[3].platform, Platform::kYouTube);
  ExpectSamePost(in.sink.posts[0], FullPost());
  ExpectSamePost(in.sink.posts[1], SparsePost());
  ExpectSamePost(in.sink.posts[2], PostWithFarTimes());
  ExpectSameSnapshot(in.sink.snapshots[0], FullSnapshot());
  ExpectSameSnapshot(in.sink.snapshots[1], SparseSnapshot());

  auto lines = LineReader::Open(dir.path() / "out/all.jsonl");
  std::string_view first;
  ASSERT_TRUE((*lines)->Next(first).value());
  EXPECT_TRUE(CanonicalJsonlFormat().matches(dir.path() / "out/all.jsonl", first));
}

TEST(CanonicalWriters, RefuseRecordsThatWouldNotReimportUnchanged) {
  testing::TempDir dir;
  auto csv = CanonicalCsvWriter::Open(dir.path());
  auto jsonl = CanonicalJsonlWriter::Open(dir.path() / "x.jsonl");
  ASSERT_TRUE(csv.ok() && jsonl.ok());
  struct Case {
    std::string expected;
    std::function<void(Post&)> damage;
  };
  std::vector<Case> cases = {
      {"handle: missing (required)", [](Post& p) { p.creator_handle = ""; }},
      {"handle: '@Ana' is not normalised", [](Post& p) { p.creator_handle = "@Ana"; }},
      {"post_id: missing (required)", [](Post& p) { p.external_id = " "; }},
      {"likes: -1 is negative", [](Post& p) { p.likes = -1; }},
      {"width: -3 is negative", [](Post& p) { p.width = -3; }},
      {"caption: not valid UTF-8", [](Post& p) { p.caption = "bad \xff byte"; }},
      {"extra_json: not a JSON object", [](Post& p) { p.extra_json = "[1,2]"; }},
      {"extra_json: not a JSON object", [](Post& p) { p.extra_json = "{\"a\":}"; }},
  };
  for (const Case& c : cases) {
    Post p = FullPost();
    c.damage(p);
    Status s = (*csv)->Accept(p);
    EXPECT_EQ(s.code(), Code::kInvalidArgument);
    EXPECT_EQ(s.message(), c.expected);
    EXPECT_EQ((*jsonl)->Accept(p).message(), c.expected);
  }
  Snapshot s = FullSnapshot();
  s.avg_likes = std::nan("");
  EXPECT_EQ((*csv)->Accept(s).message(), "avg_likes: not a finite number");
  s = FullSnapshot();
  s.period_days = 0;
  EXPECT_EQ((*csv)->Accept(s).message(), "period_days: 0 is not a positive number of days");
  Creator c = FullCreator();
  c.niche = "Beauty";
  EXPECT_EQ((*csv)->Accept(c).message(), "niche: 'Beauty' is not trimmed lower-case");
  ASSERT_TRUE((*csv)->Close().ok());
  ASSERT_TRUE((*jsonl)->Close().ok());
  // Nothing of a refused record is written.
  EXPECT_EQ((*csv)->posts(), 0);
  EXPECT_EQ(ReadAll(dir.path() / "x.jsonl"), "");
  EXPECT_EQ((*csv)->Accept(FullPost()).code(), Code::kFailedPrecondition);
}

// A JSON line is typed by field name before its "type" is known (canonical_jsonl.cc), so
// a name must mean the same kind of value in every entity.
TEST(CanonicalFields, ANameHasOneKindInEveryEntity) {
  auto check = [](const auto& fields) {
    for (const auto& f : fields) {
      ASSERT_TRUE(canonical::KindOfName(f.name).has_value()) << f.name;
      EXPECT_EQ(*canonical::KindOfName(f.name), f.kind) << f.name;
    }
  };
  check(canonical::CreatorFields());
  check(canonical::PostFields());
  check(canonical::SnapshotFields());
  EXPECT_FALSE(canonical::KindOfName("type").has_value());
}

// ---- CSV import: headers, cells, lines. ----

constexpr std::string_view kPostsHeader =
    "platform,handle,post_id,posted_at,media_type,caption,likes,comments,views,shares,sponsored,"
    "image_description,width,height,location,observed_at,source,extra_json\n";

TEST(CanonicalCsv, LeadingHeaderMustBeExact) {
  Format creators = CanonicalCreatorsCsvFormat();
  Format posts = CanonicalPostsCsvFormat();
  Format snapshots = CanonicalSnapshotsCsvFormat();
  std::filesystem::path any = "x.csv";
  EXPECT_TRUE(creators.matches(any, "platform,handle,display_name\n"));
  EXPECT_TRUE(creators.matches(any, "platform,handle,display_name,followers\r\n"));
  EXPECT_TRUE(posts.matches(any, kPostsHeader));
  EXPECT_TRUE(posts.matches(any, "platform,handle,post_id"));
  EXPECT_TRUE(snapshots.matches(any, "platform,handle,taken_at,followers_gain,period_days\n"));
  // Close but wrong: never claimed.
  for (std::string_view near_miss :
       {"Platform,Handle,post_id\n", "platform,handle,postid\n", "platform,handle\n",
        "platform;handle;post_id\n", "platform,handle,post_id_x\n", " platform,handle,post_id\n",
        "\"platform\",\"handle\",\"post_id\"\n", "handle,platform,post_id\n", ""}) {
    EXPECT_FALSE(posts.matches(any, near_miss)) << near_miss;
  }
  EXPECT_FALSE(creators.matches(any, kPostsHeader));
  EXPECT_FALSE(snapshots.matches(any, kPostsHeader));
  EXPECT_FALSE(posts.matches(any, "platform,handle,display_name\n"));
  EXPECT_FALSE(CanonicalJsonlFormat().matches(any, kPostsHeader));
}

TEST(CanonicalCsv, RealDataFilesAreNotClaimed) {
  std::vector<Format> canonical = {CanonicalCreatorsCsvFormat(), CanonicalPostsCsvFormat(),
                                   CanonicalSnapshotsCsvFormat(), CanonicalJsonlFormat()};
  int checked = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::DataFile(""))) {
    if (!entry.is_regular_file() || entry.path().extension() == ".md") continue;
    auto lines = LineReader::Open(entry.path());
    ASSERT_TRUE(lines.ok());
    std::string_view first;
    auto more = (*lines)->Next(first);
    if (!more.ok() || !*more) continue;
    for (const Format& f : canonical) {
      EXPECT_FALSE(f.matches(entry.path(), first)) << f.name << " claims " << entry.path();
    }
    ++checked;
  }
  EXPECT_GE(checked, 8);
}

TEST(CanonicalCsv, OptionalColumnsMayBeOmittedAndReordered) {
  testing::TempDir dir;
  auto path = dir.Write("p.csv",
                        "platform,handle,post_id,likes,posted_at\n"
                        "instagram,@Ana,p1,10,2019-05-26\n"
                        "tiktok,bob,p2,,1558864800\n");
  Imported in = Import(CanonicalPostsCsvFormat(), path);
  ASSERT_TRUE(in.status.ok()) << in.status.ToString();
  ASSERT_EQ(in.sink.posts.size(), 2u);
  const Post& a = in.sink.posts[0];
  EXPECT_EQ(a.creator_handle, "ana");  // normalised like every handle
  EXPECT_EQ(a.likes, 10);
  EXPECT_EQ(a.posted_at, DaysFromCivil(2019, 5, 26));
  EXPECT_EQ(a.media_type, MediaType::kImage);
  EXPECT_EQ(a.source, "canonical");
  EXPECT_EQ(a.extra_json, "{}");
  EXPECT_FALSE(a.comments.has_value());
  EXPECT_FALSE(in.sink.posts[1].likes.has_value());
  EXPECT_EQ(in.sink.posts[1].posted_at, 1558864800);
}

TEST(CanonicalCsv, IsoAndUnixTimesAreTheSameInstant) {
  testing::TempDir dir;
  auto path = dir.Write("s.csv",
                        "platform,handle,taken_at\n"
                        "youtube,a,2019-05-26T10:00:00Z\n"
                        "youtube,a,2019-05-26T10:00:00\n"
                        "youtube,a,2019-05-26 10:00:00\n"
                        "youtube,a,1558864800\n"
                        "youtube,a,2019-05-26\n"
                        "youtube,a,-86400\n");
  Imported in = Import(CanonicalSnapshotsCsvFormat(), path);
  ASSERT_TRUE(in.status.ok());
  ASSERT_EQ(in.sink.snapshots.size(), 6u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(in.sink.snapshots[i].taken_at, 1558864800) << i;
  EXPECT_EQ(in.sink.snapshots[4].taken_at, 1558828800);
  EXPECT_EQ(in.sink.snapshots[5].taken_at, -86400);
}

TEST(CanonicalCsv, BooleansAcceptTrueFalseOneZeroInAnyCase) {
  testing::TempDir dir;
  auto path = dir.Write("c.csv",
                        "platform,handle,display_name,verified\n"
                        "instagram,a,,true\ninstagram,b,,FALSE\ninstagram,c,,1\n"
                        "instagram,d,,0\ninstagram,e,,True\ninstagram,f,,\n");
  Imported in = Import(CanonicalCreatorsCsvFormat(), path);
  ASSERT_EQ(in.sink.creators.size(), 6u);
  std::vector<std::optional<bool>> got;
  for (const Creator& c : in.sink.creators) got.push_back(c.verified);
  EXPECT_THAT(got, ElementsAre(true, false, true, false, true, std::nullopt));
}

struct BadCell {
  std::string entity;  // "creators" | "posts" | "snapshots"
  std::string column;
  std::string cell;
  std::string reason;
};

class CanonicalCsvBadCell : public ::testing::TestWithParam<BadCell> {};

TEST_P(CanonicalCsvBadCell, IsRejectedWithFieldReasonAndLine) {
  const BadCell& c = GetParam();
  std::string header, good;
  Format format = CanonicalCreatorsCsvFormat();
  if (c.entity == "creators") {
    header = "platform,handle,display_name";
    good = "instagram,ana,Ana";
  } else if (c.entity == "posts") {
    header = "platform,handle,post_id";
    good = "instagram,ana,p1";
    format = CanonicalPostsCsvFormat();
  } else {
    header = "platform,handle,taken_at";
    good = "instagram,ana,2022-03-01";
    format = CanonicalSnapshotsCsvFormat();
  }
  // The bad cell replaces a leading column or is appended as an extra column.
  std::string bad_row = good;
  std::vector<std::string> leading;
  std::stringstream hs(header);
  for (std::string name; std::getline(hs, name, ',');) leading.push_back(name);
  auto it = std::find(leading.begin(), leading.end(), c.column);
  if (it == leading.end()) {
    header += "," + c.column;
    good += ",";
    bad_row += "," + c.cell;
  } else {
    std::vector<std::string> cells;
    std::stringstream gs(good);
    for (std::string cell; std::getline(gs, cell, ',');) cells.push_back(cell);
    cells[it - leading.begin()] = c.cell;
    bad_row.clear();
    for (size_t i = 0; i < cells.size(); ++i) bad_row += (i ? "," : "") + cells[i];
  }
  testing::TempDir dir;
  auto path = dir.Write("f.csv", header + "\n" + good + "\n" + bad_row + "\n" + good + "\n");
  Imported in = Import(format, path);
  ASSERT_TRUE(in.status.ok()) << in.status.ToString();
  EXPECT_EQ(in.report.rows_loaded(), 2);
  ASSERT_EQ(in.report.rows_rejected(), 1);
  EXPECT_EQ(in.report.rejected()[0].line, 3);
  EXPECT_EQ(in.report.rejected()[0].reason, c.reason);
}

INSTANTIATE_TEST_SUITE_P(
    EveryKind, CanonicalCsvBadCell,
    ::testing::Values(
        BadCell{"creators", "platform", "myspace",
                "platform: 'myspace' is not one of instagram|tiktok|youtube"},
        BadCell{"creators", "platform", "", "platform: missing (required)"},
        BadCell{"creators", "handle", "", "handle: missing (required)"},
        BadCell{"creators", "handle", "@", "handle: missing (required)"},
        BadCell{"creators", "followers", "12x", "followers: '12x' is not an integer"},
        BadCell{"creators", "followers", "-5", "followers: -5 is negative"},
        BadCell{"creators", "followers", "1.5", "followers: '1.5' is not an integer"},
        BadCell{"creators", "posts_count", "3.3k", "posts_count: '3.3k' is not an integer"},
        BadCell{"creators", "verified", "yes", "verified: 'yes' is not a boolean (true|false|1|0)"},
        BadCell{"creators", "stats_as_of", "2022-02-30",
                "stats_as_of: '2022-02-30' is not a time (YYYY-MM-DD, YYYY-MM-DDThh:mm:ssZ or "
                "unix seconds)"},
        BadCell{"posts", "post_id", "", "post_id: missing (required)"},
        BadCell{"posts", "posted_at", "yesterday",
                "posted_at: 'yesterday' is not a time (YYYY-MM-DD, YYYY-MM-DDThh:mm:ssZ or unix "
                "seconds)"},
        BadCell{"posts", "posted_at", "2019-05-26T10:00:00+02:00",
                "posted_at: '2019-05-26T10:00:00+02:00' is not a time (YYYY-MM-DD, "
                "YYYY-MM-DDThh:mm:ssZ or unix seconds)"},
        BadCell{"posts", "media_type", "reel",
                "media_type: 'reel' is not one of image|video|carousel"},
        BadCell{"posts", "likes", "NaN", "likes: 'NaN' is not an integer"},
        BadCell{"posts", "sponsored", "maybe",
                "sponsored: 'maybe' is not a boolean (true|false|1|0)"},
        BadCell{"posts", "width", "99999999999", "width: 99999999999 is out of range"},
        BadCell{"posts", "height", "-1", "height: -1 is negative"},
        BadCell{"posts", "extra_json", "[1]", "extra_json: not a JSON object"},
        BadCell{"posts", "extra_json", "{\"\"a\"\":}", "extra_json: not a JSON object"},
        BadCell{"posts", "caption", "bad \xff byte", "caption: not valid UTF-8"},
        BadCell{"snapshots", "taken_at", "", "taken_at: missing (required)"},
        BadCell{"snapshots", "engagement_rate", "1.39%",
                "engagement_rate: '1.39%' is not a number"},
        BadCell{"snapshots", "avg_likes", "inf", "avg_likes: 'inf' is not a number"},
        BadCell{"snapshots", "period_days", "0", "period_days: 0 is not a positive number of days"},
        BadCell{"snapshots", "followers_gain", "12.5", "followers_gain: '12.5' is not an integer"}),
    [](const ::testing::TestParamInfo<BadCell>& info) {
      std::string name =
          info.param.entity + "_" + info.param.column + "_" + std::to_string(info.index);
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

TEST(CanonicalCsv, EveryBadCellOfARowIsNamedInOneReject) {
  testing::TempDir dir;
  auto path = dir.Write("c.csv",
                        "platform,handle,display_name,followers,verified\n"
                        "myspace,ana,Ana,12x,yes\n");
  Imported in = Import(CanonicalCreatorsCsvFormat(), path);
  ASSERT_EQ(in.report.rows_rejected(), 1);
  EXPECT_EQ(in.report.rejected()[0].reason,
            "platform: 'myspace' is not one of instagram|tiktok|youtube; followers: '12x' is "
            "not an integer; verified: 'yes' is not a boolean (true|false|1|0)");
  EXPECT_TRUE(in.sink.creators.empty());
}

TEST(CanonicalCsv, RowWithTheWrongNumberOfFieldsIsRejected) {
  testing::TempDir dir;
  auto path = dir.Write("c.csv",
                        "platform,handle,display_name\n"
                        "instagram,ana\n"
                        "instagram,bob,Bob,extra\n");
  Imported in = Import(CanonicalCreatorsCsvFormat(), path);
  ASSERT_EQ(in.report.rows_rejected(), 2);
  EXPECT_EQ(in.report.rejected()[0].line, 2);
  EXPECT_EQ(in.report.rejected()[0].reason, "the row has 2 fields but the header has 3");
  EXPECT_EQ(in.report.rejected()[1].line, 3);
}

TEST(CanonicalCsv, MultiLineQuotedCaptionsKeepLineNumbersRight) {
  testing::TempDir dir;
  auto path = dir.Write("p.csv",
                        "platform,handle,post_id,caption,likes\r\n"
                        "instagram,ana,p1,\"first line\r\nsecond, with comma\r\n\"\"third\"\" 🎉\","
                        "5\r\n"
                        "instagram,ana,p2,\"one\nline two\",oops\r\n"
                        "instagram,ana,p3,plain,7\r\n");
  Imported in = Import(CanonicalPostsCsvFormat(), path);
  ASSERT_TRUE(in.status.ok());
  ASSERT_EQ(in.sink.posts.size(), 2u);
  EXPECT_EQ(in.sink.posts[0].caption, "first line\r\nsecond, with comma\r\n\"third\" 🎉");
  EXPECT_EQ(in.sink.posts[1].caption, "plain");
  ASSERT_EQ(in.report.rows_rejected(), 1);
  EXPECT_EQ(in.report.rejected()[0].line, 5);
  EXPECT_EQ(in.report.rejected()[0].reason, "likes: 'oops' is not an integer");
}

TEST(CanonicalCsv, ByteOrderMarkAndCrlfAreAccepted) {
  testing::TempDir dir;
  auto path =
      dir.Write("c.csv", "\xEF\xBB\xBFplatform,handle,display_name\r\nyoutube,Chan,Chan 🎬\r\n");
  auto lines = LineReader::Open(path);
  std::string_view first;
  ASSERT_TRUE((*lines)->Next(first).value());
  EXPECT_TRUE(CanonicalCreatorsCsvFormat().matches(path, first));
  Imported in = Import(CanonicalCreatorsCsvFormat(), path);
  ASSERT_EQ(in.sink.creators.size(), 1u);
  EXPECT_EQ(in.sink.creators[0].handle, "chan");
  EXPECT_EQ(in.sink.creators[0].display_name, "Chan 🎬");
}

TEST(CanonicalCsv, UnknownOrRepeatedColumnFailsTheFile) {
  testing::TempDir dir;
  Imported unknown = Import(CanonicalCreatorsCsvFormat(),
                            dir.Write("a.csv", "platform,handle,display_name,folowers\n"));
  EXPECT_EQ(unknown.status.code(), Code::kInvalidArgument);
  EXPECT_THAT(unknown.status.message(), HasSubstr("a.csv:1: unknown column 'folowers'"));
  EXPECT_THAT(unknown.status.message(), HasSubstr("followers"));

  Imported repeated = Import(CanonicalCreatorsCsvFormat(),
                             dir.Write("b.csv", "platform,handle,display_name,niche,niche\n"));
  EXPECT_THAT(repeated.status.message(), HasSubstr("column 'niche' appears twice"));

  // Forced onto a file whose header is not its own.
  Imported wrong = Import(CanonicalPostsCsvFormat(), dir.Write("c.csv", "platform,handle,x\n"));
  EXPECT_THAT(wrong.status.message(), HasSubstr("must start with platform,handle,post_id"));

  Imported empty = Import(CanonicalPostsCsvFormat(), dir.Write("d.csv", ""));
  EXPECT_EQ(empty.status.code(), Code::kInvalidArgument);
}

TEST(CanonicalCsv, PostsAndSnapshotsEmitAMinimalCreatorBeforeTheFirstRowOfEachHandle) {
  testing::TempDir dir;
  auto posts = dir.Write("p.csv",
                         "platform,handle,post_id,likes,source\n"
                         "instagram,ana,p1,1,mine\n"
                         "instagram,ana,p2,2,mine\n"
                         "tiktok,ana,p3,3,mine\n"  // same handle, other platform: another creator
                         "instagram,bob,p4,x,mine\n"  // rejected: no creator for it yet
                         "instagram,bob,p5,5,mine\n"
                         "instagram,ana,p6,6,mine\n");
  Imported in = Import(CanonicalPostsCsvFormat(), posts);
  EXPECT_THAT(in.order, ElementsAre('c', 'p', 'p', 'c', 'p', 'c', 'p', 'p'));
  ASSERT_EQ(in.sink.creators.size(), 3u);
  const Creator& ana = in.sink.creators[0];
  EXPECT_EQ(ana.platform, Platform::kInstagram);
  EXPECT_EQ(ana.handle, "ana");
  EXPECT_EQ(ana.display_name, "");
  EXPECT_FALSE(ana.niche || ana.followers || ana.following || ana.posts_count || ana.country ||
               ana.verified);
  EXPECT_EQ(ana.stats_as_of, 0);
  EXPECT_EQ(ana.source, "");
  EXPECT_EQ(in.sink.creators[1].platform, Platform::kTikTok);
  EXPECT_EQ(in.sink.creators[2].handle, "bob");
  EXPECT_EQ(in.report.creators(), 3);
  EXPECT_EQ(in.report.posts(), 5);
  EXPECT_EQ(in.report.rows_loaded(), 5);

  auto snapshots = dir.Write("s.csv",
                             "platform,handle,taken_at,followers\n"
                             "youtube,chan,2022-01-01,10\nyoutube,chan,2022-02-01,20\n");
  Imported s = Import(CanonicalSnapshotsCsvFormat(), snapshots);
  EXPECT_THAT(s.order, ElementsAre('c', 's', 's'));
  EXPECT_EQ(s.sink.creators[0].handle, "chan");
}

// ---- JSONL import. ----

Imported ImportJsonlText(const testing::TempDir& dir, std::string_view text) {
  return Import(CanonicalJsonlFormat(), dir.Write("in.jsonl", text));
}

TEST(CanonicalJsonl, ReadsEveryEntityWithFieldsInAnyOrder) {
  testing::TempDir dir;
  Imported in = ImportJsonlText(
      dir,
      "{\"type\":\"creator\",\"platform\":\"instagram\",\"handle\":\"@Ana\",\"followers\":12000,"
      "\"verified\":false,\"niche\":\" Beauty\",\"stats_as_of\":\"2019-05-01\"}\n"
      "\n"
      "{\"likes\":5,\"post_id\":\"x1\",\"handle\":\"ana\",\"platform\":\"instagram\","
      "\"type\":\"post\",\"caption\":\"h\\u00e9 \\ud83c\\udf89\\n\",\"posted_at\":1558864800,"
      "\"extra_json\":{\"a\":[1,{\"b\":null}]},\"width\":null}\n"
      "  {\"type\":\"snapshot\",\"platform\":\"youtube\",\"handle\":\"chan\",\"taken_at\":"
      "\"2021-10-31\",\"avg_likes\":12,\"engagement_rate\":0.05}  \n");
  ASSERT_TRUE(in.status.ok());
  for (const RowIssue& issue : in.report.rejected()) ADD_FAILURE() << in.report.Describe(issue);
  EXPECT_THAT(in.order, ElementsAre('c', 'p', 'c', 's'));
  const Creator& ana = in.sink.creators[0];
  EXPECT_EQ(ana.handle, "ana");
  EXPECT_EQ(ana.followers, 12000);
  EXPECT_EQ(ana.verified, false);
  EXPECT_EQ(ana.niche, "beauty");
  EXPECT_EQ(ana.stats_as_of, DaysFromCivil(2019, 5, 1));
  const Post& p = in.sink.posts[0];
  EXPECT_EQ(p.caption, "hé 🎉\n");
  EXPECT_EQ(p.posted_at, 1558864800);
  EXPECT_EQ(p.extra_json, "{\"a\":[1,{\"b\":null}]}");
  EXPECT_FALSE(p.width.has_value());
  const Snapshot& s = in.sink.snapshots[0];
  EXPECT_EQ(s.avg_likes, 12.0);
  EXPECT_EQ(s.engagement_rate, 0.05);
  EXPECT_EQ(in.sink.creators[1].handle, "chan");  // minimal creator before its snapshot
  EXPECT_EQ(in.report.rows_loaded(), 3);
}

struct BadLine {
  std::string json;
  std::string reason;
};

class CanonicalJsonlBadLine : public ::testing::TestWithParam<BadLine> {};

TEST_P(CanonicalJsonlBadLine, IsRejectedWithItsLineAndReason) {
  testing::TempDir dir;
  std::string good =
      "{\"type\":\"post\",\"platform\":\"tiktok\",\"handle\":\"a\",\"post_id\":\"1\"}\n";
  Imported in = ImportJsonlText(dir, good + GetParam().json + "\n" + good);
  ASSERT_TRUE(in.status.ok());
  EXPECT_EQ(in.report.rows_loaded(), 2);
  ASSERT_EQ(in.report.rows_rejected(), 1);
  EXPECT_EQ(in.report.rejected()[0].line, 2);
  EXPECT_THAT(in.report.rejected()[0].reason, HasSubstr(GetParam().reason));
}

INSTANTIATE_TEST_SUITE_P(
    Strictness, CanonicalJsonlBadLine,
    ::testing::Values(
        BadLine{"{\"type\":\"post\",", "invalid JSON: "},
        BadLine{"{\"type\":\"post\",\"platform\":\"tiktok\",}", "invalid JSON: "},
        BadLine{"{\"type\":\"post\",\"likes\":tru}", "invalid JSON: "},
        BadLine{"{\"type\":\"post\",\"likes\":01}", "invalid JSON: "},
        BadLine{"{\"type\":\"post\",\"likes\":nul}", "invalid JSON: "},
        BadLine{"[1,2]", "invalid JSON: a line must hold one JSON object"},
        BadLine{"{\"type\":\"post\"} {\"type\":\"post\"}",
                "invalid JSON: unexpected content after the object"},
        BadLine{"{\"type\":\"post\",\"caption\":\"\xff\"}", "invalid JSON: "},
        BadLine{"{\"platform\":\"tiktok\",\"handle\":\"a\",\"post_id\":\"1\"}",
                "type: missing (creator|post|snapshot)"},
        BadLine{"{\"type\":\"user\",\"platform\":\"tiktok\"}",
                "type: 'user' is not one of creator|post|snapshot"},
        BadLine{"{\"type\":3}", "type: expected a string, got a number"},
        BadLine{"{\"type\":\"creator\",\"platform\":\"tiktok\",\"handle\":\"a\","
                "\"display_name\":\"A\",\"followers\":\"12\"}",
                "followers: expected an integer, got a string"},
        BadLine{"{\"type\":\"creator\",\"platform\":\"tiktok\",\"handle\":\"a\","
                "\"followers\":1.5}",
                "followers: expected an integer, got a decimal number"},
        BadLine{"{\"type\":\"creator\",\"platform\":\"tiktok\",\"handle\":\"a\","
                "\"followers\":18446744073709551615}",
                "followers: integer out of range"},
        BadLine{"{\"type\":\"creator\",\"platform\":\"tiktok\",\"handle\":\"a\","
                "\"verified\":1}",
                "verified: expected true or false, got a number"},
        BadLine{"{\"type\":\"post\",\"platform\":\"tiktok\",\"handle\":\"a\",\"post_id\":7}",
                "post_id: expected a string, got a number"},
        BadLine{"{\"type\":\"post\",\"platform\":\"tiktok\",\"handle\":\"a\",\"post_id\":\"1\","
                "\"extra_json\":\"{}\"}",
                "extra_json: expected an object, got a string"},
        BadLine{"{\"type\":\"post\",\"platform\":\"tiktok\",\"handle\":\"a\",\"post_id\":\"1\","
                "\"extra_json\":{\"a\":}}",
                "invalid JSON: "},
        BadLine{"{\"type\":\"post\",\"platform\":\"tiktok\",\"handle\":\"a\",\"post_id\":\"1\","
                "\"extra_json\":{\"a\":tru}}",
                "extra_json: not a JSON object"},
        BadLine{"{\"type\":\"post\",\"platform\":\"tiktok\",\"handle\":\"a\",\"post_id\":\"1\","
                "\"likes\":-2}",
                "likes: -2 is negative"},
        BadLine{"{\"type\":\"post\",\"platform\":\"myspace\",\"handle\":\"a\",\"post_id\":\"1\"}",
                "platform: 'myspace' is not one of instagram|tiktok|youtube"},
        BadLine{"{\"type\":\"post\",\"platform\":\"tiktok\",\"handle\":\"a\",\"post_id\":\"1\","
                "\"posted_at\":\"soon\"}",
                "posted_at: 'soon' is not a time"},
        BadLine{"{\"type\":\"post\",\"platform\":\"tiktok\",\"handle\":\"a\",\"post_id\":\"1\","
                "\"colour\":\"red\"}",
                "colour: unknown field (put source-specific data in extra_json)"},
        BadLine{"{\"type\":\"post\",\"platform\":\"tiktok\",\"handle\":\"a\",\"post_id\":\"1\","
                "\"verified\":true}",
                "verified: not a field of a post"},
        BadLine{"{\"type\":\"post\",\"platform\":\"tiktok\",\"handle\":\"a\",\"post_id\":\"1\","
                "\"likes\":1,\"likes\":2}",
                "likes: appears twice"},
        BadLine{"{\"type\":\"snapshot\",\"platform\":\"tiktok\",\"handle\":\"a\"}",
                "taken_at: missing (required)"},
        BadLine{"{\"type\":\"post\",\"platform\":\"tiktok\"}",
                "handle: missing (required); post_id: missing (required)"}));

TEST(CanonicalJsonl, DetectsOnlyObjectsWithACanonicalType) {
  Format f = CanonicalJsonlFormat();
  std::filesystem::path any = "x.jsonl";
  EXPECT_TRUE(f.matches(any, "{\"type\":\"creator\",\"platform\":\"instagram\"}\n"));
  EXPECT_TRUE(f.matches(any, "  {\"platform\":\"tiktok\", \"type\": \"snapshot\"}\r\n"));
  EXPECT_FALSE(f.matches(any, "{\"type\":\"user\"}\n"));
  EXPECT_FALSE(f.matches(any, "{\"platform\":\"tiktok\"}\n"));
  EXPECT_FALSE(f.matches(any, "[{\"type\":\"post\"}]\n"));
  EXPECT_FALSE(f.matches(any, "{\"collector\": [\n"));
  EXPECT_FALSE(f.matches(any, ""));
}

// ---- Volume. ----

TEST(CanonicalCsv, WritesTwentyThousandPostsQuickly) {
  testing::TempDir dir;
  auto writer = CanonicalCsvWriter::Open(dir.path());
  ASSERT_TRUE(writer.ok());
  Post p = FullPost();
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 20'000; ++i) {
    p.external_id = "id" + std::to_string(i);
    p.likes = i;
    ASSERT_TRUE((*writer)->Accept(p).ok());
  }
  ASSERT_TRUE((*writer)->Close().ok());
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // Only a guard against pathological slowness (a flush per row, say) that still holds on a
  // loaded machine under the sanitizers; release-build speed is in docs/data-formats.md.
  EXPECT_LT(seconds, 5.0) << "writing 20k posts";
  Imported in = Import(CanonicalPostsCsvFormat(), dir.path() / "posts.csv");
  EXPECT_EQ(in.report.rows_loaded(), 20'000);
  EXPECT_EQ(in.report.rows_rejected(), 0);
}

}  // namespace
}  // namespace sphere::ingest
