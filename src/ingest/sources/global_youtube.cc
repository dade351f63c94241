// Kaggle "Global YouTube Statistics 2023": 995 channels with subscribers, views, uploads,
// 30-day gains and Social-Blade-style earnings estimates (data/SOURCES.md).
//
// Choices:
//   - handle = NormalizeHandle(Youtuber). Neither name column is a real handle; Youtuber
//     is unique in the file and equals 443 smi2022 YouTube handles where Title equals
//     403, while Title repeats three values and sometimes names another channel
//     ("One Direction" -> "21 Savage"). Title is kept in extra_json.
//   - taken_at = 2023-07-01: the file states no crawl date; it was published in mid-2023
//     and its top counts (T-Series 245M, MrBeast 166M) are those of early July 2023.
//   - the file is Windows-1252, but its non-Latin names were already lost before that:
//     U+FFFD written as UTF-8 (bytes EF BF BD) reads as "ï¿½" in cp1252; those are put
//     back as U+FFFD, including one cut short at the end of a name. The 'ý' runs that
//     stand for lost bytes elsewhere are left as they are: 'ý' is also a real letter.
//   - the country statistics at the end of each row (population, education, ...)
//     describe the country, not the channel, and are not imported.
#include <cmath>
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

constexpr std::string_view kSource = "global_youtube_2023";
constexpr int32_t kGainDays = 30;
// YouTube opened in 2005; an earlier creation year is a placeholder (the "YouTube"
// channel says 1970-01-01).
constexpr int kFirstYouTubeYear = 2005;

enum Col {
  kRank,
  kYoutuber,
  kSubscribers,
  kVideoViews,
  kCategory,
  kTitle,
  kUploads,
  kCountry,
  kChannelType,
  kVideoViewsRank,
  kCountryRank,
  kChannelTypeRank,
  kViews30Days,
  kMonthlyLow,
  kMonthlyHigh,
  kYearlyLow,
  kYearlyHigh,
  kSubscribers30Days,
  kCreatedYear,
  kCreatedMonth,
  kCreatedDay,
  kColCount,
};

constexpr std::string_view kColumnNames[kColCount] = {
    "rank",
    "Youtuber",
    "subscribers",
    "video_views",
    "category",
    "Title",
    "uploads",
    "Country",
    "channel_type",
    "video_views_rank",
    "country_rank",
    "channel_type_rank",
    "video_views_for_the_last_30_days",
    "lowest_monthly_earnings",
    "highest_monthly_earnings",
    "lowest_yearly_earnings",
    "highest_yearly_earnings",
    "subscribers_for_last_30_days",
    "created_year",
    "created_month",
    "created_date",
};

// Puts back U+FFFD where its UTF-8 bytes were read as cp1252; `changed` says whether any.
std::string RestoreReplacementChars(std::string_view text, bool& changed) {
  constexpr std::string_view kMisread = "\xC3\xAF\xC2\xBF\xC2\xBD";  // "ï¿½"
  constexpr std::string_view kCutTwo = "\xC3\xAF\xC2\xBF";           // "ï¿" at the end
  constexpr std::string_view kCutOne = "\xC3\xAF";                   // "ï" at the end
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  changed = false;
  for (size_t i = 0; i < text.size();) {
    if (text.substr(i).starts_with(kMisread)) {
      out += kReplacement;
      i += kMisread.size();
      changed = true;
    } else {
      out += text[i++];
    }
  }
  // A name cut to a fixed length can end inside the three bytes. A lone trailing "ï" is
  // only read as a cut one when replacement characters precede it ("Espa�ï").
  if (out.ends_with(kCutTwo)) {
    out.replace(out.size() - kCutTwo.size(), kCutTwo.size(), kReplacement);
    changed = true;
  } else if (changed && out.ends_with(kCutOne) &&
             std::string_view(out).substr(0, out.size() - kCutOne.size()).ends_with(kReplacement)) {
    out.replace(out.size() - kCutOne.size(), kCutOne.size(), kReplacement);
  }
  return out;
}

// A count cell. Spreadsheet exports wrote the largest view counts as "2.28E+11"; those
// are read as written, and the lost precision is noted.
struct Count {
  std::optional<int64_t> value;
  std::string error;
  std::string repair;
};

