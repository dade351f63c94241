#include "market/rate_card.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <system_error>

#include "core/niche.h"

namespace sphere::market {
namespace {

using Json = nlohmann::json;

constexpr Platform kPlatforms[] = {Platform::kInstagram, Platform::kTikTok, Platform::kYouTube};
constexpr MediaType kFormats[] = {MediaType::kImage, MediaType::kCarousel, MediaType::kVideo};

std::string Join(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
}

// Builds "<origin>: <path>: <reason>" errors, the one shape every card error has.
class Checker {
 public:
  explicit Checker(std::string_view origin) : origin_(origin) {}

  Status Error(std::string_view path, std::string_view reason) const {
    if (path.empty()) return InvalidArgument(fmt::format("{}: {}", origin_, reason));
    return InvalidArgument(fmt::format("{}: {}: {}", origin_, path, reason));
  }

  // Every key of `object` must be one of `allowed`; the error lists them.
  Status OnlyKeys(const Json& object, std::string_view path,
                  std::initializer_list<std::string_view> allowed,
                  std::string_view what = "key") const {
    for (const auto& [key, value] : object.items()) {
      bool known = false;
      for (std::string_view a : allowed) known = known || key == a;
      if (!known) {
        std::string list;
        for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        return Error(Join(path, key), fmt::format("unknown {} (expected one of: {})", what, list));
      }
    }
    return Status::Ok();
  }

  Result<std::string> String(const Json& value, std::string_view path) const {
    if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
      return Error(path, "must be a non-empty string");
    }
    return value.get<std::string>();
  }

  Result<double> PositiveNumber(const Json& value, std::string_view path) const {
    if (!value.is_number()) return Error(path, "must be a positive number");
    const double x = value.get<double>();
    if (!std::isfinite(x) || x <= 0) return Error(path, "must be a positive number");
    return x;
  }

 private:
  std::string origin_;
};

// nlohmann keeps the last of two equal keys without a word; in a rate card that would let a
// pasted second "cpm" silently replace the first. The parser callback sees every key, so this
// records the first duplicate with its JSON path.
class DuplicateKeyFinder {
 public:
  bool operator()(int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        frames_.push_back({event == Json::parse_event_t::object_start, ChildName(), {}, {}, 0});
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        if (!frames_.empty()) frames_.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!frames_.empty() && parsed.is_string()) {
          Frame& frame = frames_.back();
          std::string key = parsed.get<std::string>();
          if (!frame.keys.insert(key).second && !duplicate_) duplicate_ = Path(key);
          frame.key = std::move(key);
        }
        break;
      case Json::parse_event_t::value:
        if (!frames_.empty() && !frames_.back().is_object) ++frames_.back().index;
        break;
    }
    return true;
  }

  const std::optional<std::string>& duplicate() const { return duplicate_; }

 private:
  struct Frame {
    bool is_object = true;
    std::string name;  // this container's key or "[i]" in its parent
    std::set<std::string> keys;
    std::string key;  // the key whose value is being read
    size_t index = 0;
  };

  // The name of a container that starts now, as its parent sees it.
  std::string ChildName() {
    if (frames_.empty()) return "";
    Frame& parent = frames_.back();
    if (parent.is_object) return parent.key;
    return fmt::format("[{}]", parent.index++);
  }

  std::string Path(std::string_view key) const {
    std::string path;
    for (const Frame& f : frames_) {
      if (f.name.empty()) continue;
      path += (path.empty() || f.name.front() == '[') ? f.name : "." + f.name;
    }
    return Join(path, key);
  }

  std::vector<Frame> frames_;
  std::optional<std::string> duplicate_;
};

Status ParseCell(const Checker& check, const Json& value, const std::string& path, RateCell& cell) {
  if (!value.is_object()) return check.Error(path, "must be an object with cpe and/or cpm");
  SPHERE_RETURN_IF_ERROR(check.OnlyKeys(value, path, {"cpe", "cpm", "note"}));
  if (value.contains("cpe")) {
    SPHERE_ASSIGN_OR_RETURN(cell.cpe, check.PositiveNumber(value["cpe"], Join(path, "cpe")));
  }
  if (value.contains("cpm")) {
    SPHERE_ASSIGN_OR_RETURN(cell.cpm, check.PositiveNumber(value["cpm"], Join(path, "cpm")));
  }
  if (value.contains("note")) {
    SPHERE_ASSIGN_OR_RETURN(cell.note, check.String(value["note"], Join(path, "note")));
  }
  if (cell.empty()) return check.Error(path, "needs a cpe or a cpm (or leave the cell out)");
  return Status::Ok();
}

