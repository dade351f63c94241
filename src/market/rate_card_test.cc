#include "market/rate_card.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/niche.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::market {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A small valid card; the error cases below break one thing in it at a time.
constexpr std::string_view kSmallCard = R"({
  "currency": "USD",
  "platforms": {
    "instagram": {"image": {"cpe": 0.1}, "video": {"cpe": 0.2, "cpm": 10}},
    "tiktok": {"video": {"cpm": 8}}
  },
  "niche_multipliers": {"beauty": 1.5}
})";

const RateCard& DefaultCard() {
  static const RateCard* card = [] {
    auto loaded = LoadRateCard(testing::SourceDir() / "config/rate_card.json");
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    return new RateCard(loaded.ok() ? *loaded : RateCard{});
  }();
  return *card;
}

RateCard SmallCard() {
  auto card = ParseRateCard(kSmallCard, "small.json");
  EXPECT_TRUE(card.ok()) << card.status().ToString();
  return card.ok() ? *card : RateCard{};
}

TEST(DefaultRateCard, LoadsWithThePublishedFigures) {
  const RateCard& card = DefaultCard();
  EXPECT_EQ(card.currency, "USD");
  EXPECT_EQ(card.cell(Platform::kInstagram, MediaType::kImage).cpe, 0.14);
  EXPECT_EQ(card.cell(Platform::kInstagram, MediaType::kCarousel).cpe, 0.14);
  EXPECT_EQ(card.cell(Platform::kInstagram, MediaType::kVideo).cpe, 0.20);
  for (MediaType format : {MediaType::kImage, MediaType::kCarousel, MediaType::kVideo}) {
    EXPECT_EQ(card.cell(Platform::kInstagram, format).cpm, 10.0) << ToString(format);
  }
  EXPECT_EQ(card.cell(Platform::kTikTok, MediaType::kVideo).cpm, 10.0);
  EXPECT_EQ(card.cell(Platform::kYouTube, MediaType::kVideo).cpm, 22.5);
  // No published per-engagement figure for TikTok or YouTube: those rates are absent.
  EXPECT_FALSE(card.cell(Platform::kTikTok, MediaType::kVideo).cpe);
  EXPECT_FALSE(card.cell(Platform::kYouTube, MediaType::kVideo).cpe);
  EXPECT_TRUE(card.cell(Platform::kTikTok, MediaType::kImage).empty());
  EXPECT_TRUE(card.cell(Platform::kYouTube, MediaType::kCarousel).empty());
  EXPECT_GE(card.sources.size(), 2u);
  EXPECT_FALSE(card.notes.empty());
}

TEST(DefaultRateCard, EveryCellSaysWhereItsFiguresComeFrom) {
  for (const auto& row : DefaultCard().cells) {
    for (const RateCell& cell : row) {
      if (!cell.empty()) {
        EXPECT_FALSE(cell.note.empty());
      }
    }
  }
}

TEST(DefaultRateCard, EveryNicheMultiplierIsOne) {
  const RateCard& card = DefaultCard();
  EXPECT_EQ(card.niche_multipliers.size(), Niches().size());
  for (const NicheInfo& niche : Niches()) {
    EXPECT_EQ(card.NicheMultiplier(niche.id), 1.0) << niche.id;
  }
}

TEST(ParseRateCard, ReadsCellsAndMultipliers) {
  const RateCard card = SmallCard();
  EXPECT_EQ(card.origin, "small.json");
  EXPECT_EQ(card.cell(Platform::kInstagram, MediaType::kImage).cpe, 0.1);
  EXPECT_FALSE(card.cell(Platform::kInstagram, MediaType::kImage).cpm);
  EXPECT_EQ(card.cell(Platform::kTikTok, MediaType::kVideo).cpm, 8.0);
  EXPECT_TRUE(card.cell(Platform::kYouTube, MediaType::kVideo).empty());
  EXPECT_EQ(card.NicheMultiplier("beauty"), 1.5);
  EXPECT_EQ(card.NicheMultiplier("fashion"), 1.0);
  EXPECT_EQ(card.NicheMultiplier(""), 1.0);
}