Count ParseCountCell(std::string_view column, std::string_view cell) {
  Count count;
  if (IsMissing(cell)) return count;
  std::string text(Trim(cell));
  if (Result<int64_t> i = ParseInteger(text); i.ok()) {
    count.value = *i;
    return count;
  }
  Result<double> d = ParseDecimal(text);
  if (!d.ok() || std::fabs(*d) > 9e18 || *d != std::floor(*d)) {
    count.error = std::string(column) + ": '" + text + "' is not a whole number";
    return count;
  }
  count.value = static_cast<int64_t>(*d);
  count.repair = std::string(column) + ": '" + text +
                 "' is in scientific notation (precision lost by a spreadsheet); read as " +
                 std::to_string(*count.value);
  return count;
}

std::optional<std::string> CreatedDate(std::string_view year_cell, std::string_view month_cell,
                                       std::string_view day_cell, std::string& repair) {
  if (IsMissing(year_cell) || IsMissing(month_cell) || IsMissing(day_cell)) return std::nullopt;
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Result<int64_t> year = ParseInteger(year_cell);
  Result<int64_t> day = ParseInteger(day_cell);
  unsigned month = 0;
  for (unsigned m = 0; m < 12; ++m) {
    if (Trim(month_cell) == kMonths[m]) month = m + 1;
  }
  if (!year.ok() || !day.ok() || month == 0 || *day < 1 || *day > 31) {
    repair = "created_year/created_month/created_date: '" + std::string(Trim(year_cell)) + " " +
             std::string(Trim(month_cell)) + " " + std::string(Trim(day_cell)) +
             "' is not a date; creation date left out";
    return std::nullopt;
  }
  if (*year < kFirstYouTubeYear) {
    repair = "created_year: " + std::to_string(*year) + " predates YouTube; creation date left out";
    return std::nullopt;
  }
  return FormatIsoDate(DaysFromCivil(static_cast<int>(*year), month, static_cast<unsigned>(*day)));
}

