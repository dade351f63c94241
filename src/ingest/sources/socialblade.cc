// Social Blade weekly subscriber and view GAINS of 115 YouTube channels (2019-05-26 ..
// 2021-10-31) and the list of their archived Social Blade pages (data/SOURCES.md).
//
// Handles: `name` is the channel's Social Blade URL name (the /user/<name>, /c/<name> or
// /channel/<UC id> of socialblade_channels.csv), the only identifier either file has, so
// both files use NormalizeHandle(name) and their creators meet in the store. YouTube
// @handles are not in this data set.
//
// Known damage, repaired and reported:
//   - "commentory" is the source's spelling of the niche "commentary";
//   - pewdiepie is listed under two niches, so the source's join named its weekly rows
//     "pewdiepie.x" (comedy) and "pewdiepie.y" (gaming): both are read as "pewdiepie",
//     the .x row of a week is kept, a .y copy with the same gains is loaded once and one
//     with other gains is rejected (a Social Blade URL name never contains a '.');
//   - 181 gain cells are fractional (the source averaged some weeks); they are rounded.
// Gains such as "1e+05" are Social Blade's own rounding of large channels written by R
// in scientific notation; they are read exactly as written.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
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

constexpr std::string_view kSource = "socialblade";
constexpr int32_t kWeekDays = 7;

const std::vector<std::string_view> kWeeklyColumns = {"start_date", "name", "weekly_subscribers",
                                                      "weekly_views", "category"};
const std::vector<std::string_view> kChannelColumns = {"url", "name", "category"};

// The niche for a category cell, and the repair note when the source misspelled it.
std::optional<std::string> Niche(std::string_view cell, std::string& repair) {
  std::optional<std::string> niche = NicheOf(cell);
  if (niche == "commentory") {
    repair = "category: 'commentory' read as 'commentary'";
    niche = "commentary";
  }
  return niche;
}

// The channel for a weekly `name`, without the ".x"/".y" a join appended.
std::string ChannelName(std::string_view name, std::string& repair) {
  name = Trim(name);
  if (name.size() > 2 && (name.ends_with(".x") || name.ends_with(".y"))) {
    std::string_view base = name.substr(0, name.size() - 2);
    repair = "name: '" + std::string(name) + "' carries a join suffix; read as '" +
             std::string(base) + "'";
    return std::string(base);
  }
  return std::string(name);
}

struct Gain {
  std::optional<int64_t> value;
  std::string error;   // why the cell is unusable; "" when it is usable or missing
  std::string repair;  // set when the cell was rounded
};

Gain ParseGain(std::string_view column, std::string_view cell) {
  Gain gain;
  if (IsMissing(cell)) return gain;
  if (Result<int64_t> i = ParseInteger(cell); i.ok()) {
    gain.value = *i;
    return gain;
  }
  Result<double> d = ParseDecimal(cell);
  if (!d.ok() || std::fabs(*d) > 9e18) {
    gain.error = std::string(column) + ": '" + std::string(Trim(cell)) + "' is not a number";
    return gain;
  }
  gain.value = std::llround(*d);
  if (static_cast<double>(*gain.value) != *d) {
    gain.repair = std::string(column) + ": fractional '" + std::string(Trim(cell)) +
                  "' rounded to " + std::to_string(*gain.value);
  }
  return gain;
}

struct WeeklyRow {
  int64_t line = 0;
  std::string raw_name;
  std::string handle;
  std::optional<std::string> niche;
  std::string niche_repair;
  UnixSeconds week_end = 0;
  std::optional<int64_t> subscribers;
  std::optional<int64_t> views;
  std::string repairs;
};

