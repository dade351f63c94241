#!/usr/bin/env bash
# Serving benchmark: our server (`sphere serve`) against the seed's Python stack (FastAPI +
# uvicorn + XGBoost, bench/peer_fastapi/app.py) serving the same PLEP model with the same
# contributions, measured in the same run with wrk on loopback at 1, 8 and 64 connections:
#   seed route    POST /api/v1/realtime-plep               (as our handler: no contributions)
#   product route POST /api/v1/plep explain=true           (with contributions)
#   product route POST /api/v1/plep explain=false          (without)
# Prints req/s, p50 and p99 of each side and the ratios, and writes them as markdown.
#   bench/serve_bench.sh [--peer-only]
# --peer-only measures the peer alone (for a build without `sphere serve`).
# Environment: SPHERE_BUILD_DIR (default build/release, configured and built by the release
# preset when unset), SERVE_BENCH_STORE (the store to copy, default var/sphere.db; it is only
# read), SERVE_BENCH_DIR (work directory, default $SPHERE_BUILD_DIR/serve-bench),
# SERVE_BENCH_PAIRS (pool size, default 200), SERVE_BENCH_DURATION (per run, default 10s),
# SERVE_BENCH_WARMUP (per server and case, default 3s), SERVE_BENCH_CONNECTIONS (default
# "1 8 64"), SERVE_BENCH_OUT (the markdown table, default $SERVE_BENCH_DIR/serve-bench.md).
# Method, caveats and the last figures: docs/serving-benchmark.md. wrk and both servers share
# the machine's cores; run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

die() {
  echo "serve_bench: $*" >&2
  exit 1
}

peer_only=0
case "${1:-}" in
  "") ;;
  --peer-only) peer_only=1 ;;
  *) echo "usage: bench/serve_bench.sh [--peer-only]" >&2; exit 2 ;;
esac

build="${SPHERE_BUILD_DIR:-build/release}"
source_store="${SERVE_BENCH_STORE:-var/sphere.db}"
work="${SERVE_BENCH_DIR:-$build/serve-bench}"
pairs="${SERVE_BENCH_PAIRS:-200}"
duration="${SERVE_BENCH_DURATION:-10s}"
warmup="${SERVE_BENCH_WARMUP:-3s}"
read -r -a connections <<<"${SERVE_BENCH_CONNECTIONS:-1 8 64}"
out_md="${SERVE_BENCH_OUT:-$work/serve-bench.md}"
# The draft's posting time in every product request and every exported vector; a fixed time
# keeps post.hour_utc and the history window identical on both sides.
at="2026-11-26T18:00:00Z"
# post.age_days of the exported drafts: the API scores a draft at 90 days unless told
# otherwise (service::kSettledAgeDays), as `sphere diagnose` does.
age_days="${SERVE_BENCH_AGE_DAYS:-90}"
# Debian's interpreter: the packages below are Debian's, and PATH may lead to another Python.
python=/usr/bin/python3
tools=(bench/peer_fastapi/pool.py)

