// The product's draft scoring: POST /api/v1/plep (prediction, range, and with "explain" the
// exact per-feature contributions and the drivers they add up to) and POST
// /api/v1/plep/diagnose (drivers plus what-if edits, each re-scored by the model).
#include "api/api.h"
#include "api/diagnosis_json.h"
#include "api/draft_input.h"
#include "api/json_out.h"
#include "api/json_writer.h"
#include "core/time.h"
#include "model/explain/drivers.h"
#include "service/plep_service.h"

namespace sphere::api {
namespace {

struct Loaded {
  DraftInput input;
  std::shared_ptr<const service::PlepCreator> creator;  // null: no creator named
  std::shared_ptr<const service::Models> models;
};

Result<Loaded> Load(const Call& call) {
  ApiContext& ctx = call.context;
  Loaded out;
  SPHERE_ASSIGN_OR_RETURN(out.input, DecodeDraft(ctx, call.request));
  if (out.input.creator) {
    SPHERE_ASSIGN_OR_RETURN(out.creator, ctx.creators.Get(ctx.stores, out.input.creator->platform,
                                                          out.input.creator->handle));
  }
  out.models = ctx.models.Current();
  return out;
}

// POST /api/v1/plep. Written with JsonWriter: this is the hot route (docs/serving-benchmark.md).
Result<Response> Plep(const Call& call) {
  Result<Loaded> loaded = Load(call);
  if (!loaded.ok()) return DraftErrorResponse(loaded.status());
  const Loaded& l = *loaded;
  const plep::PlepModel& model = *l.models->plep;
  SPHERE_ASSIGN_OR_RETURN(service::DraftPrediction p,
                          service::PredictDraft(model, call.context.featurizer, l.creator.get(),
                                                l.input.draft, l.input.at, l.input.explain));
  const plep::PlepPrediction& pred = p.explanation.prediction;
  JsonWriter w;
  w.BeginObject().Key("creator");
  if (l.input.creator) {
    w.BeginObject()
        .Field("id", l.input.creator->id)
        .Field("platform", ToString(l.input.creator->platform))
        .Field("handle", l.input.creator->handle)
        .EndObject();
  } else {
    w.Null();
  }
  w.Field("posted_at", FormatIsoTime(l.input.at)).Field("model_version", p.model_version);
  w.Key("prediction")
      .BeginObject()
      .Field("engagement", pred.engagement)
      .Field("likes", pred.likes)
      .Field("comments", pred.comments)
      .Key("engagement_rate")
      .Optional(pred.engagement_rate)
      .Key("range")
      .BeginObject()
      .Field("level", model.range_level())
      .Field("low", pred.low)
      .Field("high", pred.high)
      .EndObject()
      .Field("log_engagement", pred.log_engagement)
      .EndObject();
  if (l.input.explain) {
    w.Field("bias", p.explanation.bias).Key("contributions").BeginArray();
    for (size_t i = 0; i < p.vector.size(); ++i) {
      w.BeginObject()
          .Field("feature", p.vector[i].name)
          .Field("value", p.vector[i].value)  // NaN (missing) is written as null
          .Field("contribution", p.explanation.contributions[i])
          .EndObject();
    }
    w.EndArray();
    SPHERE_ASSIGN_OR_RETURN(std::vector<explain::Driver> drivers,
                            explain::GroupContributions(p.vector, p.explanation.contributions));
    w.Key("drivers").BeginArray();
    for (const explain::Driver& d : drivers) {
      w.BeginObject()
          .Field("group", d.group)
          .Field("label", d.label)
          .Field("contribution", d.contribution)
          .Field("effect", explain::FormatEffect(d.contribution))
          .EndObject();
    }
    w.EndArray();
  }
  w.Field("caption_language", p.features.caption.language)
      .Field("image_analysed", l.input.draft.image.has_value())
      .EndObject();
  Response r;
  r.body = w.Take();
  return r;
}

// POST /api/v1/plep/diagnose
Result<Response> Diagnose(const Call& call) {
  Result<Loaded> loaded = Load(call);
  if (!loaded.ok()) return DraftErrorResponse(loaded.status());
  const Loaded& l = *loaded;
  if (!l.creator)
    return InvalidArgument(
        "creator: a diagnosis compares the draft with a creator's history: name one");
  const plep::PlepModel& model = *l.models->plep;
  SPHERE_ASSIGN_OR_RETURN(
      service::Diagnosis d,
      service::Diagnose(model, call.context.featurizer, *l.creator, l.input.draft, l.input.at));
  return JsonResponse(DiagnosisJson(d, l.input.creator, l.input.at, model.range_level(),
                                    l.input.draft.image.has_value()));
}

}  // namespace

void AddPlepRoutes(Router& router) {
  router.Add({Method::kPost, "/api/v1/plep", Access::kAnyUser,
              "score a draft: prediction, range, contributions", Plep});
  router.Add({Method::kPost, "/api/v1/plep/diagnose", Access::kAnyUser,
              "diagnose a draft: drivers and what-if edits", Diagnose});
}

}  // namespace sphere::api