TEST(ParseRateCard, ErrorNamesTheFileAndTheJsonPath) {
  auto card =
      ParseRateCard(R"({"currency": "USD", "platforms": {"tiktok": {"video": {"cpm": -1}}}})",
                    "config/rate_card.json");
  EXPECT_EQ(card.status().ToString(),
            "INVALID_ARGUMENT: config/rate_card.json: platforms.tiktok.video.cpm: must be a "
            "positive number");
}

struct BadCard {
  std::string json;
  std::string message;
};

void PrintTo(const BadCard& bad, std::ostream* out) { *out << bad.json; }

class ParseRateCardError : public ::testing::TestWithParam<BadCard> {};

TEST_P(ParseRateCardError, IsInvalidArgumentWithPath) {
  auto card = ParseRateCard(GetParam().json, "card.json");
  ASSERT_FALSE(card.ok());
  EXPECT_THAT(card.status(), IsError(Code::kInvalidArgument, StartsWith("card.json: ")));
  EXPECT_THAT(card.status().message(), HasSubstr(GetParam().message));
}

// Most cases wrap a "platforms" value in an otherwise valid card.
std::string WithPlatforms(const std::string& platforms) {
  return R"({"currency": "USD", "platforms": )" + platforms + "}";
}
const std::string kCell = R"({"instagram": {"image": {"cpe": 0.1}}})";
std::string WithTop(const std::string& extra) {
  return R"({"currency": "USD", "platforms": )" + kCell + ", " + extra + "}";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseRateCardError,
    ::testing::Values(
        BadCard{"{", "not valid JSON"}, BadCard{"", "not valid JSON"},
        BadCard{"[1, 2]", "must be a JSON object"},
        BadCard{WithTop(R"("niche_multiplier": {})"), "niche_multiplier: unknown key"},
        BadCard{R"({"platforms": )" + kCell + "}", "currency: missing"},
        BadCard{R"({"currency": "usd", "platforms": )" + kCell + "}",
                "currency: must be a 3-letter"},
        BadCard{R"({"currency": 840, "platforms": )" + kCell + "}", "currency: must be a 3-letter"},
        BadCard{WithTop(R"("notes": "one")"), "notes: must be an array"},
        BadCard{WithTop(R"("notes": ["ok", 3])"), "notes[1]: must be a non-empty string"},
        BadCard{WithTop(R"("sources": {})"), "sources: must be an array"},
        BadCard{WithTop(R"("sources": ["text"])"), "sources[0]: must be an object"},
        BadCard{WithTop(R"("sources": [{"text": "t"}])"), "sources[0].citation: missing"},
        BadCard{WithTop(R"("sources": [{"citation": "c"}])"), "sources[0].text: missing"},
        BadCard{WithTop(R"("sources": [{"text": "t", "citation": ""}])"),
                "sources[0].citation: must be a non-empty string"},
        BadCard{WithTop(R"("sources": [{"text": "t", "citation": "c", "url": "u"}])"),
                "sources[0].url: unknown key"},
        BadCard{R"({"currency": "USD"})", "platforms: missing"},
        BadCard{WithPlatforms("[]"), "platforms: must be an object"},
        BadCard{WithPlatforms("{}"), "platforms: no rate cells"},
        BadCard{WithPlatforms(R"({"instagram": {"note": "nothing priced"}})"),
                "platforms: no rate cells"},
        BadCard{WithPlatforms(R"({"snapchat": {"video": {"cpm": 5}}})"),
                "platforms.snapchat: unknown platform"},
        BadCard{WithPlatforms(R"({"Instagram": {"image": {"cpe": 1}}})"),
                "platforms.Instagram: unknown platform"},
        BadCard{WithPlatforms(R"({"tiktok": 10})"), "platforms.tiktok: must be an object"},
        BadCard{WithPlatforms(R"({"tiktok": {"note": 1, "video": {"cpm": 5}}})"),
                "platforms.tiktok.note: must be a non-empty string"},
        BadCard{WithPlatforms(R"({"tiktok": {"reel": {"cpm": 5}}})"),
                "platforms.tiktok.reel: unknown format"},
        BadCard{WithPlatforms(R"({"tiktok": {"video": 5}})"),
                "platforms.tiktok.video: must be an object"},
        BadCard{WithPlatforms(R"({"tiktok": {"video": {"cpc": 5}}})"),
                "platforms.tiktok.video.cpc: unknown key"},
        BadCard{WithPlatforms(R"({"tiktok": {"video": {"note": "n"}}})"),
                "platforms.tiktok.video: needs a cpe or a cpm"},
        BadCard{WithPlatforms(R"({"tiktok": {"video": {"cpm": 0}}})"),
                "platforms.tiktok.video.cpm: must be a positive number"},
        BadCard{WithPlatforms(R"({"tiktok": {"video": {"cpm": "10"}}})"),
                "platforms.tiktok.video.cpm: must be a positive number"},
        BadCard{WithPlatforms(R"({"tiktok": {"video": {"cpm": true}}})"),
                "platforms.tiktok.video.cpm: must be a positive number"},
        BadCard{WithPlatforms(R"({"youtube": {"video": {"cpe": -0.1}}})"),
                "platforms.youtube.video.cpe: must be a positive number"},
        BadCard{WithPlatforms(R"({"youtube": {"video": {"cpe": null}}})"),
                "platforms.youtube.video.cpe: must be a positive number"},
        BadCard{WithPlatforms(R"({"youtube": {"video": {"cpm": 5, "note": ""}}})"),
                "platforms.youtube.video.note: must be a non-empty string"},
        BadCard{WithTop(R"("niche_multipliers": [])"), "niche_multipliers: must be an object"},
        BadCard{WithTop(R"("niche_multipliers": {"fashon": 1.2})"),
                "niche_multipliers.fashon: unknown niche"},
        BadCard{WithTop(R"("niche_multipliers": {"Beauty": 1.2})"),
                "niche_multipliers.Beauty: unknown niche"},
        BadCard{WithTop(R"("niche_multipliers": {"beauty": 0})"),
                "niche_multipliers.beauty: must be a positive number"},
        // Duplicated keys: nlohmann would keep the last without a word.
        BadCard{WithPlatforms(R"({"tiktok": {"video": {"cpm": 10, "cpm": 12}}})"),
                "platforms.tiktok.video.cpm: duplicate key"},
        BadCard{R"({"currency": "USD", "currency": "EUR", "platforms": )" + kCell + "}",
                "currency: duplicate key"},
        BadCard{WithTop(R"("sources": [{"text": "a", "citation": "b"},
                                        {"text": "a", "text": "b", "citation": "c"}])"),
                "sources[1].text: duplicate key"},
        BadCard{WithTop(R"("notes": ["a", ["b", {"x": 1, "x": 2}]])"),
                "notes[1][1].x: duplicate key"}));

