#include "model/plep/plep_card.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sphere::plep {
namespace {

using json = nlohmann::json;

constexpr int kMinGroupPosts = 30;

std::string F(const json& v) {
  return v.is_number() ? fmt::format("{:.3f}", v.get<double>()) : std::string("–");
}

std::string Pct(const json& v) {
  return v.is_number() ? fmt::format("{:.1f}%", v.get<double>() * 100) : std::string("–");
}

const json& At(const json& j, std::initializer_list<const char*> path) {
  static const json kNull;
  const json* cur = &j;
  for (const char* key : path) {
    if (!cur->is_object() || !cur->contains(key)) return kNull;
    cur = &(*cur)[key];
  }
  return *cur;
}

std::string GroupTable(const json& groups, std::string_view title) {
  std::string out = fmt::format(
      "\n### {}\n\n| {} | posts | Spearman | MAE | ER Spearman | 80% coverage | followers-only "
      "Spearman | followers-only MAE |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
      title, title);
  int small = 0;
  for (const auto& [name, b] : groups.items()) {
    // A handful of posts gives a correlation of noise (a Spearman of -1 over two posts).
    if (At(b, {"posts"}).is_number() && At(b, {"posts"}).get<int>() < kMinGroupPosts) {
      ++small;
      continue;
    }
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", name,
                       At(b, {"posts"}).dump(), F(At(b, {"model", "spearman"})),
                       F(At(b, {"model", "mae"})),
                       F(At(b, {"model", "engagement_rate_spearman"})),
                       Pct(At(b, {"range", "coverage"})), F(At(b, {"followers_only", "spearman"})),
                       F(At(b, {"followers_only", "mae"})));
  }
  if (small > 0) {
    out += fmt::format("\n{} group{} with fewer than {} test posts not shown (the manifest has them).\n",
                       small, small == 1 ? "" : "s", kMinGroupPosts);
  }
  return out;
}

}  // namespace

