#!/usr/bin/env bash
# `make test`: every test, three times over: SQLite, PostgreSQL, and the real browser.
# Exit 0 only if all pass.  Extra pytest arguments go to each run: make test ARGS="-k healthz".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
export UV_PYTHON_DOWNLOADS=never PATH="$HOME/.local/bin:$PATH"
pytest() { uv run --frozen pytest -p no:cacheprovider "$@"; }

echo "== 1/3 unit and page tests on SQLite =="
pytest -m "not browser" ${ARGS:-}

echo "== 2/3 unit and page tests on PostgreSQL =="
scripts/with-postgres.sh uv run --frozen pytest -p no:cacheprovider -m "not browser" ${ARGS:-}

echo "== 3/3 real-browser journeys in headless Chromium =="
pytest -m browser ${ARGS:-}

echo "make test: SQLite, PostgreSQL and browser runs all passed."
