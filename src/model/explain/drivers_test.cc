#include "model/explain/drivers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <ostream>
#include <set>

#include "core/niche.h"
#include "core/time.h"
#include "features/post/post_features.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::explain {
namespace {

using features::FeatureVector;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// "niche.<id>" for every niche, as PLEP appends them (static: FeatureVector keeps views).
const std::vector<std::string>& NicheNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const NicheInfo& n : Niches()) out.push_back("niche." + std::string(n.id));
    return out;
  }();
  return names;
}

// PLEP's whole input: the post schema then the niches, every value missing unless set.
FeatureVector SchemaVector(const std::map<std::string_view, double>& values = {}) {
  FeatureVector x;
  auto add = [&](std::string_view name) {
    auto it = values.find(name);
    x.Add(name, it == values.end() ? features::kMissing : it->second);
  };
  for (const std::string& name : features::PostFeatureNames()) add(name);
  for (const std::string& name : NicheNames()) add(name);
  return x;
}

const Driver* Find(const std::vector<Driver>& drivers, std::string_view group) {
  for (const Driver& d : drivers) {
    if (d.group == group) return &d;
  }
  return nullptr;
}

TEST(ExplainGroupContributions, EveryFeatureOfTheSchemaIsInExactlyOneGroup) {
  const FeatureVector x = SchemaVector();
  ASSERT_EQ(x.size(), 81u + Niches().size());
  const std::vector<double> zeros(x.size(), 0.0);
  ASSERT_OK_AND_ASSIGN(std::vector<Driver> drivers, GroupContributions(x, zeros));

  std::multiset<std::string> grouped;
  std::set<std::string> ids;
  for (const Driver& d : drivers) {
    EXPECT_FALSE(d.features.empty()) << d.group;
    EXPECT_FALSE(d.label.empty()) << d.group;
    EXPECT_TRUE(ids.insert(d.group).second) << d.group << " twice";
    for (std::string_view name : d.features) grouped.emplace(name);
  }
  for (const std::string& name : x.Names()) {
    EXPECT_EQ(grouped.count(name), 1u) << name;
  }
  EXPECT_EQ(grouped.size(), x.size());
  EXPECT_GE(drivers.size(), 20u);
  EXPECT_LE(drivers.size(), 30u);
}

TEST(ExplainGroupContributions, AnUnknownFeatureIsAnErrorNamingIt) {
  FeatureVector x;
  x.Add("post.hour_utc", 18.0);
  x.Add("post.mood", 1.0);
  const std::vector<double> c = {0.1, 0.2};
  EXPECT_THAT(GroupContributions(x, c).status(),
              IsError(Code::kInvalidArgument, HasSubstr("post.mood")));

  FeatureVector niche;
  niche.Add("niche.astrology", 1.0);
  EXPECT_THAT(GroupContributions(niche, std::vector<double>{0.1}).status(),
              IsError(Code::kInvalidArgument, HasSubstr("niche.astrology")));
}

TEST(ExplainGroupContributions, RejectsMismatchedRepeatedAndNonFiniteInput) {
  FeatureVector x;
  x.Add("caption.hashtags", 5.0);
  x.Add("caption.mentions", 1.0);
  EXPECT_THAT(GroupContributions(x, std::vector<double>{0.1}).status(),
              IsError(Code::kInvalidArgument, HasSubstr("1 values for 2 features")));
  EXPECT_THAT(GroupContributions(x, std::vector<double>{0.1, NAN}).status(),
              IsError(Code::kInvalidArgument, HasSubstr("caption.mentions")));

  x.Add("caption.hashtags", 6.0);
  EXPECT_THAT(GroupContributions(x, std::vector<double>{0.1, 0.2, 0.3}).status(),
              IsError(Code::kInvalidArgument, HasSubstr("caption.hashtags appears twice")));
}

