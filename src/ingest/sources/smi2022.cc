// Kaggle "Social Media Influencers in 2022": the top ~1,000 Instagram, TikTok and YouTube
// creators in March, June, September and November 2022 (data/SOURCES.md).
//
// Every file has its own header, and some headers lie, so each file is read through an
// explicit layout chosen by the platform and month in its name and checked against its
// header; a header that matches no layout for that file is a whole-file error that shows
// what was expected.
//
// Rules:
//   - every file is source "smi2022"; a row's snapshot is taken_at the 15th of the file's
//     month (the files name the month, not the day; mid-month is off by at most half a
//     month either way), and its creator's stats_as_of is the same instant;
//   - the two March Instagram files are two releases of the same list (one edited), so
//     they yield the same snapshot keys (creator, "smi2022", 2022-03-15) and, after the
//     original's two display-name handles are repaired, the same records: importing
//     either or both gives the same store, and March is not counted twice.
//   - a row is rejected only when it has no usable username or follower count (or not
//     as many cells as the header); "#VALOR!", "N/A", "N/A'" and "-" are missing values.
//     A creator repeated in one file keeps its first row: an identical copy (its list
//     position aside) is loaded once and noted as a repair, and a copy with other
//     values is rejected citing the first row's line.
//   - the country columns are the audience's main country (the March headers say so,
//     and PewDiePie is listed as "United States"), not where the creator lives, so they
//     go to the snapshot's extra_json as audience_country and never to Creator::country.
#include <array>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/time.h"
#include "ingest/csv_reader.h"
#include "ingest/formats.h"
#include "ingest/numbers.h"
#include "ingest/sources/source_util.h"

