#!/usr/bin/env bash
# Peer for caption sentiment: the reference VADER implementation on npm
# (vader-sentiment@1.1.3, the package whose lexicon we ship) scoring every Kim caption in
# Node.js, to compare with `bench_caption --benchmark_filter=Vader` in the same run.
# Usage: bench/peer_vader.sh [REPETITIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
reps="${1:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent vader-sentiment@1.1.3 >/dev/null && tar -xzf vader-sentiment-1.1.3.tgz)
python3 - "$work/captions.json" <<'PY'
import csv, gzip, json, sys
with gzip.open("data/instagram/kim_posts.csv.gz", "rt", encoding="utf-8", newline="") as f:
    json.dump([row["caption"] for row in csv.DictReader(f)], open(sys.argv[1], "w"))
PY
cat >"$work/peer.js" <<'JS'
const vader = require('./package/build/vaderSentiment.bundle.js');
const captions = require('./captions.json');
const reps = Number(process.argv[2]);
let best = Infinity, sum = 0;
for (let r = 0; r < reps; r++) {
  const t0 = process.hrtime.bigint();
  for (const c of captions) sum += vader.SentimentIntensityAnalyzer.polarity_scores(c).compound;
  best = Math.min(best, Number(process.hrtime.bigint() - t0));
}
console.log(`vader-sentiment@1.1.3 on node ${process.version}: ` +
            `${(best / captions.length / 1000).toFixed(1)} us per caption ` +
            `(${captions.length} Kim captions, best of ${reps})`);
JS
node "$work/peer.js" "$reps"