TEST(ExplainGroupContributions, SumsTheContributionsOfEachGroup) {
  const FeatureVector x = SchemaVector();
  std::vector<double> c(x.size());
  for (size_t i = 0; i < c.size(); ++i) c[i] = 0.001 * static_cast<double>(i + 1);
  ASSERT_OK_AND_ASSIGN(std::vector<Driver> drivers, GroupContributions(x, c));

  std::map<std::string_view, double> by_name;
  for (size_t i = 0; i < x.size(); ++i) by_name[x[i].name] = c[i];
  double total = 0;
  for (const Driver& d : drivers) {
    double expected = 0;
    for (std::string_view name : d.features) expected += by_name.at(name);
    EXPECT_NEAR(d.contribution, expected, 1e-12) << d.group;
    total += d.contribution;
  }
  EXPECT_NEAR(total, std::accumulate(c.begin(), c.end(), 0.0), 1e-12);

  const Driver* time = Find(drivers, "posting_time");
  ASSERT_NE(time, nullptr);
  EXPECT_THAT(time->features, ElementsAre("post.hour_utc", "post.weekday_utc"));
  EXPECT_NEAR(time->contribution, by_name["post.hour_utc"] + by_name["post.weekday_utc"], 1e-12);
  const Driver* niche = Find(drivers, "niche");
  ASSERT_NE(niche, nullptr);
  EXPECT_EQ(niche->features.size(), Niches().size());
}

TEST(ExplainGroupContributions, SortsByMagnitudeLargestFirst) {
  FeatureVector x;
  x.Add("caption.hashtags", 5.0);
  x.Add("caption.mentions", 0.0);
  x.Add("post.sponsored", 1.0);
  x.Add("caption.chars", 510.0);
  x.Add("caption.words", 80.0);
  const std::vector<double> c = {0.1, -0.4, 0.0, 0.2, 0.15};
  ASSERT_OK_AND_ASSIGN(std::vector<Driver> drivers, GroupContributions(x, c));
  std::vector<std::string> order;
  for (const Driver& d : drivers) order.push_back(d.group);
  EXPECT_THAT(order, ElementsAre("mentions", "caption_length", "hashtags", "sponsored"));
  EXPECT_NEAR(drivers[1].contribution, 0.35, 1e-12);
  EXPECT_EQ(drivers[1].label, "caption of 510 characters");
}

struct LabelCase {
  const char* group;
  std::map<std::string_view, double> values;
  const char* label;
};

void PrintTo(const LabelCase& c, std::ostream* out) { *out << c.group << ": " << c.label; }

class ExplainLabels : public ::testing::TestWithParam<LabelCase> {};

TEST_P(ExplainLabels, AreReadFromTheFeatureValues) {
  const LabelCase& tc = GetParam();
  const FeatureVector x = SchemaVector(tc.values);
  ASSERT_OK_AND_ASSIGN(std::vector<Driver> drivers,
                       GroupContributions(x, std::vector<double>(x.size(), 0.0)));
  const Driver* d = Find(drivers, tc.group);
  ASSERT_NE(d, nullptr) << tc.group;
  EXPECT_EQ(d->label, tc.label);
}

const std::map<std::string_view, double> kDescribedImage = {{"visual.source_description", 1},
                                                            {"visual.source_pixels", 0}};