namespace sphere::ingest {
namespace {

constexpr std::string_view kSource = "smi2022";
constexpr unsigned kSnapshotDay = 15;

enum class Field {
  kRank,  // the row's position in the list ("S.no"); kept in extra_json
  kHandle,
  kDisplayName,
  kCategory,
  kCategory2,
  kFollowers,
  kAudienceCountry,
  kAuthenticEngagement,
  kAvgEngagement,
  kAvgViews,
  kAvgLikes,
  kAvgComments,
  kAvgShares,
};
constexpr size_t kFieldCount = static_cast<size_t>(Field::kAvgShares) + 1;

struct Column {
  std::string_view header;  // as the file spells it; compared folded (CsvHeader::Fold)
  Field field;
};

// A handle cell known to hold something else, and the username it stands for.
struct HandleFix {
  std::string_view cell;
  std::string_view handle;
  std::string_view why;
};

struct Layout {
  Platform platform;
  unsigned month;
  std::string_view release;  // tells apart two layouts of one month; "" when only one
  // When a field has two columns, the second is the numeric copy the Spanish spreadsheet
  // added ("48.5M" then 48500000); it is preferred and the text is the fallback.
  std::vector<Column> columns;
  std::vector<HandleFix> handle_fixes;
};

using F = Field;

const std::vector<Layout>& Layouts() {
  static const std::vector<Layout> kLayouts = {
      {Platform::kInstagram,
       3,
       "juancos",
       {{"Influencer insta name", F::kHandle},
        {"instagram name", F::kDisplayName},
        {"category_1", F::kCategory},
        {"category_2", F::kCategory2},
        {"Followers", F::kFollowers},
        {"Followers Numbers", F::kFollowers},
        {"Audience country(mostly)", F::kAudienceCountry},
        {"Authentic engagement", F::kAuthenticEngagement},
        {"Authentic engagement Values", F::kAuthenticEngagement},
        {"Engagement avg", F::kAvgEngagement},
        {"Engagement avg Values", F::kAvgEngagement}},
       {}},
      {Platform::kInstagram,
       3,
       "original",
       {{"Influencer insta name", F::kHandle},
        {"Instagram User", F::kDisplayName},
        {"category", F::kCategory},
        {"category_2", F::kCategory2},
        {"Followers", F::kFollowers},
        {"Audience country", F::kAudienceCountry},
        {"Authentic engagement", F::kAuthenticEngagement},
        {"Engagement avg", F::kAvgEngagement}},
       // The first release put two display names in the username column; the edited
       // release of the same month (instagram_2022-03_juancos.csv) has the usernames.
       {{"Kylie Jenner", "kyliejenner", "the edited March release"},
        {"The Rock", "therock", "the edited March release"}}},
      // The June Instagram header was copied from the TikTok file: "Views avg." holds the
      // audience country, the "Likes avg" pair authentic engagement and the
      // "Comments avg." pair average engagement (the values match March and September).
      {Platform::kInstagram,
       6,
       "",
       {{"instagram name", F::kHandle},
        {"influencer name", F::kDisplayName},
        {"Category_1", F::kCategory},
        {"Category_2", F::kCategory2},
        {"Subscribers count", F::kFollowers},
        {"Subscribers count", F::kFollowers},
        {"Views avg.", F::kAudienceCountry},
        {"Likes avg", F::kAuthenticEngagement},
        {"Likes avg", F::kAuthenticEngagement},
        {"Comments avg.", F::kAvgEngagement},
        {"Comments avg.", F::kAvgEngagement}},
       {}},
      {Platform::kInstagram,
       9,
       "",
       {{"S.no", F::kRank},
        {"Instagram name", F::kHandle},
        {"Name", F::kDisplayName},
        {"Subscribers", F::kFollowers},
        {"Subscribers", F::kFollowers},
        {"Audience country", F::kAudienceCountry},
        {"Authentic engagement", F::kAuthenticEngagement},
        {"Authentic engagement Values", F::kAuthenticEngagement},
        {"Engagement average", F::kAvgEngagement},
        {"Engagement average Values", F::kAvgEngagement},
        {"Category_1", F::kCategory},
        {"Category_2", F::kCategory2}},
       {}},
      // November swaps the meaning of the two name columns: "Name" is the username.
      {Platform::kInstagram,
       11,
       "",
       {{"s.no", F::kRank},
        {"Name", F::kHandle},
        {"Instagram Name", F::kDisplayName},
        {"Category-1", F::kCategory},
        {"Followers", F::kFollowers},
        {"Followers", F::kFollowers},
        {"Country", F::kAudienceCountry},
        {"Eng. (Auth.)", F::kAuthenticEngagement},
        {"Eng. (Auth.)", F::kAuthenticEngagement},
        {"Eng. (Avg.)", F::kAvgEngagement},
        {"Eng. (Avg.)", F::kAvgEngagement},
        {"Category-2", F::kCategory2}},
       {}},
      {Platform::kTikTok,
       3,
       "",
       {{"Tiktoker name", F::kHandle},
        {"Tiktok name", F::kDisplayName},
        {"Subscribers count", F::kFollowers},
        {"Subscribers count", F::kFollowers},
        {"Views avg.", F::kAvgViews},
        {"Views avg.", F::kAvgViews},
        {"Likes avg", F::kAvgLikes},
        {"Likes avg", F::kAvgLikes},
        {"Comments avg.", F::kAvgComments},
        {"Comments avg.", F::kAvgComments},
        {"Shares avg", F::kAvgShares},
        {"Shares avg", F::kAvgShares}},
       {}},
      {Platform::kTikTok,
       6,
       "",
       {{"Tiktoker", F::kHandle},
        {"influencer name", F::kDisplayName},
        {"Subscribers count", F::kFollowers},
        {"Subscribers count", F::kFollowers},
        {"Views avg.", F::kAvgViews},
        {"Views avg.", F::kAvgViews},
        {"Likes avg", F::kAvgLikes},
        {"Likes avg", F::kAvgLikes},
        {"Comments avg.", F::kAvgComments},
        {"Comments avg.", F::kAvgComments},
        {"Shares avg", F::kAvgShares},
        {"Shares avg", F::kAvgShares}},
       {}},
      {Platform::kTikTok,
       9,
       "",
       {{"S.no", F::kRank},
        {"Tiktoker name", F::kHandle},
        {"Tiktok name", F::kDisplayName},
        {"Subscribers", F::kFollowers},
        {"Subscribers", F::kFollowers},
        {"Views avg.", F::kAvgViews},
        {"Views avg.", F::kAvgViews},
        {"Likes avg.", F::kAvgLikes},
        {"Likes avg.", F::kAvgLikes},
        {"Comments avg.", F::kAvgComments},
        {"Comments avg.", F::kAvgComments},
        {"Shares avg.", F::kAvgShares},
        {"Shares avg.", F::kAvgShares}},
       {}},
      // November has no numeric copies.
      {Platform::kTikTok,
       11,
       "",
       {{"row-cell", F::kRank},
        {"Tiktoker name", F::kHandle},
        {"Tiktok name", F::kDisplayName},
        {"Followers", F::kFollowers},
        {"Views (Avg.)", F::kAvgViews},
        {"Likes (Avg.)", F::kAvgLikes},
        {"Comments (Avg.)", F::kAvgComments},
        {"Shares (Avg.)", F::kAvgShares}},
       {}},
      // YouTube's handle column is the channel's URL name ("tseries", "MrBeast6000"), or
      // the channel title where the list had no other; it moves between files.
      {Platform::kYouTube,
       3,
       "",
       {{"youtuber name", F::kHandle},
        {"channel name", F::kDisplayName},
        {"Category", F::kCategory},
        {"Subscribers", F::kFollowers},
        {"Subscribers", F::kFollowers},
        {"Audience Country", F::kAudienceCountry},
        {"avg views", F::kAvgViews},
        {"avg views", F::kAvgViews},
        {"avg likes", F::kAvgLikes},
        {"avg likes", F::kAvgLikes},
        {"avg comments", F::kAvgComments},
        {"avg comments", F::kAvgComments}},
       {}},
      {Platform::kYouTube,
       6,
       "",
       {{"channel name", F::kHandle},
        {"youTuber", F::kDisplayName},
        {"Category", F::kCategory},
        {"Category_2", F::kCategory2},
        {"Subscribers count", F::kFollowers},
        {"Subscribers count", F::kFollowers},
        {"Country", F::kAudienceCountry},
        {"Views avg.", F::kAvgViews},
        {"Views avg.", F::kAvgViews},
        {"Likes avg", F::kAvgLikes},
        {"Likes avg", F::kAvgLikes},
        {"Comments avg.", F::kAvgComments},
        {"Comments avg.", F::kAvgComments}},
       {}},
      // September: "Name" is the title and "Youtuber" the handle; "Category_2" is the
      // first category and "Category_3" the second; there is no views column.
      {Platform::kYouTube,
       9,
       "",
       {{"S.no", F::kRank},
        {"Name", F::kDisplayName},
        {"Youtuber", F::kHandle},
        {"Country", F::kAudienceCountry},
        {"Subscribers", F::kFollowers},
        {"Subscribers", F::kFollowers},
        {"Category_2", F::kCategory},
        {"Avg. likes", F::kAvgLikes},
        {"Avg. likes", F::kAvgLikes},
        {"Avg Comments", F::kAvgComments},
        {"Avg Comments", F::kAvgComments},
        {"Category_3", F::kCategory2}},
       {}},
      {Platform::kYouTube,
       11,
       "",
       {{"s.no", F::kRank},
        {"Youtube channel", F::kHandle},
        {"youtuber name", F::kDisplayName},
        {"Category", F::kCategory},
        {"Followers", F::kFollowers},
        {"Followers", F::kFollowers},
        {"Country", F::kAudienceCountry},
        {"Views (Avg.)", F::kAvgViews},
        {"Views (Avg.)", F::kAvgViews},
        {"Likes (Avg.)", F::kAvgLikes},
        {"Likes (Avg.)", F::kAvgLikes},
        {"Comments (Avg.)", F::kAvgComments},
        {"Comments (Avg.)", F::kAvgComments},
        {"Category-2", F::kCategory2}},
       {}},
  };
  return kLayouts;
}

struct FileKey {
  Platform platform;
  unsigned month;
};

// "instagram_2022-06.csv", "instagram_2022-03_juancos.csv" (also .csv.gz, any case).
std::optional<FileKey> ParseFileName(const std::filesystem::path& path) {
  std::string name = path.filename().string();
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view n = name;
  if (n.ends_with(".gz")) n.remove_suffix(3);
  if (!n.ends_with(".csv")) return std::nullopt;
  n.remove_suffix(4);
  FileKey key{};
  if (n.starts_with("instagram_")) {
    key.platform = Platform::kInstagram;
    n.remove_prefix(10);
  } else if (n.starts_with("tiktok_")) {
    key.platform = Platform::kTikTok;
    n.remove_prefix(7);
  } else if (n.starts_with("youtube_")) {
    key.platform = Platform::kYouTube;
    n.remove_prefix(8);
  } else {
    return std::nullopt;
  }
  if (n.size() < 7 || !n.starts_with("2022-") || !std::isdigit(static_cast<unsigned char>(n[5])) ||
      !std::isdigit(static_cast<unsigned char>(n[6]))) {
    return std::nullopt;
  }
  key.month = static_cast<unsigned>((n[5] - '0') * 10 + (n[6] - '0'));
  n.remove_prefix(7);
  if (!n.empty() && (n.size() < 2 || n.front() != '_')) return std::nullopt;
  if (key.month < 1 || key.month > 12) return std::nullopt;
  return key;
}

std::vector<const Layout*> LayoutsFor(const FileKey& key) {
  std::vector<const Layout*> out;
  for (const Layout& layout : Layouts()) {
    if (layout.platform == key.platform && layout.month == key.month) out.push_back(&layout);
  }
  return out;
}

bool HeaderMatches(const Layout& layout, const std::vector<std::string>& header) {
  if (header.size() != layout.columns.size()) return false;
  for (size_t i = 0; i < header.size(); ++i) {
    if (CsvHeader::Fold(header[i]) != CsvHeader::Fold(layout.columns[i].header)) return false;
  }
  return true;
}

// The first physical line of a header whose later names may be quoted and span lines:
// every complete name before the first quote must be the layout's.
bool FirstLineAgrees(const Layout& layout, std::string_view first_line) {
  first_line = StripLineEnd(first_line);
  size_t quote = first_line.find('"');
  bool complete = quote == std::string_view::npos;
  std::vector<std::string> names = SplitHeaderLine(first_line.substr(0, quote));
  if (!complete) names.pop_back();  // the text between the last comma and the quote
  if (complete ? names.size() != layout.columns.size() : names.size() > layout.columns.size()) {
    return false;
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] != CsvHeader::Fold(layout.columns[i].header)) return false;
  }
  return !names.empty();
}