TEST(ParseRateCard, OverflowingNumberIsAnError) {
  auto card = ParseRateCard(WithPlatforms(R"({"tiktok": {"video": {"cpm": 1e999}}})"), "c.json");
  EXPECT_THAT(card.status(), IsError(Code::kInvalidArgument, StartsWith("c.json: ")));
}

TEST(LoadRateCard, MissingFileIsNotFoundNamingThePath) {
  testing::TempDir dir;
  const auto path = dir.path() / "absent.json";
  EXPECT_THAT(LoadRateCard(path).status(), IsError(Code::kNotFound, HasSubstr(path.string())));
  EXPECT_THAT(LoadRateCard(dir.path()).status(), IsError(Code::kNotFound, HasSubstr("directory")));
}

TEST(LoadRateCard, ErrorsStartWithThePath) {
  testing::TempDir dir;
  const auto path = dir.Write("card.json", WithPlatforms(R"({"tiktok": {"vdeo": {"cpm": 5}}})"));
  EXPECT_THAT(LoadRateCard(path).status(),
              IsError(Code::kInvalidArgument,
                      StartsWith(path.string() + ": platforms.tiktok.vdeo: unknown format")));
}

TEST(PriceFee, CpeMultipliesEachEndOfTheEngagementRange) {
  ASSERT_OK_AND_ASSIGN(Fee fee, PriceFee(DefaultCard(), Platform::kInstagram, MediaType::kImage,
                                         "fashion", {100, 200, 300}, std::nullopt));
  EXPECT_EQ(fee.basis, "cpe");
  EXPECT_DOUBLE_EQ(fee.rate, 0.14);
  EXPECT_DOUBLE_EQ(fee.multiplier, 1.0);
  EXPECT_DOUBLE_EQ(fee.low, 14);
  EXPECT_DOUBLE_EQ(fee.mid, 28);
  EXPECT_DOUBLE_EQ(fee.high, 42);
}

