#!/usr/bin/env bash
# The main job: install what is missing, build (release), load the bundled real data
# into the embedded SQLite store (var/sphere.db), train the models that are absent
# (var/models: niche classifier, then PLEP) and print what was loaded.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target sphere

store="${SPHERE_STORE:-sqlite:var/sphere.db}"
build/release/bin/sphere --store "$store" import data
build/release/bin/sphere --store "$store" stats
# Trains, evaluates and applies the niche classifier unless a model is already registered
# (a few minutes on 2 cores; the metrics go to the model's manifest and docs/niche-classifier.md).
build/release/bin/sphere --store "$store" train niche --if-absent
# Trains and evaluates the PLEP model unless one is registered and loads (under a minute on
# 2 cores; the metrics go to its manifest and model_card.md, docs/plep-model-card.md).
build/release/bin/sphere --store "$store" train plep --if-absent