std::string FileLabel(const FileKey& key) {
  std::string label(ToString(key.platform));
  label += " 2022-";
  if (key.month < 10) label += '0';
  label += std::to_string(key.month);
  return label;
}

std::string ListNames(const std::vector<std::string_view>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  return out + "]";
}

Status HeaderMismatch(const std::filesystem::path& path, const FileKey& key,
                      const std::vector<const Layout*>& candidates,
                      const std::vector<std::string>& header) {
  std::string message = path.string() + ":1: the header is not a known smi2022 header for " +
                        FileLabel(key) + "; expected ";
  if (candidates.empty()) {
    message +=
        "a file of March, June, September or November (there is no layout for this "
        "month)";
  }
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (i > 0) message += " or ";
    std::vector<std::string_view> names;
    for (const Column& c : candidates[i]->columns) names.push_back(c.header);
    message += ListNames(names);
    if (!candidates[i]->release.empty()) {
      message += " (" + std::string(candidates[i]->release) + " release)";
    }
  }
  std::vector<std::string_view> found(header.begin(), header.end());
  message += "; found " + ListNames(found);
  return InvalidArgument(std::move(message));
}

std::optional<double> ParseAmount(std::string_view cell) {
  if (Result<double> d = ParseDecimal(cell); d.ok()) return *d;
  if (Result<int64_t> c = ParseCount(cell); c.ok()) return static_cast<double>(*c);
  return std::nullopt;
}

