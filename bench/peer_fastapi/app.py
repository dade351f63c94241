"""The seed's serving stack, rebuilt as the peer of bench/serve_bench.sh.

What it is: FastAPI with pydantic request models, the seed's route and field names (POST
/api/v1/realtime-plep) and the product's PLEP route (POST /api/v1/plep) with the response
shapes our server answers, served by uvicorn with uvloop and httptools (its "standard"
extras), 2 worker processes, scoring the SAME PLEP model files our server loads (engagement,
comments and difficulty forests) with Debian's python3-xgboost 1.7.4, booster and DMatrix at
nthread=1 (without that, XGBoost's OpenMP threads fight over 2 cores and the peer would be
artificially slow).

What it computes per request, as src/model/plep/plep_model.cc does:
  - explain=true: exact TreeSHAP (`pred_contribs`) on the engagement forest, log engagement =
    the sum of the contributions, the comments and difficulty forests predicted;
  - explain=false and the seed route (our seed handler predicts without contributions): the
    three forests predicted;
  then engagement = expm1(max(0, log)), comments capped at engagement, the range
  log ± scale * max(floor, difficulty) from the manifest, engagement rate = engagement /
  creator.followers, and the contributions as [{feature, value, contribution}] + bias.
Our server also groups the contributions into labelled drivers; the peer does not.

What it does NOT compute: features. Python cannot run our featurizer (ICU, fastText, VADER,
the creator's history from the store), so the harness exports OUR exact PLEP vector for every
(creator, caption) pair of the benchmark's pool (pool.py export, and pool.py seed-vectors for
the seed route, which posts "now") and the peer looks it up per request. Our server computes
everything per request, so the measured ratio is conservative. An unknown pair is a 404,
never a made-up vector.

Run (bench/serve_bench.sh does):
  PEER_VECTORS=vectors.json /usr/bin/python3 -m uvicorn app:app --app-dir bench/peer_fastapi \
      --host 127.0.0.1 --port 8001 --workers 2 --loop uvloop --http httptools --no-access-log
PEER_VECTORS is pool.py's export: the model directory, the feature names, and per (creator id,
handle, caption) the product route's and the seed route's vectors.
"""
import datetime
import json
import math
import os
from pathlib import Path
from typing import Literal, Optional, Union

import numpy as np
import xgboost
from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel


class _Plep:
    """The three forests and the range calibration of one PLEP model directory."""

    def __init__(self, model_dir: Path):
        manifest = json.loads((model_dir / "manifest.json").read_text())
        self.version = manifest["version"]
        self.feature_names = manifest["feature_names"]
        self.range_level = float(manifest["range"]["level"])
        self.range_scale = float(manifest["range"]["scale"])
        self.difficulty_floor = float(manifest["range"]["difficulty_floor"])
        self.followers_index = self.feature_names.index("creator.followers")
        self.median_index = self.feature_names.index("history.median_engagement")
        self.boosters = {}
        for name in ("engagement", "comments", "difficulty"):
            booster = xgboost.Booster(model_file=str(model_dir / f"{name}.json"))
            booster.set_param({"nthread": 1})
            if booster.num_features() != len(self.feature_names):
                raise RuntimeError(f"{model_dir}/{name}.json reads {booster.num_features()} "
                                   f"features; the manifest names {len(self.feature_names)}")
            self.boosters[name] = booster

    def score(self, row: np.ndarray, explain: bool):
        dmatrix = xgboost.DMatrix(row, missing=np.nan, nthread=1)
        contributions = None
        if explain:
            contributions = self.boosters["engagement"].predict(dmatrix, pred_contribs=True)[0]
            log_engagement = float(contributions.sum(dtype=np.float64))
        else:
            log_engagement = float(self.boosters["engagement"].predict(dmatrix)[0])
        log_comments = float(self.boosters["comments"].predict(dmatrix)[0])
        difficulty = float(self.boosters["difficulty"].predict(dmatrix)[0])
        engagement = math.expm1(max(0.0, log_engagement))
        comments = min(engagement, math.expm1(max(0.0, log_comments)))
        half_width = self.range_scale * max(self.difficulty_floor, difficulty)
        followers = float(row[0, self.followers_index])
        prediction = {
            "engagement": engagement,
            "likes": engagement - comments,
            "comments": comments,
            "engagement_rate": engagement / followers
            if math.isfinite(followers) and followers > 0 else None,
            "range": {"level": self.range_level,
                      "low": math.expm1(max(0.0, log_engagement - half_width)),
                      "high": math.expm1(max(0.0, log_engagement + half_width))},
            "log_engagement": log_engagement,
        }
        return prediction, contributions


