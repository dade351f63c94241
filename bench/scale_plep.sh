#!/usr/bin/env bash
# Scale runner for the PLEP model: `sphere train plep` on the bundled data and on synthetic
# posts fitted to it, and `sphere predict-posts` over the synthetic posts; wall time, CPU and
# peak memory (GNU time) of each command.
#   bench/scale_plep.sh [CREATORS] [POSTS_PER_CREATOR]     (default 20000 x 50 = 1M posts)
# Environment: SPHERE_BUILD_DIR (default build/release, configured by the release preset),
# SCALE_DIR (work directory, default $SPHERE_BUILD_DIR/scale-plep), FULL_GRID_LIMIT (seconds
# the full grid on the synthetic posts may take, default 1200; 0 skips it).
# The generator fits each column's distribution, not engagement as a function of the
# features, so the synthetic model's metrics mean little: this measures time and memory.
# Needs the assets of scripts/setup.sh ($SPHERE_ASSETS or var/assets).
set -euo pipefail
cd "$(dirname "$0")/.."
creators="${1:-20000}"
posts_per_creator="${2:-50}"
build="${SPHERE_BUILD_DIR:-build/release}"
work="${SCALE_DIR:-$build/scale-plep}"
full_grid_limit="${FULL_GRID_LIMIT:-1200}"

if [[ -z "${SPHERE_BUILD_DIR:-}" ]]; then cmake --preset release >/dev/null; fi
cmake --build "$build" --target sphere >/dev/null
sphere="$build/bin/sphere"
rm -rf "$work" && mkdir -p "$work"

# measure NAME COMMAND...: runs COMMAND with its output in $work/NAME.log, shows the log's last
# lines and one line of GNU time's figures; returns COMMAND's status.
measure() {
  local name="$1"
  shift
  local status=0
  /usr/bin/time -o "$work/$name.time" -f "%e %U %S %M" "$@" >"$work/$name.log" 2>&1 || status=$?
  tail -n 4 "$work/$name.log" | sed 's/^/    /'
  # GNU time writes "Command exited with non-zero status N" before the figures on failure.
  local wall user sys kib
  read -r wall user sys kib < <(tail -n 1 "$work/$name.time")
  printf '%s: wall %s s, CPU %s s user + %s s sys, peak %d MiB%s\n' "$name" "$wall" "$user" \
    "$sys" "$((kib / 1024))" "$([[ $status == 0 ]] || echo ", exit $status")"
  return "$status"
}

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== fit: import the bundled real data"
measure import-real "$sphere" --store "sqlite:$work/real.db" import data --show-rejects 0

echo "== train plep, full grid, bundled data"
measure train-real "$sphere" --store "sqlite:$work/real.db" train plep --models "$work/models-real"
models=("$work"/models-real/plep/*/)
real_model="${models[0]}"

echo "== synth: $creators creators x $posts_per_creator posts (CSV to import, JSONL to score)"
measure synth "$sphere" --store "sqlite:$work/real.db" synth --creators "$creators" \
  --posts-per-creator "$posts_per_creator" --seed 1 --out "$work/synth"
# The same records in one file (profiles, posts and snapshots) for predict-posts.
"$sphere" --store "sqlite:$work/real.db" synth --creators "$creators" \
  --posts-per-creator "$posts_per_creator" --seed 1 --format jsonl --out "$work/synth-jsonl" \
  >/dev/null
ls -la "$work/synth" "$work/synth-jsonl"

echo "== import the synthetic data into SQLite (fresh file)"
measure import-synth "$sphere" --store "sqlite:$work/scale.db" import "$work/synth"

echo "== train plep, small grid (one configuration), synthetic posts"
measure train-synth-small "$sphere" --store "sqlite:$work/scale.db" train plep \
  --models "$work/models-small" --grid small

if [[ "$full_grid_limit" -gt 0 ]]; then
  echo "== train plep, full grid, synthetic posts (given ${full_grid_limit} s)"
  if ! measure train-synth-full timeout "$full_grid_limit" "$sphere" \
    --store "sqlite:$work/scale.db" train plep --models "$work/models-full"; then
    echo "train-synth-full: did not finish within ${full_grid_limit} s (stopped)"
  fi
fi

echo "== predict-posts: every synthetic post with the bundled-data model ($real_model)"
measure predict-synth "$sphere" --store "sqlite:$work/scale.db" predict-posts \
  --in "$work/synth-jsonl/synth.jsonl" --model "$real_model" --out "$work/predictions.csv"
rows=$(($(wc -l <"$work/predictions.csv") - 1))
read -r wall _ < <(tail -n 1 "$work/predict-synth.time")
echo "predict-synth: $rows posts scored, $(awk -v n="$rows" -v s="$wall" 'BEGIN { printf "%.0f", n / s }') posts/s (wall)"