Status ParsePlatforms(const Checker& check, const Json& platforms, RateCard& card) {
  const std::string path = "platforms";
  if (!platforms.is_object()) return check.Error(path, "must be an object keyed by platform");
  SPHERE_RETURN_IF_ERROR(
      check.OnlyKeys(platforms, path, {"instagram", "tiktok", "youtube"}, "platform"));
  for (Platform platform : kPlatforms) {
    const std::string platform_path = Join(path, ToString(platform));
    const auto it = platforms.find(ToString(platform));
    if (it == platforms.end()) continue;
    if (!it->is_object()) return check.Error(platform_path, "must be an object keyed by format");
    SPHERE_RETURN_IF_ERROR(
        check.OnlyKeys(*it, platform_path, {"image", "carousel", "video", "note"}, "format"));
    if (it->contains("note")) {
      SPHERE_RETURN_IF_ERROR(check.String((*it)["note"], Join(platform_path, "note")).status());
    }
    for (MediaType format : kFormats) {
      const auto cell = it->find(ToString(format));
      if (cell == it->end()) continue;
      SPHERE_RETURN_IF_ERROR(
          ParseCell(check, *cell, Join(platform_path, ToString(format)),
                    card.cells[static_cast<size_t>(platform)][static_cast<size_t>(format)]));
    }
  }
  for (const auto& row : card.cells) {
    for (const RateCell& cell : row) {
      if (!cell.empty()) return Status::Ok();
    }
  }
  return check.Error(path, "no rate cells: the card prices nothing");
}

Status ParseSources(const Checker& check, const Json& sources, RateCard& card) {
  if (!sources.is_array()) return check.Error("sources", "must be an array");
  for (size_t i = 0; i < sources.size(); ++i) {
    const std::string path = fmt::format("sources[{}]", i);
    const Json& source = sources[i];
    if (!source.is_object()) return check.Error(path, "must be an object with text and citation");
    SPHERE_RETURN_IF_ERROR(check.OnlyKeys(source, path, {"text", "citation"}));
    RateSource parsed;
    if (!source.contains("text")) return check.Error(Join(path, "text"), "missing");
    if (!source.contains("citation")) return check.Error(Join(path, "citation"), "missing");
    SPHERE_ASSIGN_OR_RETURN(parsed.text, check.String(source["text"], Join(path, "text")));
    SPHERE_ASSIGN_OR_RETURN(parsed.citation,
                            check.String(source["citation"], Join(path, "citation")));
    card.sources.push_back(std::move(parsed));
  }
  return Status::Ok();
}

Status ParseNicheMultipliers(const Checker& check, const Json& multipliers, RateCard& card) {
  const std::string path = "niche_multipliers";
  if (!multipliers.is_object()) return check.Error(path, "must be an object keyed by niche id");
  for (const auto& [niche, value] : multipliers.items()) {
    if (!IsNiche(niche)) {
      return check.Error(Join(path, niche), "unknown niche (the ids are in docs/niches.md)");
    }
    SPHERE_ASSIGN_OR_RETURN(card.niche_multipliers[niche],
                            check.PositiveNumber(value, Join(path, niche)));
  }
  return Status::Ok();
}

Status ParseDocument(const Checker& check, const Json& doc, RateCard& card) {
  if (!doc.is_object()) return check.Error("", "must be a JSON object");
  SPHERE_RETURN_IF_ERROR(
      check.OnlyKeys(doc, "", {"currency", "notes", "sources", "platforms", "niche_multipliers"}));

  if (!doc.contains("currency")) return check.Error("currency", "missing");
  const Json& currency = doc["currency"];
  const bool iso_code = currency.is_string() &&
                        currency.get_ref<const std::string&>().size() == 3 &&
                        std::all_of(currency.get_ref<const std::string&>().begin(),
                                    currency.get_ref<const std::string&>().end(),
                                    [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!iso_code) return check.Error("currency", "must be a 3-letter ISO 4217 code such as \"USD\"");
  card.currency = currency.get<std::string>();

  if (doc.contains("notes")) {
    const Json& notes = doc["notes"];
    if (!notes.is_array()) return check.Error("notes", "must be an array of strings");
    for (size_t i = 0; i < notes.size(); ++i) {
      SPHERE_ASSIGN_OR_RETURN(std::string note,
                              check.String(notes[i], fmt::format("notes[{}]", i)));
      card.notes.push_back(std::move(note));
    }
  }
  if (doc.contains("sources")) SPHERE_RETURN_IF_ERROR(ParseSources(check, doc["sources"], card));
  if (!doc.contains("platforms")) return check.Error("platforms", "missing");
  SPHERE_RETURN_IF_ERROR(ParsePlatforms(check, doc["platforms"], card));
  if (doc.contains("niche_multipliers")) {
    SPHERE_RETURN_IF_ERROR(ParseNicheMultipliers(check, doc["niche_multipliers"], card));
  }
  return Status::Ok();
}

Status CheckRange(std::string_view name, const Range& r) {
  for (auto [end, x] : {std::pair{"low", r.low}, {"mid", r.mid}, {"high", r.high}}) {
    if (!std::isfinite(x) || x < 0) {
      return InvalidArgument(
          fmt::format("{}.{}: must be a finite number >= 0 (got {})", name, end, x));
    }
  }
  if (!(r.low <= r.mid && r.mid <= r.high)) {
    return InvalidArgument(fmt::format(
        "{}: the range must have low <= mid <= high (got {}, {}, {})", name, r.low, r.mid, r.high));
  }
  return Status::Ok();
}

}  // namespace