Status ImportWeekly(const std::filesystem::path& path, RecordSink& sink, ImportReport& report) {
  SPHERE_ASSIGN_OR_RETURN(SourceCsv csv, SourceCsv::Open(path));
  if (!csv.has_header()) return InvalidArgument(path.string() + ":1: empty file (no header)");
  const std::vector<size_t> col = csv.columns().RequireAll(kWeeklyColumns);
  SPHERE_RETURN_IF_ERROR(csv.CheckColumns());
  const size_t kStart = col[0], kName = col[1], kSubs = col[2], kViews = col[3], kCat = col[4];

  // The whole file is read first so each channel's creator can carry the date of its
  // latest week; 15k rows are small.
  std::vector<WeeklyRow> rows;
  std::unordered_map<std::string, UnixSeconds> latest_week;
  CsvRecord record;
  while (true) {
    SPHERE_ASSIGN_OR_RETURN(bool more, csv.NextRow(record, report));
    if (!more) break;
    WeeklyRow row;
    row.line = record.line;
    row.raw_name = std::string(Trim(record[kName]));
    std::string name_repair;
    row.handle = NormalizeHandle(ChannelName(record[kName], name_repair));
    if (row.handle.empty()) {
      report.Reject(record.line, "name: empty");
      continue;
    }
    Result<UnixSeconds> start = ParseIsoTime(Trim(record[kStart]));
    if (!start.ok()) {
      report.Reject(record.line, "start_date: " + start.error().message());
      continue;
    }
    Gain subs = ParseGain("weekly_subscribers", record[kSubs]);
    Gain views = ParseGain("weekly_views", record[kViews]);
    if (!subs.error.empty() || !views.error.empty()) {
      report.Reject(record.line, !subs.error.empty() ? subs.error : views.error);
      continue;
    }
    if (!subs.value && !views.value) {
      report.Reject(record.line, "weekly_subscribers, weekly_views: no value in either");
      continue;
    }
    // A gain covers the week that starts on start_date; the snapshot is dated at its end.
    row.week_end = *start + kWeekDays * kSecondsPerDay;
    row.subscribers = subs.value;
    row.views = views.value;
    row.niche = Niche(record[kCat], row.niche_repair);
    AppendNote(row.repairs, name_repair);
    AppendNote(row.repairs, subs.repair);
    AppendNote(row.repairs, views.repair);
    UnixSeconds& latest = latest_week[row.handle];
    latest = std::max(latest, row.week_end);
    rows.push_back(std::move(row));
  }

  struct Kept {
    int64_t line;
    std::string raw_name;
    std::optional<int64_t> subscribers;
    std::optional<int64_t> views;
  };
  std::map<std::pair<std::string, UnixSeconds>, Kept> kept;  // (handle, week_end)
  std::unordered_map<std::string, bool> emitted;
  for (WeeklyRow& row : rows) {
    auto [it, inserted] = kept.try_emplace(
        {row.handle, row.week_end}, Kept{row.line, row.raw_name, row.subscribers, row.views});
    if (!inserted) {
      const Kept& first = it->second;
      std::string what = "'" + row.raw_name + "' repeats '" + first.raw_name + "' of line " +
                         std::to_string(first.line) + " for the week ending " +
                         FormatIsoDate(row.week_end);
      if (first.subscribers == row.subscribers && first.views == row.views) {
        report.Loaded();
        AppendNote(row.repairs, "name: " + what + " with the same gains; loaded once");
        report.Repair(row.line, row.repairs);
      } else {
        report.Reject(row.line, "name: " + what + " with different gains; the first is kept");
      }
      continue;
    }
    if (!emitted[row.handle]) {
      emitted[row.handle] = true;
      Creator creator;
      creator.platform = Platform::kYouTube;
      creator.handle = row.handle;
      creator.niche = row.niche;
      creator.stats_as_of = latest_week[row.handle];
      creator.source = std::string(kSource);
      SPHERE_RETURN_IF_ERROR(Emit(std::move(creator), sink, report));
      // The category only reaches the store through the creator, so its repair is noted
      // on the row that supplied it.
      AppendNote(row.repairs, row.niche_repair);
    }
    Snapshot snapshot;
    snapshot.platform = Platform::kYouTube;
    snapshot.creator_handle = row.handle;
    snapshot.taken_at = row.week_end;
    snapshot.source = std::string(kSource);
    snapshot.followers_gain = row.subscribers;
    snapshot.views_gain = row.views;
    snapshot.period_days = kWeekDays;
    SPHERE_RETURN_IF_ERROR(Emit(std::move(snapshot), sink, report));
    report.Loaded();
    if (!row.repairs.empty()) report.Repair(row.line, row.repairs);
  }
  return Status::Ok();
}

