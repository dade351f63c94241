#!/usr/bin/env bash
# Scale runner for the Market Value (issue 5): `sphere synth` creators fitted to the bundled
# data, imported into a fresh SQLite store, then `sphere train value` on it, `sphere value`
# over every creator (stored, and written with --out) and three typical scout queries with
# `sphere rank`; wall time, CPU and peak memory (GNU time) of each step.
#   bench/scale_value.sh [CREATORS]     (default 1,000,000)
# Environment: SPHERE_BUILD_DIR (default build/release, configured by the release preset),
# SCALE_DIR (work directory, default $SPHERE_BUILD_DIR/scale-value), POSTS_PER_CREATOR
# (default 2), SNAPSHOT_MONTHS (default 3).
#
# Why 2 posts and 3 monthly snapshots a creator: the model reads every creator's whole
# history, and `sphere train value` cuts a training example from every pair of same-source
# snapshots 20-200 days apart and from every post after the first. 3 months give 3 snapshot
# pairs (one later month, so the backtest has a snapshot fold) and 2 posts one next-post
# example: 4 examples a creator, 4M at 1M creators, which train in memory with room to spare
# on a 24 GiB machine (measured: docs/benchmarks.md). sphere synth's default of 12 months
# would cut 51 pairs a creator (51M examples), which does not fit. What is measured is how
# the commands scale in creators; a longer history costs per creator what it costs on the
# bundled data.
#
# The generator fits each quantity's distribution, not how a creator's future follows from
# their past, so the synthetic model's backtest means nothing: this measures time and memory.
set -euo pipefail
cd "$(dirname "$0")/.."
creators="${1:-1000000}"
posts_per_creator="${POSTS_PER_CREATOR:-2}"
snapshot_months="${SNAPSHOT_MONTHS:-3}"
build="${SPHERE_BUILD_DIR:-build/release}"
work="${SCALE_DIR:-$build/scale-value}"

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
  tail -n "${MEASURE_TAIL:-4}" "$work/$name.log" | sed 's/^/    /'
  # GNU time writes "Command exited with non-zero status N" before the figures on failure.
  local wall user sys kib
  read -r wall user sys kib < <(tail -n 1 "$work/$name.time")
  printf '%s: wall %s s, CPU %s s user + %s s sys, peak %d MiB%s\n' "$name" "$wall" "$user" \
    "$sys" "$((kib / 1024))" "$([[ $status == 0 ]] || echo ", exit $status")"
  return "$status"
}

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== fit: import the bundled real data (the generator's reference)"
measure import-real "$sphere" --store "sqlite:$work/real.db" import data --show-rejects 0

echo "== synth: $creators creators x $posts_per_creator posts, $snapshot_months monthly snapshots"
measure synth "$sphere" --store "sqlite:$work/real.db" synth --creators "$creators" \
  --posts-per-creator "$posts_per_creator" --snapshot-months "$snapshot_months" --seed 1 \
  --out "$work/synth"
ls -la "$work/synth"

echo "== import the synthetic data into SQLite (fresh file)"
measure import-synth "$sphere" --store "sqlite:$work/scale.db" import "$work/synth"

echo "== train value (XGBoost on one thread, the default), synthetic creators"
MEASURE_TAIL=3 measure train-value "$sphere" --store "sqlite:$work/scale.db" train value \
  --models "$work/models"
grep -E 'creator histories|^\| (snapshots|weekly|posts)' "$work/train-value.log" | sed 's/^/    /' || true

echo "== value every creator (stored, and as CSV)"
MEASURE_TAIL=8 measure value "$sphere" --store "sqlite:$work/scale.db" value \
  --out "$work/values.csv"
rows=$(($(wc -l <"$work/values.csv") - 1))
read -r wall _ < <(tail -n 1 "$work/value.time")
echo "value: $rows rows in values.csv, $(awk -v n="$rows" -v s="$wall" 'BEGIN { printf "%.0f", n / s }') creators/s (wall)"
ls -la "$work/values.csv" "$work/scale.db"

# Three questions a scout asks; each command reads the latest stored value of every creator,
# builds the rank index and answers (the in-process query alone: bench_market).
echo "== rank: Instagram beauty micro-influencers (10k-100k followers) by value"
MEASURE_TAIL=3 measure rank-instagram-beauty "$sphere" --store "sqlite:$work/scale.db" rank \
  --platform instagram --niche beauty --min-followers 10000 --max-followers 100000 \
  --sort value --limit 20
echo "== rank: TikTok creators above 100k followers by momentum"
MEASURE_TAIL=3 measure rank-tiktok-momentum "$sphere" --store "sqlite:$work/scale.db" rank \
  --platform tiktok --min-followers 100000 --sort momentum --limit 50
echo "== rank: Instagram fitness creators with 100k-1M followers by momentum"
MEASURE_TAIL=3 measure rank-instagram-fitness "$sphere" --store "sqlite:$work/scale.db" rank \
  --platform instagram --niche fitness --min-followers 100000 --max-followers 1000000 \
  --sort momentum --limit 20
