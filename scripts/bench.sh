#!/usr/bin/env bash
# make bench / make bench-proof: a fresh bench database, filled by bench_seed, then the scenarios.
#   scripts/bench.sh run|proof   (SCALE=small|large, DB=sqlite|postgres)
# DB=postgres runs inside scripts/with-postgres.sh (a throwaway cluster on a socket).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-run}
scale=${SCALE:-small}
db=${DB:-sqlite}
export DJANGO_SETTINGS_MODULE=config.bench_settings
export UV_PYTHON_DOWNLOADS=never

if [ "$mode" = proof ]; then db=postgres; fi
case "$scale" in small|large) ;; *) echo "bench: SCALE must be small or large" >&2; exit 2 ;; esac

if [ "$db" = postgres ] && [ -z "${DATABASE_URL:-}" ]; then
  exec scripts/with-postgres.sh "$0" "$@"
fi
if [ "$db" = sqlite ]; then
  mkdir -p var/bench
  rm -f var/bench/bench.sqlite3 var/bench/bench.sqlite3-wal var/bench/bench.sqlite3-shm
  export DATABASE_URL="sqlite:///$(pwd)/var/bench/bench.sqlite3"
elif [ -z "${DATABASE_URL:-}" ]; then
  echo "bench: DB must be sqlite or postgres" >&2; exit 2
fi

started=$(date +%s)
uv run --frozen python manage.py migrate --verbosity 0
echo "migrate_s: $(( $(date +%s) - started )) s"
uv run --frozen python manage.py bench_seed --scale "$scale"
if [ "$mode" = proof ]; then
  uv run --frozen python manage.py bench_proof
else
  uv run --frozen python manage.py bench_run --scale "$scale"
fi
