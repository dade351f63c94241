#include "api/diagnosis_json.h"

#include "core/time.h"
#include "model/explain/drivers.h"

namespace sphere::api {

nlohmann::ordered_json DiagnosisJson(const service::Diagnosis& d,
                                     const std::optional<service::DirectoryEntry>& creator,
                                     UnixSeconds posted_at, double range_level,
                                     bool image_analysed) {
  using json = nlohmann::ordered_json;
  const plep::PlepPrediction& p = d.explanation.prediction;
  json prediction;
  prediction["engagement"] = p.engagement;
  prediction["likes"] = p.likes;
  prediction["comments"] = p.comments;
  prediction["engagement_rate"] = p.engagement_rate ? json(*p.engagement_rate) : json(nullptr);
  prediction["range"] = {{"level", range_level}, {"low", p.low}, {"high", p.high}};
  prediction["log_engagement"] = p.log_engagement;

  json out;
  out["creator"] = creator ? json{{"id", creator->id},
                                  {"platform", ToString(creator->platform)},
                                  {"handle", creator->handle}}
                           : json(nullptr);
  out["posted_at"] = FormatIsoTime(posted_at);
  out["model_version"] = d.model_version;
  out["prediction"] = std::move(prediction);
  out["bias"] = d.explanation.bias;
  json drivers = json::array();
  for (const explain::Driver& driver : d.drivers) {
    drivers.push_back({{"group", driver.group},
                       {"label", driver.label},
                       {"contribution", driver.contribution},
                       {"effect", explain::FormatEffect(driver.contribution)}});
  }
  out["drivers"] = std::move(drivers);
  json what_ifs = json::array();
  for (const service::WhatIf& w : d.what_ifs) {
    what_ifs.push_back({{"edit", w.edit},
                        {"description", w.description},
                        {"engagement", w.engagement},
                        {"change", w.change}});
  }
  out["what_ifs"] = std::move(what_ifs);
  out["warnings"] = d.warnings;
  out["image_analysed"] = image_analysed;
  return out;
}

}  // namespace sphere::api
