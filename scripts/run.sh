#!/usr/bin/env bash
# The main job: install what is missing, build (release), load the bundled real data
# into the embedded SQLite store (var/sphere.db) and print what was loaded.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target sphere

store="${SPHERE_STORE:-sqlite:var/sphere.db}"
build/release/bin/sphere --store "$store" import data
build/release/bin/sphere --store "$store" stats