Result<std::string> PlepModelCard(std::string_view manifest_json) {
  const json m = json::parse(manifest_json, nullptr, /*allow_exceptions=*/false);
  if (m.is_discarded() || !m.is_object() || m.value("kind", "") != "plep" ||
      !m.contains("metrics")) {
    return InvalidArgument("model card: not a PLEP manifest with metrics");
  }
  const json& metrics = m["metrics"];
  const json& test = metrics["test"];
  std::string out;
  out += fmt::format("# PLEP model card — {}\n\n", m.value("version", "?"));
  out += fmt::format(
      "Post-Level Engagement Potential: what ONE post by a given creator will earn, as "
      "ln(1 + likes + comments), with an {:.0f}% range and exact per-feature contributions.\n\n",
      At(m, {"range", "level"}).is_number() ? At(m, {"range", "level"}).get<double>() * 100 : 80);
  out += fmt::format(
      "- created {} · feature schema v{} (fingerprint `{}`, {} features) · training data "
      "sha256 `{}`\n",
      m.value("created_at", "?"), At(m, {"feature_schema_version"}).dump(),
      m.value("feature_fingerprint", "?"),
      m.contains("feature_names") ? m["feature_names"].size() : 0, m.value("data_sha256", "?"));
  out += fmt::format(
      "- data: {} posts; train {} posts of {} creators, validation {} posts of {} creators, "
      "test {} posts of {} creators\n",
      At(m, {"data", "posts"}).dump(), At(m, {"data", "train_posts"}).dump(),
      At(m, {"data", "train_creators"}).dump(), At(m, {"data", "validation_posts"}).dump(),
      At(m, {"data", "validation_creators"}).dump(), At(m, {"data", "test_posts"}).dump(),
      At(m, {"data", "test_creators"}).dump());
  out += fmt::format("- split: {}\n", m.value("split", "?"));
  out += fmt::format("- training took {:.1f} s\n", At(m, {"training_seconds"}).is_number()
                                                      ? At(m, {"training_seconds"}).get<double>()
                                                      : 0.0);

  out += "\n## Held-out creators (test), scored once\n\n";
  out += "| | posts | Spearman ln(1+e) | MAE ln(1+e) | engagement-rate Spearman | 80% coverage |\n";
  out += "|---|---:|---:|---:|---:|---:|\n";
  out += fmt::format("| **PLEP** | {} | **{}** | **{}** | **{}** | **{}** |\n",
                     At(test, {"posts"}).dump(), F(At(test, {"model", "spearman"})),
                     F(At(test, {"model", "mae"})),
                     F(At(test, {"model", "engagement_rate_spearman"})),
                     Pct(At(test, {"range", "coverage"})));
  out += fmt::format("| followers only (a line in ln followers) | {} | {} | {} | {} | – |\n",
                     At(test, {"posts"}).dump(), F(At(test, {"followers_only", "spearman"})),
                     F(At(test, {"followers_only", "mae"})),
                     F(At(test, {"followers_only", "engagement_rate_spearman"})));
  const json& h = At(test, {"with_history"});
  if (!h.is_null()) {
    out += fmt::format(
        "| the creator's earlier median (only posts with earlier posts) | {} | {} | {} | – | – "
        "|\n| PLEP on those same posts | {} | {} | {} | – | – |\n",
        At(h, {"posts"}).dump(), F(At(h, {"earlier_median", "spearman"})),
        F(At(h, {"earlier_median", "mae"})), At(h, {"posts"}).dump(),
        F(At(h, {"model", "spearman"})), F(At(h, {"model", "mae"})));
  }
  out += fmt::format(
      "\nComments (ln(1 + comments)), held-out creators: Spearman {}, MAE {}. Likes are the "
      "predicted engagement minus the predicted comments.\n",
      F(At(test, {"comments", "spearman"})), F(At(test, {"comments", "mae"})));

  const json& late = At(metrics, {"test_after_cutoff"});
  if (!late.is_null()) {
    out += fmt::format(
        "\n## Held out by creator AND time\n\nThe same configuration trained only on posts "
        "before {} ({} posts), scored on test creators' posts from then on ({} posts, {} "
        "trees): Spearman **{}** (followers only {}), MAE **{}** (followers only {}), "
        "engagement-rate Spearman **{}** (followers only {}).\n",
        late.value("cutoff", "?"), At(late, {"training_posts"}).dump(), At(late, {"posts"}).dump(),
        At(late, {"trees"}).dump(), F(At(late, {"model", "spearman"})),
        F(At(late, {"followers_only", "spearman"})), F(At(late, {"model", "mae"})),
        F(At(late, {"followers_only", "mae"})), F(At(late, {"model", "engagement_rate_spearman"})),
        F(At(late, {"followers_only", "engagement_rate_spearman"})));
  }

  out += "\n## By group (test creators)\n";
  for (const auto& [key, title] : {std::pair{"by_platform", "platform"},
                                   std::pair{"by_history", "history"},
                                   std::pair{"by_tier", "tier"}, std::pair{"by_niche", "niche"}}) {
    if (metrics.contains(key)) out += GroupTable(metrics[key], title);
  }

  if (metrics.contains("test_by_predicted_decile")) {
    out += "\n## Calibration: test posts in ten bins of the prediction\n\n";
    out += "| bin | posts | mean predicted ln(1+e) | mean actual ln(1+e) | 80% coverage |\n";
    out += "|---:|---:|---:|---:|---:|\n";
    int bin = 1;
    for (const json& b : metrics["test_by_predicted_decile"]) {
      out += fmt::format("| {} | {} | {} | {} | {} |\n", bin++, At(b, {"posts"}).dump(),
                         F(At(b, {"mean_predicted"})), F(At(b, {"mean_actual"})),
                         Pct(At(b, {"coverage"})));
    }
  }

  out += "\n## Range\n\n";
  out += fmt::format(
      "{}. Scale {} over {} calibration posts, difficulty floor {}.\n",
      At(m, {"range", "method"}).is_string() ? At(m, {"range", "method"}).get<std::string>() : "",
      F(At(m, {"range", "scale"})), At(m, {"range", "calibration_posts"}).dump(),
      F(At(m, {"range", "difficulty_floor"})));

  out += "\n## Parameters\n\n";
  out += fmt::format("- engagement forest: {} trees, {}\n",
                     At(m, {"parameters", "engagement_trees"}).dump(),
                     At(m, {"parameters", "engagement"}).dump());
  out += fmt::format("- comments forest: {} trees; difficulty forest: {} trees, {}\n",
                     At(m, {"parameters", "comments_trees"}).dump(),
                     At(m, {"parameters", "difficulty_trees"}).dump(),
                     At(m, {"parameters", "difficulty"}).dump());
  out += fmt::format("\nGrid ({}):\n\n", At(m, {"parameters", "grid_rule"}).is_string()
                                               ? At(m, {"parameters", "grid_rule"}).get<std::string>()
                                               : "lowest validation MAE");
  out += "| max_depth | min_child_weight | trees | leaves | validation MAE | validation Spearman "
         "| |\n|---:|---:|---:|---:|---:|---:|---|\n";
  for (const json& g : At(m, {"parameters", "grid"})) {
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", At(g, {"max_depth"}).dump(),
                       At(g, {"min_child_weight"}).dump(), At(g, {"trees"}).dump(),
                       At(g, {"leaves"}).dump(), F(At(g, {"validation_mae"})),
                       F(At(g, {"validation_spearman"})),
                       g.value("chosen", false) ? "**chosen**" : "");
  }
  return out;
}

}  // namespace sphere::plep