std::optional<int64_t> ParseFollowerCount(std::string_view cell) {
  if (Result<int64_t> c = ParseCount(cell); c.ok() && *c >= 0) return *c;
  return std::nullopt;
}

// Reads one field from its columns, numeric copy first. `bad` is set to the first cell
// tried that holds neither a number nor a spelling of "no value".
template <typename T, typename Parse>
std::optional<T> ReadValue(const std::vector<size_t>& columns, const CsvRecord& record, Parse parse,
                           std::optional<std::string>& bad) {
  bad.reset();
  for (auto it = columns.rbegin(); it != columns.rend(); ++it) {
    const std::string& cell = record[*it];
    if (IsMissing(cell)) continue;
    if (std::optional<T> value = parse(cell)) return value;
    if (!bad) bad = cell;
  }
  return std::nullopt;
}

class Smi2022Importer {
 public:
  Smi2022Importer(const Layout& layout, RecordSink& sink, ImportReport& report)
      : layout_(layout),
        sink_(sink),
        report_(report),
        taken_at_(DaysFromCivil(2022, layout.month, kSnapshotDay)) {
    for (size_t i = 0; i < layout.columns.size(); ++i) {
      columns_[static_cast<size_t>(layout.columns[i].field)].push_back(i);
    }
  }

  // One record with as many cells as the layout has columns.
  Status Row(const CsvRecord& record) {
    std::string repairs;
    std::optional<std::string> handle = Handle(record, repairs);
    if (!handle) return Status::Ok();

    std::optional<std::string> bad;
    std::optional<int64_t> followers =
        ReadValue<int64_t>(ColumnsOf(F::kFollowers), record, ParseFollowerCount, bad);
    if (!followers) {
      report_.Reject(record.line, Header(F::kFollowers) + ": no usable follower count" +
                                      (bad ? " ('" + *bad + "')" : " (no value)"));
      return Status::Ok();
    }

    std::string signature = Signature(record);
    if (auto [it, inserted] = first_row_.try_emplace(*handle, record.line, signature); !inserted) {
      const std::string where = "duplicate of line " + std::to_string(it->second.line);
      if (it->second.signature == signature) {
        // Nothing of it is lost: the creator and snapshot were emitted from the first copy.
        report_.Loaded();
        report_.Repair(record.line, Header(F::kHandle) + ": '" + *handle + "' is an identical " +
                                        where + "; loaded once");
      } else {
        report_.Reject(record.line, Header(F::kHandle) + ": '" + *handle + "' is a " + where +
                                        " with different values; the first is kept");
      }
      return Status::Ok();
    }

    Creator creator;
    creator.platform = layout_.platform;
    creator.handle = *handle;
    creator.display_name = TextOf(Cell(record, F::kDisplayName)).value_or("");
    creator.niche = NicheOf(Cell(record, F::kCategory));
    creator.followers = followers;
    creator.stats_as_of = taken_at_;
    creator.source = std::string(kSource);

    Snapshot snapshot = ProfileSnapshot(creator);
    snapshot.avg_views = Amount(record, F::kAvgViews, repairs);
    snapshot.avg_likes = Amount(record, F::kAvgLikes, repairs);
    snapshot.avg_comments = Amount(record, F::kAvgComments, repairs);
    snapshot.avg_shares = Amount(record, F::kAvgShares, repairs);
    snapshot.authentic_engagement = Amount(record, F::kAuthenticEngagement, repairs);

    nlohmann::json extra = nlohmann::json::object();
    if (!ColumnsOf(F::kRank).empty()) {
      if (Result<int64_t> rank = ParseInteger(Cell(record, F::kRank)); rank.ok()) {
        extra["rank"] = *rank;
      }
    }
    if (std::optional<std::string> country = TextOf(Cell(record, F::kAudienceCountry))) {
      extra["audience_country"] = *country;
    }
    // Interactions per post from all accounts; Snapshot has no field for it (its
    // engagement_rate is a fraction of followers, which this is not).
    if (std::optional<double> avg = Amount(record, F::kAvgEngagement, repairs)) {
      extra["avg_engagement"] = *avg;
    }
    if (std::optional<std::string> category2 = NicheOf(Cell(record, F::kCategory2))) {
      extra["category_2"] = *category2;
    }
    snapshot.extra_json = ToJsonText(extra);

    SPHERE_RETURN_IF_ERROR(Emit(std::move(creator), sink_, report_));
    SPHERE_RETURN_IF_ERROR(Emit(std::move(snapshot), sink_, report_));
    report_.Loaded();
    if (!repairs.empty()) report_.Repair(record.line, repairs);
    return Status::Ok();
  }