std::map<std::string_view, double> With(std::map<std::string_view, double> base,
                                        const std::map<std::string_view, double>& more) {
  for (const auto& [k, v] : more) base[k] = v;
  return base;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ExplainLabels,
    ::testing::Values(
        // Post.
        LabelCase{"posting_time",
                  {{"post.hour_utc", 18}, {"post.weekday_utc", 1}},
                  "posted Tuesday 18:00 UTC"},
        LabelCase{"posting_time",
                  {{"post.hour_utc", 7}, {"post.weekday_utc", 6}},
                  "posted Sunday 07:00 UTC"},
        LabelCase{"posting_time", {{"post.weekday_utc", 0}}, "posted on a Monday"},
        LabelCase{"posting_time", {}, "posting time unknown"},
        LabelCase{"format", {{"post.is_carousel", 1}, {"post.is_video", 0}}, "carousel"},
        LabelCase{"format", {{"post.is_carousel", 0}, {"post.is_video", 1}}, "video"},
        LabelCase{"format", {{"post.is_carousel", 0}, {"post.is_video", 0}}, "single image"},
        LabelCase{"sponsored", {{"post.sponsored", 1}}, "sponsored"},
        LabelCase{"sponsored", {{"post.sponsored", 0}}, "not sponsored"},
        LabelCase{"post_age", {{"post.age_days", 356.4}}, "counted 356 days after posting"},
        LabelCase{"post_age", {{"post.age_days", 1}}, "counted 1 day after posting"},
        LabelCase{"post_age", {{"post.age_days", 0.25}}, "counted 6 hours after posting"},
        LabelCase{"post_age", {}, "counting time unknown"},
        // Creator.
        LabelCase{"platform",
                  {{"creator.instagram", 1}, {"creator.tiktok", 0}, {"creator.youtube", 0}},
                  "on Instagram"},
        LabelCase{"platform",
                  {{"creator.instagram", 0}, {"creator.tiktok", 0}, {"creator.youtube", 1}},
                  "on YouTube"},
        LabelCase{"platform", {}, "platform unknown"},
        LabelCase{"followers", {{"creator.followers", 18583}}, "18.6k followers"},
        LabelCase{"followers", {{"creator.followers", 1}}, "1 follower"},
        LabelCase{"followers", {}, "followers unknown"},
        LabelCase{"following", {{"creator.following", 512}}, "follows 512 accounts"},
        LabelCase{"creator_posts", {{"creator.posts_count", 1250}}, "1.25k posts on the profile"},
        LabelCase{"verified", {{"creator.verified", 1}}, "verified account"},
        LabelCase{"verified", {{"creator.verified", 0}}, "not verified"},
        LabelCase{"verified", {}, "verification unknown"},
        // Caption.
        LabelCase{"hashtags", {{"caption.hashtags", 5}}, "5 hashtags"},
        LabelCase{"hashtags", {{"caption.hashtags", 1}}, "1 hashtag"},
        LabelCase{"hashtags", {{"caption.hashtags", 0}}, "no hashtags"},
        LabelCase{"mentions", {{"caption.mentions", 2}}, "2 mentions"},
        LabelCase{"links", {{"caption.urls", 1}}, "1 link in the caption"},
        LabelCase{"links", {{"caption.urls", 0}}, "no links in the caption"},
        LabelCase{"caption_length",
                  {{"caption.chars", 510}, {"caption.words", 80}, {"caption.line_breaks", 0}},
                  "caption of 510 characters"},
        LabelCase{"caption_length",
                  {{"caption.chars", 1320}, {"caption.words", 200}, {"caption.line_breaks", 4}},
                  "caption of 1.32k characters, 4 line breaks"},
        LabelCase{"caption_length", {{"caption.chars", 0}, {"caption.words", 0}}, "no caption"},
        LabelCase{
            "emoji", {{"caption.emoji", 3}, {"caption.emoji_valence", 2.3}}, "3 emoji, positive"},
        LabelCase{
            "emoji", {{"caption.emoji", 1}, {"caption.emoji_valence", -2}}, "1 emoji, negative"},
        LabelCase{"emoji", {{"caption.emoji", 2}}, "2 emoji"},
        LabelCase{"emoji", {{"caption.emoji", 0}}, "no emoji"},
        LabelCase{"tone",
                  {{"caption.sentiment", 0.8},
                   {"caption.calls_to_action", 1},
                   {"caption.questions", 0},
                   {"caption.exclamations", 2},
                   {"caption.uppercase_share", 0.1}},
                  "positive tone, 1 call to action, 2 exclamations"},
        LabelCase{"tone",
                  {{"caption.sentiment", -0.3},
                   {"caption.questions", 1},
                   {"caption.uppercase_share", 0.9}},
                  "negative tone, 1 question, mostly capitals"},
        LabelCase{"tone", {{"caption.sentiment", 0.0}}, "neutral tone"},
        LabelCase{"tone", {{"caption.calls_to_action", 0}}, "sentiment unknown"},
        LabelCase{"language", {{"caption.is_english", 1}}, "English caption"},
        LabelCase{"language", {{"caption.is_english", 0}}, "non-English caption"},
        LabelCase{"language", {}, "language undetermined"},
        LabelCase{"caption_encoding", {{"caption.invalid_bytes", 0}}, "caption text well-formed"},
        LabelCase{
            "caption_encoding", {{"caption.invalid_bytes", 3}}, "3 invalid bytes in the caption"},
        // Image.
        LabelCase{"image_source",
                  {{"visual.source_description", 0}, {"visual.source_pixels", 0}},
                  "no image analysed"},
        LabelCase{"image_source",
                  {{"visual.source_description", 0}, {"visual.source_pixels", 1}},
                  "image analysed from its pixels"},
        LabelCase{"image_source", With(kDescribedImage, {{"visual.people", 0}}),
                  "image from its description"},
        LabelCase{"image_source", With(kDescribedImage, {{"visual.food", 1}}),
                  "image from its description"},
        LabelCase{"image_source", kDescribedImage, "no usable image description"},
        LabelCase{"image_people", With(kDescribedImage, {{"visual.people", 2}}),
                  "2 people in the image"},
        LabelCase{"image_people",
                  With(kDescribedImage, {{"visual.people", 1}, {"visual.smiling", 1}}),
                  "1 person in the image, smiling"},
        LabelCase{"image_people",
                  {{"visual.source_pixels", 1},
                   {"visual.people", 3},
                   {"visual.smiling", 0},
                   {"visual.face_area_share", 0.12}},
                  "3 people in the image, faces fill 12% of it"},
        LabelCase{"image_people", With(kDescribedImage, {{"visual.people", 0}}),
                  "no people in the image"},
        LabelCase{"image_people", {{"visual.people", 2}}, "no image analysed"},
        LabelCase{"image_scene",
                  With(kDescribedImage,
                       {{"visual.outdoor", 1}, {"visual.nature", 1}, {"visual.food", 0}}),
                  "scene: outdoor, nature"},
        LabelCase{"image_scene", With(kDescribedImage, {{"visual.outdoor", 0}}),
                  "no recognised scene"},
        LabelCase{"image_scene", {{"visual.source_pixels", 1}}, "scene not classified (photo)"},
        LabelCase{"image_scene", {}, "no image analysed"},
        LabelCase{"image_quality",
                  {{"visual.source_pixels", 1},
                   {"visual.brisque", 23.4},
                   {"visual.brightness", 0.8},
                   {"visual.saturation", 0.5}},
                  "image: good quality (BRISQUE 23), bright, vivid colours"},
        LabelCase{
            "image_quality",
            {{"visual.source_pixels", 1}, {"visual.brightness", 0.5}, {"visual.saturation", 0.3}},
            "image: ordinary exposure and colour"},
        LabelCase{"image_quality", kDescribedImage, "image quality not measured (description)"},
        LabelCase{"image_text", With(kDescribedImage, {{"visual.text", 1}}), "text in the image"},
        LabelCase{
            "image_text",
            {{"visual.source_pixels", 1}, {"visual.text", 1}, {"visual.text_area_share", 0.08}},
            "text in the image (covers 8%)"},
        LabelCase{"image_text", With(kDescribedImage, {{"visual.text", 0}}),
                  "no text in the image"},
        // History.
        LabelCase{"history_level", {{"history.posts_before", 0}}, "no earlier posts"},
        LabelCase{"history_level", {{"history.posts_before", 3}}, "no counts on earlier posts"},
        LabelCase{"history_level",
                  {{"history.posts_before", 40}, {"history.median_engagement", 1200}},
                  "earlier posts' median 1.2k engagements"},
        LabelCase{"history_level",
                  {{"history.posts_before", 40},
                   {"history.median_engagement", 1250},
                   {"history.median_comments", 35},
                   {"history.median_views", 10400}},
                  "earlier posts' median 1.25k engagements, 35 comments, 10.4k views"},
        LabelCase{"history_trend",
                  {{"history.posts_before", 40},
                   {"history.engagement_trend", 0.03},
                   {"history.engagement_spread", 0.3}},
                  "engagement rising 3% per post, steady"},
        LabelCase{"history_trend",
                  {{"history.posts_before", 40},
                   {"history.engagement_trend", -0.1},
                   {"history.engagement_spread", 1.4}},
                  "engagement falling 9.5% per post, uneven"},
        LabelCase{"history_trend",
                  {{"history.posts_before", 40},
                   {"history.engagement_trend", 0.001},
                   {"history.engagement_spread", 0.7}},
                  "engagement flat over earlier posts"},
        LabelCase{
            "history_trend", {{"history.posts_before", 1}}, "too few earlier posts for a trend"},
        LabelCase{"history_activity",
                  {{"history.posts_before", 340},
                   {"history.posts_last_30d", 12},
                   {"history.days_since_last_post", 2.2}},
                  "340 earlier posts, 12 in the last 30 days, previous 2 days before"},
        LabelCase{"history_activity", {{"history.posts_before", 0}}, "no earlier posts"},
        LabelCase{"history_format_mix",
                  {{"history.carousel_share", 0.4},
                   {"history.video_share", 0.1},
                   {"history.sponsored_share", 0.05}},
                  "earlier posts: 40% carousels, 10% videos, 5% sponsored"},
        LabelCase{"history_format_mix",
                  {{"history.carousel_share", 0},
                   {"history.video_share", 0},
                   {"history.sponsored_share", 0}},
                  "earlier posts: all single images, none sponsored"},
        LabelCase{"history_format_mix", {}, "no earlier posts"},
        LabelCase{"follower_growth",
                  {{"history.followers_at_t", 18583}, {"history.follower_growth", 0.023}},
                  "+2.3% followers per 30 days, 18.6k followers at the last snapshot"},
        LabelCase{"follower_growth",
                  {{"history.follower_growth", -0.004}},
                  "-0.4% followers per 30 days"},
        LabelCase{"follower_growth", {}, "no follower history"},
        LabelCase{"engagement_rate", {{"history.engagement_rate", 0.0139}}, "engagement rate 1.4%"},
        LabelCase{"engagement_rate",
                  {{"history.snapshot_engagement_rate", 0.0023}},
                  "engagement rate 0.23% (profile snapshot)"},
        LabelCase{"engagement_rate", {}, "engagement rate unknown"},
        // Niche.
        LabelCase{"niche", {}, "niche unknown"}));

