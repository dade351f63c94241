#!/usr/bin/env bash
# The main job: install what is missing, build (release), load the bundled real data
# into the embedded SQLite store (var/sphere.db), train the models that are absent
# (var/models: niche classifier, PLEP, Market Value), print what was loaded, value every
# creator, show a scout's ranking, then serve the API and its docs on 127.0.0.1 (until Ctrl-C;
# SPHERE_NO_SERVE=1 ends the job before serving, SPHERE_PORT picks the port, default 8080).
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
# Trains and backtests the Market Value forecaster unless one is registered and loads (about
# a minute; the backtest goes to its manifest and backtest.md, docs/market-value.md), then
# values every creator as of their latest data and stores the values (`sphere rank` reads
# them), writing var/values.csv.
build/release/bin/sphere --store "$store" train value --if-absent
build/release/bin/sphere --store "$store" value --out var/values.csv
build/release/bin/sphere --store "$store" rank --platform instagram --niche fitness \
  --min-followers 10000 --max-followers 100000 --sort momentum --limit 10

# An admin API key for this machine, kept in var/admin.key (mode 600; the store keeps only
# its hash). Made again when the store has no local-admin user (a fresh store).
sphere=(build/release/bin/sphere --store "$store")
if [ ! -s var/admin.key ] || ! "${sphere[@]}" users list | grep -q ' local-admin$'; then
  (umask 077 && "${sphere[@]}" users add --name local-admin --role admin | tail -1 >var/admin.key)
fi
[ "${SPHERE_NO_SERVE:-0}" = 1 ] && exit 0
port="${SPHERE_PORT:-8080}"
echo "run: serving the API on http://127.0.0.1:$port (docs: http://127.0.0.1:$port/docs)."
echo "run: admin key in var/admin.key: curl -H \"Authorization: Bearer \$(cat var/admin.key)\" http://127.0.0.1:$port/api/v1/me"
exec "${sphere[@]}" serve --address 127.0.0.1 --port "$port" --access-log var/access.log