def _load():
    path = os.environ.get("PEER_VECTORS")
    if not path:
        raise RuntimeError("PEER_VECTORS is not set: run through bench/serve_bench.sh")
    export = json.loads(Path(path).read_text())
    model = _Plep(Path(export["model_dir"]))
    if export["feature_names"] != model.feature_names:
        raise RuntimeError(f"{path} was exported for another feature schema than "
                           f"{export['model_dir']}")
    if "seed_at" not in export:
        raise RuntimeError(f"{path} has no seed-route vectors (pool.py seed-vectors)")

    def row_of(vector):
        return np.array([[math.nan if v is None else v for v in vector]], dtype=np.float32)

    by_handle, by_id = {}, {}
    for pair in export["pairs"]:
        by_handle[("instagram/" + pair["handle"], pair["caption"])] = (row_of(pair["vector"]),
                                                                        pair)
        seed = (row_of(pair["seed_vector"]), pair)
        by_id[(str(pair["creator_id"]), pair["caption"])] = seed
        by_id[("instagram/" + pair["handle"], pair["caption"])] = seed
    return model, by_handle, by_id


MODEL, BY_HANDLE, BY_ID = _load()
app = FastAPI(title="seed PLEP peer")

# Handlers are `async def` and answer a JSONResponse of plain dicts: the work is CPU-bound, so
# running it on the event loop (no thread pool hop) and skipping FastAPI's response-model
# re-validation and jsonable_encoder is the fastest this stack serves (measured: with a
# pydantic response model and a sync handler the peer did half the req/s). The requests are
# parsed and validated by pydantic models, as the seed's were.


def _contributions(row: np.ndarray, contributions: np.ndarray):
    values = row[0].tolist()
    shap = contributions.tolist()
    return [{"feature": name, "value": None if math.isnan(values[i]) else values[i],
             "contribution": shap[i]}
            for i, name in enumerate(MODEL.feature_names)]


def _niche_of(row: np.ndarray) -> Optional[str]:
    for i, name in enumerate(MODEL.feature_names):
        if name.startswith("niche.") and row[0, i] == 1.0:
            return name[len("niche."):]
    return None


# ---- the seed's route ------------------------------------------------------------------
class RealtimePlepRequest(BaseModel):
    influencer_id: Union[int, str]
    post_text: str
    mock_image_path: Optional[str] = None


@app.post("/api/v1/realtime-plep")
async def realtime_plep(request: RealtimePlepRequest):
    # As our handler: the post goes out now (the vectors were exported at the run's start),
    # predicted without contributions.
    key = str(request.influencer_id)
    entry = BY_ID.get((key, request.post_text))
    if entry is None:
        raise HTTPException(status_code=404, detail=f"no exported vector for ({key}, post_text)")
    row, pair = entry
    prediction, _ = MODEL.score(row, explain=False)
    median = float(row[0, MODEL.median_index])
    median = None if math.isnan(median) else median
    niche = _niche_of(row)
    return JSONResponse({
        "influencer_id": request.influencer_id,
        "predicted_engagement": prediction["engagement"],
        "market_score": pair.get("market_score"),
        "niche_diagnostics": {
            "niche": niche,
            "predicted_engagement_rate": prediction["engagement_rate"],
            "range": prediction["range"],
            "predicted_likes": prediction["likes"],
            "predicted_comments": prediction["comments"],
            "creator_median_engagement": median,
            "vs_creator_median": prediction["engagement"] / median - 1.0
            if median and median > 0 else None,
            "model_version": MODEL.version,
        },
    })


# ---- the product's route ---------------------------------------------------------------
class PlepRequest(BaseModel):
    creator: str
    caption: str
    media_type: Literal["image", "video", "carousel"] = "image"
    posted_at: Optional[datetime.datetime] = None
    explain: bool = True


@app.post("/api/v1/plep")
async def plep(request: PlepRequest):
    entry = BY_HANDLE.get((request.creator, request.caption))
    if entry is None:
        raise HTTPException(status_code=404,
                            detail=f"no exported vector for ({request.creator}, caption)")
    row, _pair = entry
    prediction, contributions = MODEL.score(row, explain=request.explain)
    return JSONResponse({
        "prediction": prediction,
        "contributions": _contributions(row, contributions) if request.explain else [],
        "bias": float(contributions[-1]) if request.explain else None,
        "model_version": MODEL.version,
    })
