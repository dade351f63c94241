#!/usr/bin/env bash
# Coverage-guided fuzzing of the ingest decoders and the API's request decoders (fuzz/,
# libFuzzer + ASan + UBSan, clang-14).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]     default 60; CI (scripts/test.sh) runs 15
#
# Builds the `fuzz` preset, then runs each target in turn (one core; others may be busy) on
# build/fuzz/corpus-work/<target>: the seeds of fuzz/corpus/<target> plus whatever earlier
# runs here found (rm -rf build/fuzz/corpus-work to start over), with fuzz/<target>.dict as
# its dictionary. Nothing is written into fuzz/. Prints exec/s and coverage per target. Exits 1 when any target crashed, leaked,
# hit UB, timed out or broke an invariant, naming the input that reproduces it:
#   build/fuzz/bin/<target> <that file>
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [SECONDS_PER_TARGET]" >&2; exit 2; }
readonly targets=(fuzz_numbers fuzz_csv_reader fuzz_formats fuzz_caption fuzz_image fuzz_forest
  fuzz_query fuzz_multipart fuzz_json_input)
readonly work="$PWD/build/fuzz/corpus-work"
readonly artifacts="$PWD/build/fuzz/artifacts"
readonly logs="$PWD/build/fuzz/logs"

scripts/setup.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

# Symbolised stacks for UB too (the build already stops at the first UB, so the input is saved).
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
export ASAN_SYMBOLIZER_PATH="${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer-14 || true)}"

# The targets write each input to a scratch file: in memory that is ~1.8x the exec/s. A
# directory of our own also collects what a crashed target could not clean up.
scratch_root=/dev/shm
[ -w "$scratch_root" ] || scratch_root="${TMPDIR:-/tmp}"
scratch="$(mktemp -d "$scratch_root/sphere-fuzz.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
export TMPDIR="$scratch"

failed=()
summary=()
for t in "${targets[@]}"; do
  mkdir -p "$work/$t" "$artifacts/$t" "$logs"
  cp -r fuzz/corpus/"$t"/. "$work/$t/"
  log="$logs/$t.log"
  echo "fuzz: $t for ${seconds}s (log: ${log#"$PWD"/})"
  dict=()
  [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
  rc=0
  build/fuzz/bin/"$t" "$work/$t" "${dict[@]}" \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$t/" >"$log" 2>&1 || rc=$?
  # The last status line: "#123 DONE cov: 456 ft: 789 corp: 12/3456b ... exec/s: 4000 ..."
  last="$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)"
  field() { sed -nE "s|.* $1: ([^ ]+).*|\1|p" <<<"$last"; }
  final_stat() { sed -nE "s/^stat::$1: *//p" "$log"; }
  summary+=("$(printf '%-16s %9s runs %7s exec/s  cov %5s  ft %6s  corpus %s' "$t" \
    "$(final_stat number_of_executed_units)" "$(final_stat average_exec_per_sec)" "$(field cov)" \
    "$(field ft)" "$(field corp)")")
  if ((rc != 0)); then
    echo "fuzz: $t FAILED (exit $rc); the end of its log:" >&2
    tail -n 60 "$log" >&2
    reproducer="$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" | tail -n 1)"
    [ -n "$reproducer" ] || reproducer="(no input saved; see $log)"
    failed+=("build/fuzz/bin/$t ${reproducer#"$PWD"/}")
  fi
done

echo "fuzz: ${seconds}s per target"
printf 'fuzz: %s\n' "${summary[@]}"
if ((${#failed[@]})); then
  printf 'fuzz: FAILED, reproduce with: %s\n' "${failed[@]}" >&2
  exit 1
fi
