#!/usr/bin/env bash
# Alert fan-out latency (DESIGN.md: ingest -> SSE client under 50 ms): a release `sphere serve`
# on a copy of the main job's store, with 0 and then 10,000 background rules, measured by
# bench/alerts_latency.py. Usage: SPHERE_BUILD_DIR=build/release bench/alerts_latency.sh [events]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${SPHERE_BUILD_DIR:-build/release}"
events="${1:-300}"
sphere="$build/bin/sphere"
[ -x "$sphere" ] || { echo "build $sphere first (cmake --preset release && cmake --build build/release)" >&2; exit 1; }
[ -f var/sphere.db ] || { echo "var/sphere.db missing: run scripts/run.sh once" >&2; exit 1; }
work="$(mktemp -d)"
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
sqlite3 var/sphere.db ".backup '$work/sphere.db'"
url="sqlite:$work/sphere.db"
key="$("$sphere" --store "$url" users add --name latency-bench --role admin | grep -o 'sk_[A-Za-z0-9_-]*')"
for rules in 0 10000; do
  "$sphere" --store "$url" serve --port 0 --access-log off --rate-limit 0 >"$work/serve.log" 2>&1 &
  echo $! >"$work/pid"
  for _ in $(seq 600); do grep -q "serving on" "$work/serve.log" && break; sleep 0.1; done
  port="$(grep -o 'serving on http://127.0.0.1:[0-9]*' "$work/serve.log" | grep -o '[0-9]*$')"
  echo "== $rules background rules (port $port)"
  python3 bench/alerts_latency.py --port "$port" --key "$key" --events "$events" \
    --background-rules "$rules" --db "$work/sphere.db"
  kill -TERM "$(cat "$work/pid")"; wait "$(cat "$work/pid")" || true
done