TEST(PriceFee, CpmWhenTheCellHasOneAndViewsAreGiven) {
  ASSERT_OK_AND_ASSIGN(Fee fee, PriceFee(DefaultCard(), Platform::kYouTube, MediaType::kVideo, "",
                                         {1, 2, 3}, Range{10'000, 40'000, 100'000}));
  EXPECT_EQ(fee.basis, "cpm");
  EXPECT_DOUBLE_EQ(fee.rate, 22.5);
  EXPECT_DOUBLE_EQ(fee.low, 225);
  EXPECT_DOUBLE_EQ(fee.mid, 900);
  EXPECT_DOUBLE_EQ(fee.high, 2250);
}

TEST(PriceFee, CpeWhenTheCellHasBothButNoViewsAreGiven) {
  ASSERT_OK_AND_ASSIGN(Fee fee, PriceFee(DefaultCard(), Platform::kInstagram, MediaType::kVideo, "",
                                         {1000, 1000, 1000}, std::nullopt));
  EXPECT_EQ(fee.basis, "cpe");
  EXPECT_DOUBLE_EQ(fee.mid, 200);
  ASSERT_OK_AND_ASSIGN(Fee by_views,
                       PriceFee(DefaultCard(), Platform::kInstagram, MediaType::kVideo, "",
                                {1000, 1000, 1000}, Range{5000, 5000, 5000}));
  EXPECT_EQ(by_views.basis, "cpm");
  EXPECT_DOUBLE_EQ(by_views.mid, 50);
}

TEST(PriceFee, CpeCellIgnoresViewsWhenItHasNoCpm) {
  const RateCard card = SmallCard();
  ASSERT_OK_AND_ASSIGN(Fee fee, PriceFee(card, Platform::kInstagram, MediaType::kImage, "",
                                         {10, 20, 30}, Range{1e6, 1e6, 1e6}));
  EXPECT_EQ(fee.basis, "cpe");
  EXPECT_DOUBLE_EQ(fee.mid, 2);
}

TEST(PriceFee, AppliesTheNicheMultiplier) {
  const RateCard card = SmallCard();
  ASSERT_OK_AND_ASSIGN(Fee beauty, PriceFee(card, Platform::kInstagram, MediaType::kImage, "beauty",
                                            {10, 20, 30}, std::nullopt));
  EXPECT_DOUBLE_EQ(beauty.multiplier, 1.5);
  EXPECT_DOUBLE_EQ(beauty.low, 1.5);
  EXPECT_DOUBLE_EQ(beauty.mid, 3);
  EXPECT_DOUBLE_EQ(beauty.high, 4.5);
  ASSERT_OK_AND_ASSIGN(Fee unlisted, PriceFee(card, Platform::kInstagram, MediaType::kImage, "food",
                                              {10, 20, 30}, std::nullopt));
  EXPECT_DOUBLE_EQ(unlisted.multiplier, 1.0);
  ASSERT_OK_AND_ASSIGN(Fee unknown, PriceFee(card, Platform::kInstagram, MediaType::kImage, "",
                                             {10, 20, 30}, std::nullopt));
  EXPECT_DOUBLE_EQ(unknown.multiplier, 1.0);
}

TEST(PriceFee, CpmOnlyCellWithoutViewsIsFailedPreconditionNamingTheCell) {
  EXPECT_THAT(
      PriceFee(DefaultCard(), Platform::kTikTok, MediaType::kVideo, "", {1, 2, 3}, std::nullopt)
          .status(),
      IsError(Code::kFailedPrecondition,
              AllOf(HasSubstr("rate_card.json"), HasSubstr("platforms.tiktok.video"),
                    HasSubstr("cpm"))));
}

TEST(PriceFee, EmptyCellIsFailedPreconditionNamingTheCell) {
  EXPECT_THAT(
      PriceFee(DefaultCard(), Platform::kTikTok, MediaType::kImage, "", {1, 2, 3}, Range{1, 2, 3})
          .status(),
      IsError(Code::kFailedPrecondition, HasSubstr("platforms.tiktok.image")));
}

TEST(PriceFee, UnknownNicheIsInvalidArgument) {
  EXPECT_THAT(PriceFee(DefaultCard(), Platform::kInstagram, MediaType::kImage, "fashon", {1, 2, 3},
                       std::nullopt)
                  .status(),
              IsError(Code::kInvalidArgument, HasSubstr("niche: 'fashon'")));
}

TEST(PriceFee, BadRangesAreInvalidArgumentNamingTheInput) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const RateCard& card = DefaultCard();
  auto engagement = [&](Range r) {
    return PriceFee(card, Platform::kInstagram, MediaType::kImage, "", r, std::nullopt).status();
  };
  auto views = [&](Range r) {
    return PriceFee(card, Platform::kYouTube, MediaType::kVideo, "", {1, 1, 1}, r).status();
  };
  EXPECT_THAT(engagement({-1, 2, 3}), IsError(Code::kInvalidArgument, HasSubstr("engagement.low")));
  EXPECT_THAT(engagement({1, nan, 3}),
              IsError(Code::kInvalidArgument, HasSubstr("engagement.mid")));
  EXPECT_THAT(engagement({1, 2, inf}),
              IsError(Code::kInvalidArgument, HasSubstr("engagement.high")));
  EXPECT_THAT(engagement({3, 2, 1}),
              IsError(Code::kInvalidArgument, HasSubstr("engagement: the range")));
  EXPECT_THAT(views({1, 2, -3}), IsError(Code::kInvalidArgument, HasSubstr("views.high")));
  EXPECT_THAT(views({1, 5, 3}), IsError(Code::kInvalidArgument, HasSubstr("views: the range")));
}

TEST(PriceFee, ZeroEngagementPricesAtZero) {
  ASSERT_OK_AND_ASSIGN(Fee fee, PriceFee(DefaultCard(), Platform::kInstagram, MediaType::kImage, "",
                                         {0, 0, 0}, std::nullopt));
  EXPECT_EQ(fee.low, 0);
  EXPECT_EQ(fee.high, 0);
}

TEST(DefaultFormat, IsTheFormatEachPlatformIsQuotedFor) {
  EXPECT_EQ(DefaultFormat(Platform::kInstagram), MediaType::kImage);
  EXPECT_EQ(DefaultFormat(Platform::kTikTok), MediaType::kVideo);
  EXPECT_EQ(DefaultFormat(Platform::kYouTube), MediaType::kVideo);
}

TEST(DefaultFormat, DefaultCardPricesEveryPlatformsDefaultFormat) {
  for (Platform p : {Platform::kInstagram, Platform::kTikTok, Platform::kYouTube}) {
    EXPECT_TRUE(PriceFee(DefaultCard(), p, DefaultFormat(p), "", {1, 2, 3}, Range{10, 20, 30}).ok())
        << ToString(p);
  }
}

}  // namespace
}  // namespace sphere::market