const RateCell& RateCard::cell(Platform platform, MediaType format) const {
  return cells[static_cast<size_t>(platform)][static_cast<size_t>(format)];
}

double RateCard::NicheMultiplier(std::string_view niche) const {
  const auto it = niche_multipliers.find(niche);
  return it == niche_multipliers.end() ? 1.0 : it->second;
}

Result<RateCard> ParseRateCard(std::string_view text, std::string_view origin) {
  const Checker check(origin);
  DuplicateKeyFinder duplicates;
  Json doc;
  try {
    doc = Json::parse(text.begin(), text.end(), std::ref(duplicates));
  } catch (const Json::parse_error& e) {
    return check.Error("", fmt::format("not valid JSON: {}", e.what()));
  } catch (const Json::exception& e) {
    return check.Error("", fmt::format("cannot read the JSON: {}", e.what()));
  }
  if (duplicates.duplicate()) return check.Error(*duplicates.duplicate(), "duplicate key");
  RateCard card;
  card.origin = std::string(origin);
  try {
    SPHERE_RETURN_IF_ERROR(ParseDocument(check, doc, card));
  } catch (const Json::exception& e) {
    // Every access above is type-checked first; reaching here is a bug in this parser.
    return Internal(fmt::format("{}: rate card parser: {}", origin, e.what()));
  }
  return card;
}

Result<RateCard> LoadRateCard(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return NotFound(fmt::format("{}: is a directory, not a rate card file", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(fmt::format("{}: cannot read the rate card", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return NotFound(fmt::format("{}: cannot read the rate card", path.string()));
  return ParseRateCard(text.str(), path.string());
}

Result<Fee> PriceFee(const RateCard& card, Platform platform, MediaType format,
                     std::string_view niche, const Range& engagement,
                     const std::optional<Range>& views) {
  SPHERE_RETURN_IF_ERROR(CheckRange("engagement", engagement));
  if (views) SPHERE_RETURN_IF_ERROR(CheckRange("views", *views));
  if (!niche.empty() && !IsNiche(niche)) {
    return InvalidArgument(
        fmt::format("niche: '{}' is not a taxonomy niche id (see docs/niches.md)", niche));
  }
  const RateCell& cell = card.cell(platform, format);
  const std::string cell_path =
      fmt::format("platforms.{}.{}", ToString(platform), ToString(format));

  Fee fee;
  fee.multiplier = card.NicheMultiplier(niche);
  Range quantity;
  if (cell.cpm && views) {
    fee.basis = "cpm";
    fee.rate = *cell.cpm;
    // CPM is quoted per thousand views.
    quantity = {views->low / 1000, views->mid / 1000, views->high / 1000};
  } else if (cell.cpe) {
    fee.basis = "cpe";
    fee.rate = *cell.cpe;
    quantity = engagement;
  } else if (cell.cpm) {
    return FailedPrecondition(fmt::format(
        "{}: {}: the cell has only a cpm and no views forecast was given, so it cannot price "
        "this post (add a cpe to the cell or forecast views)",
        card.origin, cell_path));
  } else {
    return FailedPrecondition(fmt::format("{}: {}: the rate card has no rate for {} {} posts",
                                          card.origin, cell_path, ToString(platform),
                                          ToString(format)));
  }
  const double per_unit = fee.rate * fee.multiplier;
  fee.low = quantity.low * per_unit;
  fee.mid = quantity.mid * per_unit;
  fee.high = quantity.high * per_unit;
  return fee;
}

MediaType DefaultFormat(Platform platform) {
  switch (platform) {
    case Platform::kInstagram:
      return MediaType::kImage;
    case Platform::kTikTok:
    case Platform::kYouTube:
      return MediaType::kVideo;
  }
  return MediaType::kImage;
}

}  // namespace sphere::market