 private:
  struct FirstRow {
    FirstRow(int64_t l, std::string s) : line(l), signature(std::move(s)) {}
    int64_t line;
    std::string signature;
  };

  const std::vector<size_t>& ColumnsOf(Field f) const { return columns_[static_cast<size_t>(f)]; }

  // The field's only (or text) column; "" when the layout has none.
  std::string_view Cell(const CsvRecord& record, Field f) const {
    const std::vector<size_t>& cols = ColumnsOf(f);
    return cols.empty() ? std::string_view() : std::string_view(record[cols.front()]);
  }

  std::string Header(Field f) const {
    const std::vector<size_t>& cols = ColumnsOf(f);
    return cols.empty() ? std::string() : std::string(layout_.columns[cols.front()].header);
  }

  // The normalised username, or nullopt after rejecting the row.
  std::optional<std::string> Handle(const CsvRecord& record, std::string& repairs) {
    std::string_view cell = Trim(Cell(record, F::kHandle));
    for (const HandleFix& fix : layout_.handle_fixes) {
      if (cell == fix.cell) {
        AppendNote(repairs, Header(F::kHandle) + ": '" + std::string(cell) +
                                "' is a display name; the username '" + std::string(fix.handle) +
                                "' is from " + std::string(fix.why));
        return std::string(fix.handle);
      }
    }
    std::string handle = NormalizeHandle(cell);
    if (handle.empty()) {
      bool blank = true;
      for (const std::string& c : record.fields) blank = blank && Trim(c).empty();
      report_.Reject(record.line,
                     Header(F::kHandle) + ": no username" + (blank ? " (the row is blank)" : ""));
      return std::nullopt;
    }
    if (layout_.platform != Platform::kYouTube && !IsUsername(handle)) {
      report_.Reject(record.line, Header(F::kHandle) + ": '" + std::string(cell) +
                                      "' is not a valid " +
                                      std::string(ToString(layout_.platform)) + " username");
      return std::nullopt;
    }
    return handle;
  }