Status ImportGlobalYoutube(const std::filesystem::path& path, RecordSink& sink,
                           ImportReport& report) {
  SPHERE_ASSIGN_OR_RETURN(SourceCsv csv,
                          SourceCsv::Open(path, CsvOptions{.encoding = Encoding::kWindows1252}));
  if (!csv.has_header()) return InvalidArgument(path.string() + ":1: empty file (no header)");
  const std::vector<size_t> col = csv.columns().RequireAll(kColumnNames);
  SPHERE_RETURN_IF_ERROR(csv.CheckColumns());
  const UnixSeconds taken_at = DaysFromCivil(2023, 7, 1);

  struct First {
    int64_t line;
    std::vector<std::string> fields;
  };
  std::unordered_map<std::string, First> seen;
  CsvRecord record;
  while (true) {
    SPHERE_ASSIGN_OR_RETURN(bool more, csv.NextRow(record, report));
    if (!more) break;
    auto cell = [&](Col c) -> std::string_view { return record[col[c]]; };
    std::string repairs;

    bool name_changed = false;
    std::string youtuber = RestoreReplacementChars(Trim(cell(kYoutuber)), name_changed);
    if (name_changed) {
      AppendNote(repairs, "Youtuber: U+FFFD stored as UTF-8 was read as 'ï¿½'; restored");
    }
    std::string handle = NormalizeHandle(youtuber);
    if (handle.empty() || IsMissing(youtuber)) {
      report.Reject(record.line, "Youtuber: no value");
      continue;
    }

    Count counts[kColCount];
    std::string error;
    for (Col c : {kSubscribers, kVideoViews, kUploads, kViews30Days, kSubscribers30Days, kRank,
                  kVideoViewsRank, kCountryRank, kChannelTypeRank}) {
      counts[c] = ParseCountCell(kColumnNames[c], cell(c));
      if (error.empty()) error = counts[c].error;
      AppendNote(repairs, counts[c].repair);
    }
    for (Col c : {kSubscribers, kVideoViews, kUploads}) {
      if (error.empty() && counts[c].value && *counts[c].value < 0) {
        error =
            std::string(kColumnNames[c]) + ": " + std::to_string(*counts[c].value) + " is negative";
      }
    }
    std::optional<double> earnings[kColCount];
    for (Col c : {kMonthlyLow, kMonthlyHigh, kYearlyLow, kYearlyHigh}) {
      if (IsMissing(cell(c))) continue;
      Result<double> d = ParseDecimal(cell(c));
      if (!d.ok()) {
        if (error.empty()) error = std::string(kColumnNames[c]) + ": " + d.error().message();
        continue;
      }
      earnings[c] = *d;
    }
    if (!error.empty()) {
      report.Reject(record.line, error);
      continue;
    }

    if (auto [it, inserted] = seen.try_emplace(handle, First{record.line, record.fields});
        !inserted) {
      std::string where =
          "Youtuber: '" + youtuber + "' is a duplicate of line " + std::to_string(it->second.line);
      if (it->second.fields == record.fields) {
        report.Loaded();
        report.Repair(record.line, where + ", identical; loaded once");
      } else {
        report.Reject(record.line, where + " with different values; the first is kept");
      }
      continue;
    }

    std::string created_repair;
    std::optional<std::string> created =
        CreatedDate(cell(kCreatedYear), cell(kCreatedMonth), cell(kCreatedDay), created_repair);
    AppendNote(repairs, created_repair);

    Creator creator;
    creator.platform = Platform::kYouTube;
    creator.handle = handle;
    creator.display_name = youtuber;
    creator.niche = NicheOf(cell(kCategory));
    creator.followers = counts[kSubscribers].value;
    creator.posts_count = counts[kUploads].value;
    creator.country = TextOf(cell(kCountry));
    creator.stats_as_of = taken_at;
    creator.source = std::string(kSource);

    Snapshot snapshot = ProfileSnapshot(creator);
    snapshot.total_views = counts[kVideoViews].value;
    snapshot.followers_gain = counts[kSubscribers30Days].value;
    snapshot.views_gain = counts[kViews30Days].value;
    snapshot.period_days = kGainDays;

    nlohmann::json extra = nlohmann::json::object();
    auto put_count = [&](std::string_view key, Col c) {
      if (counts[c].value) extra[std::string(key)] = *counts[c].value;
    };
    put_count("rank", kRank);
    put_count("video_views_rank", kVideoViewsRank);
    put_count("country_rank", kCountryRank);
    put_count("channel_type_rank", kChannelTypeRank);
    bool title_changed = false;
    std::string title = RestoreReplacementChars(Trim(cell(kTitle)), title_changed);
    if (title_changed)
      AppendNote(repairs, "Title: U+FFFD stored as UTF-8 was read as 'ï¿½'; restored");
    if (!IsMissing(title)) extra["title"] = title;
    if (std::optional<std::string> type = TextOf(cell(kChannelType))) extra["channel_type"] = *type;
    nlohmann::json money = nlohmann::json::object();
    auto put_money = [&](std::string_view key, Col c) {
      if (earnings[c]) money[std::string(key)] = *earnings[c];
    };
    put_money("monthly_low", kMonthlyLow);
    put_money("monthly_high", kMonthlyHigh);
    put_money("yearly_low", kYearlyLow);
    put_money("yearly_high", kYearlyHigh);
    if (!money.empty()) extra["earnings_usd"] = std::move(money);
    if (created) extra["created"] = *created;
    snapshot.extra_json = ToJsonText(extra);

    SPHERE_RETURN_IF_ERROR(Emit(std::move(creator), sink, report));
    SPHERE_RETURN_IF_ERROR(Emit(std::move(snapshot), sink, report));
    report.Loaded();
    if (!repairs.empty()) report.Repair(record.line, repairs);
  }
  return Status::Ok();
}

bool MatchesGlobalYoutube(const std::filesystem::path& path, std::string_view first_line) {
  if (!HasExtension(path, ".csv")) return false;
  // The 30-day gain and earnings columns are this data set's own.
  std::vector<std::string> names = SplitHeaderLine(first_line);
  for (std::string_view required : {"youtuber", "subscribers", "video_views_for_the_last_30_days",
                                    "subscribers_for_last_30_days", "highest_yearly_earnings"}) {
    bool found = false;
    for (const std::string& n : names) found = found || n == required;
    if (!found) return false;
  }
  return true;
}

}  // namespace

Format GlobalYoutubeFormat() {
  return {
      .name = "global_youtube_2023",
      .description =
          "Global YouTube Statistics 2023 (Kaggle, Windows-1252): channels with "
          "subscribers, views, 30-day gains and earnings estimates",
      .matches = MatchesGlobalYoutube,
      .run = ImportGlobalYoutube,
  };
}

}  // namespace sphere::ingest