TEST(ExplainLabelsFromVectors, NameTheCreatorsNiche) {
  std::map<std::string_view, double> values;
  for (const std::string& name : NicheNames()) values[name] = name == "niche.fitness" ? 1 : 0;
  const FeatureVector x = SchemaVector(values);
  ASSERT_OK_AND_ASSIGN(std::vector<Driver> drivers,
                       GroupContributions(x, std::vector<double>(x.size(), 0.0)));
  EXPECT_EQ(Find(drivers, "niche")->label, "niche: Fitness & health");
}

// The labels read the featurizer's real output: weekday 0 = Monday, the description's
// people and scene flags, the caption counts.
TEST(ExplainLabelsFromVectors, ReadWhatThePostFeaturizerProduces) {
  auto featurizer = features::PostFeaturizer::Create(
      features::AssetDir(sphere::testing::SourceDir() / "var/assets"));
  ASSERT_TRUE(featurizer.ok()) << featurizer.status().ToString();
  features::PostDraft draft;
  draft.caption = "Loved this morning run with the crew! Link in bio #run #fitness #morning";
  draft.image_description = "Image may contain: 2 people, people smiling, outdoor, nature";
  draft.posted_at = *ParseIsoTime("2019-05-28T18:30:00Z");  // a Tuesday
  draft.media_type = MediaType::kCarousel;
  draft.sponsored = true;
  Creator creator;
  creator.platform = Platform::kInstagram;
  creator.followers = 18583;
  ASSERT_OK_AND_ASSIGN(features::PostFeatures f,
                       (*featurizer)->Extract(draft, {&creator, {}, {}}, *draft.posted_at));

  ASSERT_OK_AND_ASSIGN(std::vector<Driver> drivers,
                       GroupContributions(f.vector, std::vector<double>(f.vector.size(), 0.0)));
  std::map<std::string, std::string> labels;
  for (const Driver& d : drivers) labels[d.group] = d.label;
  EXPECT_EQ(labels["posting_time"], "posted Tuesday 18:00 UTC");
  EXPECT_EQ(labels["format"], "carousel");
  EXPECT_EQ(labels["sponsored"], "sponsored");
  EXPECT_EQ(labels["post_age"], "counting time unknown");
  EXPECT_EQ(labels["platform"], "on Instagram");
  EXPECT_EQ(labels["followers"], "18.6k followers");
  EXPECT_EQ(labels["hashtags"], "3 hashtags");
  EXPECT_EQ(labels["tone"], "positive tone, 1 call to action, 1 exclamation");
  EXPECT_EQ(labels["language"], "English caption");
  EXPECT_EQ(labels["image_source"], "image from its description");
  EXPECT_EQ(labels["image_people"], "2 people in the image, smiling");
  EXPECT_EQ(labels["image_scene"], "scene: outdoor, nature");
  EXPECT_EQ(labels["image_quality"], "image quality not measured (description)");
  EXPECT_EQ(labels["history_level"], "no earlier posts");
  EXPECT_EQ(labels["history_activity"], "no earlier posts");
  EXPECT_EQ(labels.count("niche"), 0u);  // the post schema alone has no niche features
}

