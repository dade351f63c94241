#include "service/creator_valuation.h"

#include <utility>
#include <vector>

#include "market/score.h"
#include "service/plep_service.h"

namespace sphere::service {
namespace {

constexpr int kMaxHorizonDays = 365;  // the model's own bound (value_model.cc)

// The format a creator's fee is priced for: the format most of their recent posts take
// when the card prices it, else the platform's default.
MediaType FormatOf(const market::RateCard& card, Platform platform, const value::Summary& s) {
  MediaType format = market::DefaultFormat(platform);
  if (s.video_share && *s.video_share > 0.5) {
    format = MediaType::kVideo;
  } else if (s.carousel_share && *s.carousel_share > 0.5) {
    format = MediaType::kCarousel;
  } else if (s.video_share && platform == Platform::kInstagram) {
    format = MediaType::kImage;
  }
  if (card.cell(platform, format).empty()) format = market::DefaultFormat(platform);
  return format;
}

}  // namespace

Result<CreatorValuation> ValueCreatorAt(const value::ValueModel& model,
                                        const market::RateCard& card,
                                        const value::CreatorHistory& history, UnixSeconds as_of,
                                        int horizon_days, bool explain) {
  if (horizon_days < 1 || horizon_days > kMaxHorizonDays) {
    return InvalidArgument("horizon: must be 1.." + std::to_string(kMaxHorizonDays) +
                           " days, got " + std::to_string(horizon_days));
  }
  if (as_of == 0) return FailedPrecondition("no dated observation");
  CreatorValuation v;
  v.as_of = as_of;
  const value::Summary summary = value::Summarize(history, as_of);
  Result<value::ValueForecast> forecast =
      model.Forecast(history.platform, history.niche, summary, horizon_days, explain);
  if (!forecast.ok()) {
    if (forecast.status().code() != Code::kFailedPrecondition) return forecast.status();
    return FailedPrecondition("neither an engagement level nor a follower count as of the date");
  }
  v.forecast = std::move(*forecast);
  if (summary.followers) v.followers = summary.followers->value;
  v.format = FormatOf(card, history.platform, summary);
  const value::ValueForecast& f = v.forecast;
  std::optional<market::Range> views, views_now;
  if (f.views) {
    views = market::Range{f.views->low, f.views->mid, f.views->high};
    views_now = market::Range{*f.views_now, *f.views_now, *f.views_now};
  }
  Result<market::Fee> fee =
      market::PriceFee(card, history.platform, v.format, history.niche,
                       {f.engagement.low, f.engagement.mid, f.engagement.high}, views);
  if (!fee.ok()) {
    if (fee.status().code() != Code::kFailedPrecondition) return fee.status();
    return FailedPrecondition("the rate card cannot price " +
                              std::string(ToString(history.platform)) + " " +
                              std::string(ToString(v.format)));
  }
  v.fee = std::move(*fee);
  SPHERE_ASSIGN_OR_RETURN(
      market::Fee now,
      market::PriceFee(card, history.platform, v.format, history.niche,
                       {f.engagement_now, f.engagement_now, f.engagement_now}, views_now));
  v.fee_now = now.mid;

  // Growth needs an observed level to grow from: a value priced from the niche prior (no
  // engagement or views level known) has no momentum and no last-period growth.
  const bool cpm = v.fee.basis == "cpm";
  const bool observed_level = cpm ? f.views_basis != "prior" : f.engagement_basis != "prior";
  v.momentum = observed_level ? market::Momentum(v.fee_now, v.fee.mid) : 0;
  if (observed_level) {
    const std::optional<value::Level>& level = cpm ? summary.views : summary.engagement;
    const std::optional<double>& prev = cpm ? summary.views_prev : summary.engagement_prev;
    if (level && prev && *prev > 0) v.growth = level->value / *prev - 1;
  }
  if (summary.followers && summary.followers->value > 0) {
    const double followers = summary.followers->value;
    if (summary.daily_gain) v.follower_growth = *summary.daily_gain * 30.0 / followers;
    v.engagement_rate = f.engagement_now / followers;
  }
  return v;
}

Result<std::optional<value::CreatorHistory>> LoadCreatorHistory(Store& store,
                                                                const Creator& creator,
                                                                std::optional<std::string> niche) {
  SPHERE_ASSIGN_OR_RETURN(std::vector<Snapshot> snapshots, store.SnapshotsOf(creator.id));
  SPHERE_ASSIGN_OR_RETURN(std::vector<Post> all_posts, store.PostsOf(creator.id));
  // The posts LoadValueInputs keeps: dated, with likes and comments.
  std::vector<Post> posts;
  for (Post& p : all_posts) {
    if (p.posted_at && p.likes && p.comments) posts.push_back(std::move(p));
  }
  if (snapshots.empty() && posts.empty() && !creator.followers) {
    return std::optional<value::CreatorHistory>();
  }
  if (!niche) {
    SPHERE_ASSIGN_OR_RETURN(std::optional<std::string> read, PlepNicheOf(&store, creator));
    niche = read.value_or("");
  }
  return std::optional<value::CreatorHistory>(
      value::BuildHistory(creator, *niche, snapshots, posts));
}

}  // namespace sphere::service
