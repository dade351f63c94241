#!/usr/bin/env bash
# Scale runner: bulk import of synthetic posts (fitted to the real data) into SQLite and
# into a throwaway local PostgreSQL, with rows/s and peak memory from `sphere import`.
#   bench/scale_import.sh [CREATORS] [POSTS_PER_CREATOR]     (default 20000 x 50 = 1M posts)
set -euo pipefail
cd "$(dirname "$0")/.."
creators="${1:-20000}"
posts_per_creator="${2:-50}"

scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target sphere bench_ingest >/dev/null
sphere=build/release/bin/sphere
work=build/release/scale
rm -rf "$work" && mkdir -p "$work"

echo "== fit: import the bundled real data (the generator's reference)"
"$sphere" --store "sqlite:$work/real.db" import data --show-rejects 0 | tail -n 1

echo "== synth: $creators creators x $posts_per_creator posts"
/usr/bin/env time -f "synth: %e s, peak %M KiB" "$sphere" --store "sqlite:$work/real.db" synth \
  --creators "$creators" --posts-per-creator "$posts_per_creator" --seed 1 --out "$work/synth" \
  2>&1 | tail -n 2
ls -la "$work/synth"

echo "== import into SQLite (fresh file)"
"$sphere" --store "sqlite:$work/scale.db" import "$work/synth" | tail -n 1

echo "== import into PostgreSQL (throwaway local cluster)"
pg_dir="$PWD/$work/postgres"
scripts/postgres.sh start "$pg_dir" >/dev/null
trap 'scripts/postgres.sh stop "$pg_dir" >/dev/null || true' EXIT
admin_url="$(cat "$pg_dir/url")"
psql -q "$admin_url" -c "CREATE DATABASE sphere_scale"
"$sphere" --store "${admin_url%/*}/sphere_scale" import "$work/synth" | tail -n 1

echo "== re-import into SQLite (idempotent: nothing written)"
"$sphere" --store "sqlite:$work/scale.db" import "$work/synth" | tail -n 1