# ---- packages (Debian 12, as scripts/setup.sh installs them) ----------------------------
packages=(python3 python3-fastapi python3-uvicorn python3-uvloop python3-httptools
  python3-xgboost python3-numpy wrk sqlite3 curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "serve_bench: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ---- build -------------------------------------------------------------------------------
if [[ -z "${SPHERE_BUILD_DIR:-}" ]]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target sphere
fi
sphere="$repo/$build/bin/sphere"
[[ "$build" = /* ]] && sphere="$build/bin/sphere"
[[ -x "$sphere" ]] || die "$sphere is missing (cmake --build --preset release --target sphere)"
# `sphere serve --help` exits 0 even where serve is unknown: read the command list instead.
if ((!peer_only)) && ! "$sphere" --help | grep -qE '^ +serve( |$)'; then
  die "$sphere has no 'serve' command; build a newer one or pass --peer-only"
fi

# ---- the store copy, the model, the pool and its exported vectors ------------------------
[[ -f "$source_store" ]] || die "no store at $source_store (run scripts/run.sh)"
mkdir -p "$work/cache"
store_file="$work/sphere.db"
rm -f "$store_file" "$store_file-wal" "$store_file-shm"
# .backup reads the source consistently even while someone writes it; the server writes the copy.
sqlite3 -readonly "$source_store" ".backup '$store_file'"
store="sqlite:$store_file"
model_dir="$(sqlite3 "$store_file" "select artifact_path from model where kind = 'plep'
  order by created_at desc, id desc limit 1")"
[[ -n "$model_dir" && -f "$model_dir/manifest.json" ]] ||
  die "the store registers no PLEP model with files (sphere train plep)"
model_version="$(basename "$model_dir")"
echo "== model $model_version, store copy $store_file"

"$python" "${tools[0]}" pool "$store_file" "$work/pool.json" "$pairs"
# The export is slow (two sphere runs a pair), so it is cached; its key covers everything the
# vectors depend on: the pool, the model, the posting time and the binary that computes them.
key="$( (cat "$work/pool.json"; echo "$model_dir $at $age_days"; sha256sum <"$sphere") |
  sha256sum | cut -c1-16)"
vectors="$work/cache/vectors-$key.json"
if [[ ! -f "$vectors" ]]; then
  echo "== export our PLEP vectors of the pool (cached in $vectors)"
  "$python" "${tools[0]}" export "$sphere" "$store" "$model_dir" "$work/pool.json" "$at" \
    "$age_days" "$vectors.tmp"
  mv "$vectors.tmp" "$vectors"
fi
"$python" "${tools[0]}" bodies "$vectors" "$work/bodies"
# The seed route has no time: the servers post its drafts now, so its vectors are this run's.
"$python" "${tools[0]}" seed-vectors "$vectors" "$sphere" "$store" "$work/vectors-run.json"

# ---- servers -----------------------------------------------------------------------------
declare -A server_pid=()
stop_servers() {
  local name
  for name in "${!server_pid[@]}"; do
    # Each server runs in its own session: the group id is its pid (uvicorn has workers).
    kill -TERM -- "-${server_pid[$name]}" 2>/dev/null || true
  done
  for name in "${!server_pid[@]}"; do
    wait "${server_pid[$name]}" 2>/dev/null || true
  done
}
trap stop_servers EXIT

free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_ready NAME URL: until URL answers HTTP at all (any status), or fail with the log.
wait_ready() {
  local name="$1" url="$2"
  for _ in $(seq 1 120); do
    if ! kill -0 "${server_pid[$name]}" 2>/dev/null; then
      echo "serve_bench: the $name server exited:" >&2
      tail -n 20 "$work/$name.log" >&2
      exit 1
    fi
    if curl -s -o /dev/null "$url"; then return 0; fi
    sleep 0.5
  done
  echo "serve_bench: the $name server did not answer $url within 60 s:" >&2
  tail -n 20 "$work/$name.log" >&2
  exit 1
}

peer_port="$(free_port)"
PEER_VECTORS="$work/vectors-run.json" setsid "$python" -m uvicorn app:app \
  --app-dir bench/peer_fastapi --host 127.0.0.1 --port "$peer_port" --workers 2 \
  --loop uvloop --http httptools \
  --no-access-log >"$work/peer.log" 2>&1 &
server_pid[peer]=$!
peer_url="http://127.0.0.1:$peer_port"

ours_url=""
key_ours=""
if ((!peer_only)); then
  key_ours="$("$sphere" --store "$store" users add --name serve-bench --role admin | tail -n 1)"
  ours_port="$(free_port)"
  # No per-key rate limit (one key sends everything) and no access log (the peer keeps none).
  setsid "$sphere" --store "$store" serve --address 127.0.0.1 --port "$ours_port" --threads 2 \
    --rate-limit 0 --access-log off >"$work/ours.log" 2>&1 &
  server_pid[ours]=$!
  ours_url="http://127.0.0.1:$ours_port"
  wait_ready ours "$ours_url/healthz"
fi
wait_ready peer "$peer_url/docs"

echo "== validate: every pair of the pool on every route of each server"
"$python" "${tools[0]}" validate "$work/vectors-run.json" "$ours_url" "$key_ours" "$peer_url" \
  "$work/bodies"

# ---- load --------------------------------------------------------------------------------
declare -A route=([seed]=/api/v1/realtime-plep [plep_explain]=/api/v1/plep [plep]=/api/v1/plep)
cases=(seed plep_explain plep)
servers=(peer)
((peer_only)) || servers=(ours peer)
declare -A url=([peer]="$peer_url" [ours]="$ours_url")
declare -A auth=([peer]="" [ours]="$key_ours")

# run_wrk SERVER CASE CONNECTIONS DURATION OUT
run_wrk() {
  local threads=$(($3 < 2 ? $3 : 2))
  wrk -t"$threads" -c"$3" -d"$4" --latency -s bench/wrk/post_pool.lua "${url[$1]}" \
    -- "${route[$2]}" "$work/bodies/$2.bodies" "${auth[$1]}" >"$5" 2>&1
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(date -u '+%Y-%m-%d %H:%M UTC')"
results="$work/results.tsv"
: >"$results"
mkdir -p "$work/wrk"
run=0
for c in "${cases[@]}"; do
  for s in "${servers[@]}"; do
    echo "== warm-up $s $c ($warmup)"
    run_wrk "$s" "$c" 8 "$warmup" "$work/wrk/warmup-$s-$c.txt"
  done
  for n in "${connections[@]}"; do
    # Alternate which server goes first so drift on the shared machine hits both.
    order=("${servers[@]}")
    if ((run % 2 == 1 && ${#servers[@]} == 2)); then order=("${servers[1]}" "${servers[0]}"); fi
    run=$((run + 1))
    for s in "${order[@]}"; do
      out="$work/wrk/$s-$c-c$n.txt"
      cpu_before="$("$python" "${tools[0]}" cpu "${server_pid[$s]}")"
      run_wrk "$s" "$c" "$n" "$duration" "$out"
      cpu_after="$("$python" "${tools[0]}" cpu "${server_pid[$s]}")"
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$s" "$n" "$out" "$cpu_before" "$cpu_after" \
        >>"$results"
      printf '  %-4s %-12s c%-3s %s p50 %s p99 %s\n' "$s" "$c" "$n" \
        "$(grep -E '^Requests/sec' "$out" | tr -s ' ')" \
        "$(awk '$1 == "50%" {print $2}' "$out")" "$(awk '$1 == "99%" {print $2}' "$out")"
    done
  done
done

load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
"$python" - "$work/meta.json" <<EOF
import json, os, subprocess, sys
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
            if l.startswith("model name")), "?")
def git(*args):
    return subprocess.run(["git", *args], capture_output=True, text=True).stdout.strip()
commit = git("rev-parse", "--short", "HEAD")
dirty = git("status", "--porcelain", "--untracked-files=no")
json.dump({"date": "$started",
           "machine": f"{os.cpu_count()} cores ({cpu}), "
                      f"load average {'$load_before'} before, {'$load_after'} after",
           "commit": commit + (" + local changes" if dirty else ""),
           "model_version": "$model_version", "pairs": len(json.load(open("$vectors"))["pairs"]),
           "duration": "$duration", "warmup": "$warmup"}, open(sys.argv[1], "w"))
EOF
echo
"$python" "${tools[0]}" report "$results" "$out_md" "$work/meta.json"
echo "(written to $out_md; wrk outputs in $work/wrk)"