// "https://web.archive.org/web/20220529002348/https://..." -> 2022-05-29T00:23:48Z, the
// time the page (and so the channel's category) was captured.
std::optional<UnixSeconds> ArchiveTime(std::string_view url) {
  constexpr std::string_view kMarker = "web.archive.org/web/";
  size_t at = url.find(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  return ParseDigitTimestamp(url.substr(at + kMarker.size()));
}

Status ImportChannels(const std::filesystem::path& path, RecordSink& sink, ImportReport& report) {
  SPHERE_ASSIGN_OR_RETURN(SourceCsv csv, SourceCsv::Open(path));
  if (!csv.has_header()) return InvalidArgument(path.string() + ":1: empty file (no header)");
  const std::vector<size_t> col = csv.columns().RequireAll(kChannelColumns);
  SPHERE_RETURN_IF_ERROR(csv.CheckColumns());
  const size_t kUrl = col[0], kName = col[1], kCat = col[2];

  struct First {
    int64_t line;
    std::optional<std::string> niche;
  };
  std::unordered_map<std::string, First> seen;
  CsvRecord record;
  while (true) {
    SPHERE_ASSIGN_OR_RETURN(bool more, csv.NextRow(record, report));
    if (!more) break;
    std::string handle = NormalizeHandle(record[kName]);
    if (handle.empty()) {
      report.Reject(record.line, "name: empty");
      continue;
    }
    std::string repair;
    std::optional<std::string> niche = Niche(record[kCat], repair);
    auto [it, inserted] = seen.try_emplace(handle, First{record.line, niche});
    if (!inserted) {
      const First& first = it->second;
      std::string where = "name: '" + handle + "' is listed again (first at line " +
                          std::to_string(first.line) + ")";
      if (first.niche == niche) {
        report.Loaded();
        report.Repair(record.line, where + " with the same category; loaded once");
      } else {
        // A creator has one niche; the store cannot hold both.
        report.Reject(record.line, where + "; its category '" + niche.value_or("") +
                                       "' is dropped for the first, '" + first.niche.value_or("") +
                                       "'");
      }
      continue;
    }
    Creator creator;
    creator.platform = Platform::kYouTube;
    creator.handle = handle;
    creator.niche = niche;
    // The archived page's URL is not kept: Creator has no field for it, and the handle
    // already names the channel on Social Blade.
    creator.stats_as_of = ArchiveTime(record[kUrl]).value_or(0);
    creator.source = std::string(kSource);
    SPHERE_RETURN_IF_ERROR(Emit(std::move(creator), sink, report));
    report.Loaded();
    if (!repair.empty()) report.Repair(record.line, repair);
  }
  return Status::Ok();
}

bool MatchesWeekly(const std::filesystem::path& path, std::string_view first_line) {
  // With or without the row-index column R writes first.
  std::vector<std::string_view> with_index = {""};
  with_index.insert(with_index.end(), kWeeklyColumns.begin(), kWeeklyColumns.end());
  return HasExtension(path, ".csv") &&
         (HeaderLineIs(first_line, with_index) || HeaderLineIs(first_line, kWeeklyColumns));
}

bool MatchesChannels(const std::filesystem::path& path, std::string_view first_line) {
  // "url,name,category" is generic, so the file name must say where it is from.
  return HasExtension(path, ".csv") &&
         path.filename().string().find("socialblade") != std::string::npos &&
         HeaderLineIs(first_line, kChannelColumns);
}

}  // namespace

Format SocialBladeWeeklyFormat() {
  return {
      .name = "socialblade_weekly",
      .description =
          "Social Blade weekly subscriber/view gains per YouTube channel "
          "(start_date,name,weekly_subscribers,weekly_views,category)",
      .matches = MatchesWeekly,
      .run = ImportWeekly,
  };
}

Format SocialBladeChannelsFormat() {
  return {
      .name = "socialblade_channels",
      .description =
          "Social Blade channel list (url,name,category): YouTube creators "
          "with their niche",
      .matches = MatchesChannels,
      .run = ImportChannels,
  };
}

}  // namespace sphere::ingest
