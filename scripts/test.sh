#!/usr/bin/env bash
# The whole test suite: install what is missing, build the dev preset (Debug +
# AddressSanitizer + UBSan) and the release preset (so the benchmarks cannot rot), fuzz the
# ingest and API request decoders briefly (scripts/fuzz.sh), start a throwaway PostgreSQL for
# the store contract suite, and run every test with CTest.
# Extra arguments go to ctest (e.g. scripts/test.sh -R Csv).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset dev >/dev/null
cmake --build --preset dev
cmake --preset release >/dev/null
cmake --build --preset release
# A short coverage-guided pass over the ingest and API request decoders; longer:
# scripts/fuzz.sh 600.
scripts/fuzz.sh 15

pg_dir="$PWD/build/dev/postgres"
scripts/postgres.sh start "$pg_dir" >/dev/null
trap 'scripts/postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true' EXIT
export SPHERE_TEST_POSTGRES_URL="$(cat "$pg_dir/url")"
echo "test: PostgreSQL at $SPHERE_TEST_POSTGRES_URL"

# ctest runs two tests at once on two cores: OpenMP threads (XGBoost) that spin while
# waiting would take the core from the other test and slow both several-fold.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
ctest --preset dev "$@"