  std::optional<double> Amount(const CsvRecord& record, Field f, std::string& repairs) {
    std::optional<std::string> bad;
    std::optional<double> value = ReadValue<double>(ColumnsOf(f), record, ParseAmount, bad);
    if (!value && bad) {
      AppendNote(repairs, Header(f) + ": '" + *bad + "' is not a number; left empty");
    }
    return value;
  }

  // Every cell but the list position, which differs between copies of one row.
  std::string Signature(const CsvRecord& record) const {
    std::string out;
    for (size_t i = 0; i < record.size(); ++i) {
      if (layout_.columns[i].field == F::kRank) continue;
      out += Trim(record[i]);
      out += '\x1f';
    }
    return out;
  }

  const Layout& layout_;
  RecordSink& sink_;
  ImportReport& report_;
  const UnixSeconds taken_at_;
  std::array<std::vector<size_t>, kFieldCount> columns_;
  std::unordered_map<std::string, FirstRow> first_row_;
};

Status ImportSmi2022(const std::filesystem::path& path, RecordSink& sink, ImportReport& report) {
  std::optional<FileKey> key = ParseFileName(path);
  if (!key) {
    return InvalidArgument(path.string() +
                           ": not an smi2022 file name; the month is read from names like "
                           "instagram_2022-06.csv or instagram_2022-03_original.csv");
  }
  SPHERE_ASSIGN_OR_RETURN(SourceCsv csv, SourceCsv::Open(path));
  if (!csv.has_header()) return InvalidArgument(path.string() + ":1: empty file (no header)");
  const std::vector<std::string>& header = csv.header().fields;
  std::vector<const Layout*> candidates = LayoutsFor(*key);
  const Layout* layout = nullptr;
  for (const Layout* candidate : candidates) {
    if (HeaderMatches(*candidate, header)) layout = candidate;
  }
  if (layout == nullptr) return HeaderMismatch(path, *key, candidates, header);

  Smi2022Importer importer(*layout, sink, report);
  CsvRecord record;
  while (true) {
    SPHERE_ASSIGN_OR_RETURN(bool more, csv.NextRow(record, report));
    if (!more) break;
    SPHERE_RETURN_IF_ERROR(importer.Row(record));
  }
  return Status::Ok();
}

bool MatchesSmi2022(const std::filesystem::path& path, std::string_view first_line) {
  std::optional<FileKey> key = ParseFileName(path);
  if (!key) return false;
  for (const Layout* layout : LayoutsFor(*key)) {
    if (FirstLineAgrees(*layout, first_line)) return true;
  }
  return false;
}

}  // namespace

Format Smi2022Format() {
  return {
      .name = "smi2022",
      .description =
          "Social Media Influencers 2022 (Kaggle): <instagram|tiktok|youtube>_2022-<MM>.csv, "
          "monthly top-1000 lists; one snapshot per creator dated the 15th",
      .matches = MatchesSmi2022,
      .run = ImportSmi2022,
  };
}

}  // namespace sphere::ingest
