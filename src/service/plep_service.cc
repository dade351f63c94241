#include "service/plep_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <unordered_map>

#include "core/niche.h"
#include "core/time.h"
#include "ingest/canonical/canonical_writer.h"
#include "ingest/collecting_sink.h"
#include "model/metrics/regression_metrics.h"
#include "model/plep/plep_card.h"
#include "model/plep/plep_features.h"
#include "service/feature_service.h"
#include "service/model_registry.h"

namespace sphere::service {
namespace {

plep::PlepRow RowOf(const Creator& creator, const Post& post,
                    const features::PostFeatures& features,
                    const std::optional<std::string>& niche) {
  plep::PlepRow row;
  row.creator_key = CreatorKeyText(creator.platform, creator.handle);
  row.post_id = post.external_id;
  row.platform = post.platform;
  row.media_type = post.media_type;
  row.posted_at = post.posted_at;
  row.niche = niche;
  if (creator.followers) row.followers = static_cast<double>(*creator.followers);
  if (features.history.median_engagement) {
    row.earlier_median_engagement = *features.history.median_engagement;
  }
  if (post.likes && post.comments) {
    row.log_engagement = std::log1p(static_cast<double>(*post.likes + *post.comments));
    row.log_comments = std::log1p(static_cast<double>(*post.comments));
  }
  return row;
}

}  // namespace

Result<std::optional<std::string>> PlepNicheOf(Store* store, const Creator& creator) {
  if (creator.niche) {
    if (std::optional<std::string_view> n = NicheOfCategory(*creator.niche))
      return std::optional<std::string>(std::string(*n));
  }
  if (store != nullptr && creator.id != 0) {
    SPHERE_ASSIGN_OR_RETURN(std::optional<InferredNiche> inferred,
                            store->InferredNicheOf(creator.id));
    if (inferred && IsNiche(inferred->niche)) return std::optional<std::string>(inferred->niche);
  }
  return std::optional<std::string>();
}

Result<PlepCreator> LoadPlepCreator(Store& store, Platform platform, std::string_view handle) {
  PlepCreator data;
  SPHERE_ASSIGN_OR_RETURN(static_cast<LoadedCreator&>(data), LoadCreator(store, platform, handle));
  SPHERE_ASSIGN_OR_RETURN(data.niche, PlepNicheOf(&store, data.creator));
  return data;
}

Result<DraftPrediction> PredictDraft(const plep::PlepModel& model,
                                     const features::PostFeaturizer& featurizer,
                                     const PlepCreator* creator, const features::PostDraft& draft,
                                     UnixSeconds at, bool explain) {
  features::CreatorContext context;
  if (creator != nullptr) context = {&creator->creator, creator->posts, creator->snapshots};
  DraftPrediction out;
  out.model_version = model.version();
  SPHERE_ASSIGN_OR_RETURN(out.features, featurizer.Extract(draft, context, at));
  out.vector = PlepVector(out.features, creator != nullptr ? creator->niche : std::nullopt);
  if (explain) {
    SPHERE_ASSIGN_OR_RETURN(out.explanation, model.Explain(out.vector));
  } else {
    SPHERE_ASSIGN_OR_RETURN(out.explanation.prediction, model.Predict(out.vector));
  }
  return out;
}

features::FeatureVector PlepVector(const features::PostFeatures& post,
                                   const std::optional<std::string>& niche) {
  features::FeatureVector x = post.vector;
  plep::AppendNicheFeatures(niche ? std::optional<std::string_view>(*niche) : std::nullopt, x);
  return x;
}

Result<PlepTrainingSet> BuildPlepTrainingSet(Store& store,
                                             const features::PostFeaturizer& featurizer,
                                             const plep::ProgressFn& progress) {
  SPHERE_ASSIGN_OR_RETURN(StoreStats stats, store.Stats());
  int64_t total = 0;
  for (const auto& [name, p] : stats.by_platform) total += p.posts;
  PlepTrainingSet set;
  int64_t seen = 0;
  int64_t niche_of = -1;
  std::optional<std::string> niche;
  SPHERE_ASSIGN_OR_RETURN(
      set.skipped_undated,
      ForEachStoredPostFeatures(store, featurizer,
                                [&](const Creator& creator, const Post& post,
                                    const features::PostFeatures& features) -> Status {
                                  if (progress && ++seen % 512 == 0)
                                    progress("features", seen, total);
                                  if (!post.likes || !post.comments) {
                                    ++set.skipped_unscored;
                                    return Status::Ok();
                                  }
                                  if (niche_of != creator.id) {  // posts arrive creator by creator
                                    SPHERE_ASSIGN_OR_RETURN(niche, PlepNicheOf(&store, creator));
                                    niche_of = creator.id;
                                  }
                                  return set.data.Add(PlepVector(features, niche),
                                                      RowOf(creator, post, features, niche));
                                }));
  if (progress) progress("features", total, total);
  return set;
}

Result<TrainPlepReport> TrainPlep(Store& store, const features::PostFeaturizer& featurizer,
                                  const TrainPlepOptions& options,
                                  const plep::ProgressFn& progress) {
  TrainPlepReport report;
  if (options.if_absent) {
    // Registered is not enough: the files must load here, against this build's schema.
    SPHERE_ASSIGN_OR_RETURN(
        std::optional<ModelRecord> latest,
        LoadableModel(store, plep::kModelKind, [](const std::filesystem::path& dir) {
          return plep::PlepModel::Load(dir).ok();
        }));
    if (latest) {
      report.skipped = true;
      report.version = latest->version;
      report.model_dir = latest->artifact_path;
      return report;
    }
  }
  const auto started = std::chrono::steady_clock::now();
  SPHERE_ASSIGN_OR_RETURN(PlepTrainingSet set, BuildPlepTrainingSet(store, featurizer, progress));
  report.feature_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report.posts = static_cast<int64_t>(set.data.size());
  report.skipped_undated = set.skipped_undated;
  report.skipped_unscored = set.skipped_unscored;
  if (set.data.size() == 0) {
    return FailedPrecondition(
        "no posts with a time, likes and comments in the store: import Kim et al.'s posts "
        "(data/instagram/kim_posts.csv.gz) before `sphere train plep`");
  }
  SPHERE_ASSIGN_OR_RETURN(plep::TrainedPlep trained,
                          plep::TrainPlep(set.data, options.train, progress));
  report.version = trained.model->version();
  report.metrics_table = trained.report;

  SPHERE_ASSIGN_OR_RETURN(const std::filesystem::path dir,
                          NewModelDir(plep::PlepModelDir(options.models_dir, report.version),
                                      "PLEP model", report.version));
  SPHERE_RETURN_IF_ERROR(trained.model->Save(dir));
  SPHERE_ASSIGN_OR_RETURN(std::string card, plep::PlepModelCard(trained.model->manifest_json()));
  SPHERE_RETURN_IF_ERROR(WriteModelText(dir / "model_card.md", card));
  report.model_dir = dir;

  ModelRecord record;
  record.kind = std::string(plep::kModelKind);
  record.version = report.version;
  record.artifact_path = dir.string();
  record.data_hash = trained.data_sha256;
  record.manifest_json = trained.model->manifest_json();
  record.metrics_json = trained.metrics_json;
  record.created_at = options.train.now;
  SPHERE_RETURN_IF_ERROR(store.SaveModel(record).status());
  return report;
}

Result<std::shared_ptr<const plep::PlepModel>> LoadCurrentPlep(Store& store) {
  SPHERE_ASSIGN_OR_RETURN(std::optional<ModelRecord> latest, store.LatestModel(plep::kModelKind));
  if (!latest) {
    return NotFound(
        "no PLEP model is registered in this store: train one with `sphere train plep`");
  }
  return plep::PlepModel::Load(latest->artifact_path);
}

Result<PredictPostsReport> PredictPostsFile(const plep::PlepModel& model,
                                            const features::PostFeaturizer& featurizer,
                                            Store* store, const std::filesystem::path& in,
                                            const std::filesystem::path& out,
                                            const std::string& format_name) {
  const auto started = std::chrono::steady_clock::now();
  std::error_code error;
  if (!std::filesystem::is_regular_file(in, error)) {
    return NotFound(in.string() + ": no such file");
  }
  const ingest::Format* format = nullptr;
  if (format_name.empty()) {
    SPHERE_ASSIGN_OR_RETURN(format, ingest::DetectFormat(in));
  } else {
    SPHERE_ASSIGN_OR_RETURN(format, ingest::FormatNamed(format_name));
  }
  ingest::CollectingSink sink;
  ingest::ImportReport import_report(in.string(), std::string(format->name));
  SPHERE_RETURN_IF_ERROR(format->run(in, sink, import_report));

  PredictPostsReport report;
  report.rows_rejected = import_report.rows_rejected();
  for (const ingest::RowIssue& issue : import_report.rejected()) {
    report.rejects.push_back(import_report.Describe(issue));
  }

  // The file's creators (the newest profile of each, as a store would keep) and their posts.
  std::unordered_map<std::string, PlepCreator> creators;
  for (Creator& c : sink.creators) {
    const std::string key = CreatorKeyText(c.platform, c.handle);
    auto it = creators.find(key);
    if (it == creators.end() || c.stats_as_of >= it->second.creator.stats_as_of) {
      creators[key].creator = std::move(c);
    }
  }
  for (const Post& p : sink.posts) {
    creators[CreatorKeyText(p.platform, p.creator_handle)].posts.push_back(p);
  }
  for (const Snapshot& s : sink.snapshots) {
    creators[CreatorKeyText(s.platform, s.creator_handle)].snapshots.push_back(s);
  }
  for (auto& [key, data] : creators) {
    const bool profiled = !data.creator.handle.empty();
    if (!profiled && data.posts.empty()) continue;  // snapshots only: nothing to score
    if (!profiled) {
      // A file of posts without profiles (a canonical posts.csv): the creator is who the
      // posts name, with the store's profile when the store knows them.
      const Post& any = data.posts.front();
      data.creator.platform = any.platform;
      data.creator.handle = any.creator_handle;
    }
    if (store != nullptr) {
      SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> stored,
                              store->FindCreator(data.creator.platform, data.creator.handle));
      if (stored && !profiled) {
        data.creator = std::move(*stored);
      } else if (stored) {
        data.creator.id = stored->id;  // so their inferred niche can be used
      }
    }
    SPHERE_ASSIGN_OR_RETURN(data.niche, PlepNicheOf(store, data.creator));
  }

  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  if (!file) return Unavailable(out.string() + ": cannot write");
  std::string text =
      "post_id,platform,creator,posted_at,predicted_likes,predicted_comments,"
      "predicted_engagement,predicted_engagement_rate,range_low,range_high,likes,comments\n";
  std::vector<double> predicted, actual;
  int inside = 0;
  for (const Post& post : sink.posts) {
    const PlepCreator& data = creators[CreatorKeyText(post.platform, post.creator_handle)];
    features::CreatorContext context{&data.creator, {}, {}};
    features::PostDraft draft = features::DraftFromPost(post);
    UnixSeconds at = 0;
    if (post.posted_at) {
      at = *post.posted_at;
      context.posts = data.posts;  // the featurizer reads only those strictly before `at`
      context.snapshots = data.snapshots;
    } else {
      ++report.without_time;  // no "before": profile only, no history
      at = post.observed_at.value_or(0);
    }
    SPHERE_ASSIGN_OR_RETURN(features::PostFeatures f, featurizer.Extract(draft, context, at));
    const features::FeatureVector x = PlepVector(f, data.niche);
    SPHERE_ASSIGN_OR_RETURN(plep::PlepPrediction p, model.Predict(x));
    ++report.posts;

    ingest::AppendCsvText(text, post.external_id);
    text += ',';
    text += ToString(post.platform);
    text += ',';
    ingest::AppendCsvText(text, post.creator_handle);
    text += ',';
    if (post.posted_at) AppendIsoTime(text, *post.posted_at);
    text += fmt::format(",{:.0f},{:.0f},{:.0f},", p.likes, p.comments, p.engagement);
    if (p.engagement_rate) text += fmt::format("{:.6f}", *p.engagement_rate);
    text += fmt::format(",{:.0f},{:.0f},", p.low, p.high);
    if (post.likes) text += std::to_string(*post.likes);
    text += ',';
    if (post.comments) text += std::to_string(*post.comments);
    text += '\n';
    if (text.size() > (1 << 20)) {
      file << text;
      text.clear();
    }
    if (post.likes && post.comments) {
      const double e = static_cast<double>(*post.likes + *post.comments);
      predicted.push_back(p.log_engagement);
      actual.push_back(std::log1p(e));
      if (e >= p.low && e <= p.high) ++inside;
    }
  }
  file << text;
  file.close();
  if (!file) return Unavailable(out.string() + ": write failed");
  report.scored_with_actuals = static_cast<int64_t>(actual.size());
  if (!actual.empty()) {
    report.spearman = metrics::Spearman(predicted, actual);
    report.mae = metrics::MeanAbsoluteError(predicted, actual);
    report.coverage = inside / static_cast<double>(actual.size());
  }
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

namespace {

// A format what-if needs at least this many training posts of that format on the platform.
constexpr int64_t kMinFormatPosts = 100;

constexpr std::string_view kWeekdays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                          "Friday", "Saturday", "Sunday"};

int IndexOf(const features::FeatureVector& x, std::string_view name) {
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

// The vector with one value replaced (names keep their static storage).
features::FeatureVector With(const features::FeatureVector& x,
                             std::initializer_list<std::pair<std::string_view, double>> edits) {
  features::FeatureVector out;
  for (const features::Feature& f : x.features()) {
    double value = f.value;
    for (const auto& [name, v] : edits) {
      if (f.name == name) value = v;
    }
    out.Add(f.name, value);
  }
  return out;
}

bool IsHashtagToken(std::string_view token) { return token.size() > 1 && token[0] == '#'; }

// The caption without its hashtags; spaces collapse where a tag was.
std::string WithoutHashtags(std::string_view caption) {
  std::string out;
  size_t i = 0;
  while (i < caption.size()) {
    if (caption[i] == '#' && (i == 0 || std::isspace(static_cast<unsigned char>(caption[i - 1])))) {
      size_t j = i + 1;
      while (j < caption.size() && !std::isspace(static_cast<unsigned char>(caption[j]))) ++j;
      if (j > i + 1) {
        i = j;
        while (!out.empty() && out.back() == ' ' && i < caption.size() && caption[i] == ' ') ++i;
        continue;
      }
    }
    out += caption[i++];
  }
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

// Hashtags the creator used before `at`, most used first; the niche's name as a fallback.
std::vector<std::string> FavouriteHashtags(const PlepCreator& data, UnixSeconds at,
                                           std::string_view caption) {
  std::map<std::string, int> counts;
  for (const Post& p : data.posts) {
    if (!p.posted_at || *p.posted_at >= at) continue;
    size_t i = 0;
    const std::string& c = p.caption;
    while ((i = c.find('#', i)) != std::string::npos) {
      size_t j = i + 1;
      while (j < c.size() && !std::isspace(static_cast<unsigned char>(c[j])) && c[j] != '#') ++j;
      if (j > i + 1) ++counts[c.substr(i, j - i)];
      i = j;
    }
  }
  // Disclosure tags mark a paid post; they are not reach a creator can add.
  auto disclosure = [](std::string_view tag) {
    for (std::string_view d : {"#ad", "#ads", "#advert", "#sponsored", "#spon", "#partner",
                               "#paidpartnership", "#gifted", "#werbung", "#anzeige"}) {
      if (tag.size() == d.size() &&
          std::equal(tag.begin(), tag.end(), d.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == b;
          })) {
        return true;
      }
    }
    return false;
  };
  std::vector<std::pair<int, std::string>> ranked;
  for (auto& [tag, n] : counts) {
    if (caption.find(tag) == std::string_view::npos && !disclosure(tag))
      ranked.emplace_back(-n, tag);
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> tags;
  for (auto& [n, tag] : ranked) tags.push_back(tag);
  const std::string niche = data.niche.value_or("instagood");
  for (std::string_view suffix : {"", "life", "lover", "daily", "community"}) {
    std::string tag = "#" + niche + std::string(suffix);
    if (caption.find(tag) == std::string_view::npos &&
        std::find(tags.begin(), tags.end(), tag) == tags.end()) {
      tags.push_back(tag);
    }
  }
  return tags;
}

std::string Shortened(std::string_view text, size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  size_t cut = max_chars;
  while (cut > 0 && !std::isspace(static_cast<unsigned char>(text[cut]))) --cut;
  if (cut == 0) cut = max_chars;
  // Never split a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  std::string out(text.substr(0, cut));
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

std::string HourText(int hour) { return fmt::format("{:02d}:00 UTC", hour); }

}  // namespace

Result<Diagnosis> Diagnose(Store& store, const plep::PlepModel& model,
                           const features::PostFeaturizer& featurizer,
                           const DraftRequest& request) {
  if (request.handle.empty() || !request.platform) {
    return InvalidArgument("creator: diagnose needs a creator (platform and handle)");
  }
  SPHERE_ASSIGN_OR_RETURN(PlepCreator data,
                          LoadPlepCreator(store, *request.platform, request.handle));
  return Diagnose(model, featurizer, data, request.draft, request.at);
}

Result<Diagnosis> Diagnose(const plep::PlepModel& model, const features::PostFeaturizer& featurizer,
                           const PlepCreator& data, const features::PostDraft& draft,
                           UnixSeconds at) {
  const struct {
    const features::PostDraft& draft;
    UnixSeconds at;
  } request{draft, at};
  const features::CreatorContext context{&data.creator, data.posts, data.snapshots};
  auto vector_of = [&](const features::PostDraft& draft) -> Result<features::FeatureVector> {
    SPHERE_ASSIGN_OR_RETURN(features::PostFeatures f,
                            featurizer.Extract(draft, context, request.at));
    return PlepVector(f, data.niche);
  };

  Diagnosis d;
  d.model_version = model.version();
  SPHERE_ASSIGN_OR_RETURN(d.features, featurizer.Extract(request.draft, context, request.at));
  d.vector = PlepVector(d.features, data.niche);
  SPHERE_ASSIGN_OR_RETURN(d.explanation, model.Explain(d.vector));
  SPHERE_ASSIGN_OR_RETURN(d.drivers,
                          explain::GroupContributions(d.vector, d.explanation.contributions));

  const double base = d.explanation.prediction.engagement;
  auto add = [&](std::string edit, std::string description,
                 const features::FeatureVector& x) -> Status {
    SPHERE_ASSIGN_OR_RETURN(plep::PlepPrediction p, model.Predict(x));
    d.what_ifs.push_back({std::move(edit), std::move(description), p.engagement,
                          base > 0 ? p.engagement / base - 1.0 : 0.0});
    return Status::Ok();
  };

  // Posting time: every hour of the same day, every day at the same hour.
  const int hour_at = IndexOf(d.vector, "post.hour_utc");
  const int day_at = IndexOf(d.vector, "post.weekday_utc");
  if (hour_at >= 0 && day_at >= 0 && !std::isnan(d.vector[hour_at].value)) {
    const int hour = static_cast<int>(d.vector[hour_at].value);
    const int day = static_cast<int>(d.vector[day_at].value);
    int best_hour = hour, best_day = day;
    double best_hour_e = -1, best_day_e = -1;
    for (int h = 0; h < 24; ++h) {
      SPHERE_ASSIGN_OR_RETURN(plep::PlepPrediction p,
                              model.Predict(With(d.vector, {{"post.hour_utc", h}})));
      if (p.engagement > best_hour_e) best_hour_e = p.engagement, best_hour = h;
    }
    for (int w = 0; w < 7; ++w) {
      SPHERE_ASSIGN_OR_RETURN(plep::PlepPrediction p,
                              model.Predict(With(d.vector, {{"post.weekday_utc", w}})));
      if (p.engagement > best_day_e) best_day_e = p.engagement, best_day = w;
    }
    if (best_hour != hour) {
      SPHERE_RETURN_IF_ERROR(add(
          "best_hour",
          fmt::format("post at {} instead of {} (same day)", HourText(best_hour), HourText(hour)),
          With(d.vector, {{"post.hour_utc", best_hour}})));
    }
    if (best_day != day) {
      SPHERE_RETURN_IF_ERROR(add(
          "best_day",
          fmt::format("post on {} instead of {} (same hour)", kWeekdays[best_day], kWeekdays[day]),
          With(d.vector, {{"post.weekday_utc", best_day}})));
    }
  }

  // Format: only formats the model saw on this platform (Kim's Instagram posts hold no
  // videos, so "as a video" for an Instagram draft would be TikTok's trending videos talking).
  const MediaType media = request.draft.media_type;
  const Platform platform = data.creator.platform;
  auto seen = [&](MediaType format) {
    return model.TrainingPosts(platform, format) >= kMinFormatPosts;
  };
  if (!seen(media)) {
    d.warnings.push_back(fmt::format(
        "the model saw fewer than {} {} posts on {}: this prediction is outside its experience",
        kMinFormatPosts, ToString(media), ToString(platform)));
  }
  struct FormatEdit {
    MediaType format;
    const char* edit;
    const char* description;
    double carousel, video;
  };
  for (const FormatEdit& f :
       {FormatEdit{MediaType::kCarousel, "carousel", "post it as a carousel", 1, 0},
        FormatEdit{MediaType::kImage, "single_image", "post it as a single image", 0, 0},
        FormatEdit{MediaType::kVideo, "video", "post it as a video", 0, 1}}) {
    if (media == f.format || !seen(f.format)) continue;
    SPHERE_RETURN_IF_ERROR(
        add(f.edit, f.description,
            With(d.vector, {{"post.is_carousel", f.carousel}, {"post.is_video", f.video}})));
  }

  // Hashtags: the caption re-featurised with the edit.
  const int64_t hashtags = d.features.caption.hashtags;
  if (hashtags > 0) {
    features::PostDraft edited = request.draft;
    edited.caption = WithoutHashtags(request.draft.caption);
    SPHERE_ASSIGN_OR_RETURN(features::FeatureVector x, vector_of(edited));
    SPHERE_RETURN_IF_ERROR(
        add("hashtags_remove",
            fmt::format("remove the {} hashtag{}", hashtags, hashtags == 1 ? "" : "s"), x));
  }
  if (hashtags < 25) {
    const std::vector<std::string> tags =
        FavouriteHashtags(data, request.at, request.draft.caption);
    features::PostDraft edited = request.draft;
    std::string added;
    const size_t n = std::min<size_t>(5, tags.size());
    for (size_t i = 0; i < n; ++i) {
      edited.caption += (edited.caption.empty() ? "" : " ") + tags[i];
      added += (i ? " " : "") + tags[i];
    }
    SPHERE_ASSIGN_OR_RETURN(features::FeatureVector x, vector_of(edited));
    SPHERE_RETURN_IF_ERROR(add("hashtags_add", fmt::format("add {} hashtags ({})", n, added), x));
  }

  // Caption length: the text cut to Instagram's 125-character preview, hashtags kept.
  const std::string text = WithoutHashtags(request.draft.caption);
  if (text.size() > 125) {
    features::PostDraft edited = request.draft;
    edited.caption = Shortened(text, 125);
    for (size_t i = 0; i < request.draft.caption.size();) {
      size_t j = request.draft.caption.find_first_of(" \t\n", i);
      if (j == std::string::npos) j = request.draft.caption.size();
      std::string_view token(request.draft.caption.data() + i, j - i);
      if (IsHashtagToken(token)) edited.caption += " " + std::string(token);
      i = j + 1;
    }
    SPHERE_ASSIGN_OR_RETURN(features::FeatureVector x, vector_of(edited));
    SPHERE_RETURN_IF_ERROR(add("caption_shorter",
                               fmt::format("cut the caption to {} characters (from {})",
                                           Shortened(text, 125).size(), text.size()),
                               x));
  }

  // People in the image: only when an image (or its description) was analysed.
  const int people_at = IndexOf(d.vector, "visual.people");
  if (people_at >= 0 && !std::isnan(d.vector[people_at].value)) {
    const int people = static_cast<int>(d.vector[people_at].value);
    for (int n : {0, 1, 2, 3}) {
      if (n == people) continue;
      SPHERE_RETURN_IF_ERROR(
          add(fmt::format("people_{}", n),
              fmt::format("{} {} in the image (not {})", n, n == 1 ? "person" : "people", people),
              With(d.vector, {{"visual.people", n}})));
    }
  }

  std::stable_sort(d.what_ifs.begin(), d.what_ifs.end(),
                   [](const WhatIf& a, const WhatIf& b) { return a.change > b.change; });
  return d;
}

}  // namespace sphere::service