Driver D(const char* group, double contribution) { return {group, group, contribution, {}}; }

std::vector<std::string> Groups(const std::vector<Driver>& drivers) {
  std::vector<std::string> out;
  for (const Driver& d : drivers) out.push_back(d.group);
  return out;
}

TEST(ExplainTop, SplitsRaisingAndLoweringDriversLargestFirst) {
  const std::vector<Driver> drivers = {D("a", 0.1),  D("b", -0.5), D("c", 0.3), D("d", 0.0),
                                       D("e", -0.2), D("f", 0.05), D("g", 0.2), D("h", -0.01)};
  const TopDrivers top = Top(drivers);
  EXPECT_THAT(Groups(top.positive), ElementsAre("c", "g", "a"));
  EXPECT_THAT(Groups(top.negative), ElementsAre("b", "e", "h"));

  const TopDrivers one = Top(drivers, 1);
  EXPECT_THAT(Groups(one.positive), ElementsAre("c"));
  EXPECT_THAT(Groups(one.negative), ElementsAre("b"));

  const TopDrivers all = Top(drivers, 10);
  EXPECT_EQ(all.positive.size(), 4u);
  EXPECT_EQ(all.negative.size(), 3u);  // "d" (zero) is in neither

  EXPECT_TRUE(Top({}).positive.empty());
}

struct EffectCase {
  double log_contribution;
  const char* text;
};

void PrintTo(const EffectCase& c, std::ostream* out) {
  *out << c.log_contribution << " -> " << c.text;
}

class ExplainFormatEffect : public ::testing::TestWithParam<EffectCase> {};

TEST_P(ExplainFormatEffect, IsTheMultiplicativeChange) {
  EXPECT_EQ(FormatEffect(GetParam().log_contribution), GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(Effects, ExplainFormatEffect,
                         ::testing::Values(EffectCase{0.18, "+20%"}, EffectCase{-0.69, "-50%"},
                                           EffectCase{std::log(1.5), "+50%"},
                                           EffectCase{0.004, "+0.4%"}, EffectCase{-0.004, "-0.4%"},
                                           EffectCase{0.0, "±0%"}, EffectCase{0.0004, "±0%"},
                                           EffectCase{std::log(2.0), "+100%"},
                                           EffectCase{std::log(2.5), "+150%"},
                                           EffectCase{1.5, "×4.5"}, EffectCase{3.0, "×20"},
                                           EffectCase{-12.0, "-99.9%"}, EffectCase{NAN, "n/a"},
                                           EffectCase{INFINITY, "n/a"}));

struct CountCase {
  double value;
  const char* text;
};

void PrintTo(const CountCase& c, std::ostream* out) { *out << c.value << " -> " << c.text; }

class ExplainFormatCount : public ::testing::TestWithParam<CountCase> {};

TEST_P(ExplainFormatCount, HumanisesTheNumber) {
  EXPECT_EQ(FormatCount(GetParam().value), GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(Counts, ExplainFormatCount,
                         ::testing::Values(CountCase{0, "0"}, CountCase{5, "5"},
                                           CountCase{2.5, "2.5"}, CountCase{950, "950"},
                                           CountCase{999.4, "999"}, CountCase{999.6, "1k"},
                                           CountCase{1000, "1k"}, CountCase{1200, "1.2k"},
                                           CountCase{1250, "1.25k"}, CountCase{18583, "18.6k"},
                                           CountCase{185830, "186k"}, CountCase{999960, "1M"},
                                           CountCase{1250000, "1.25M"}, CountCase{3.4e9, "3.4B"},
                                           CountCase{-18583, "-18.6k"}, CountCase{NAN, "?"}));

}  // namespace
}  // namespace sphere::explain
