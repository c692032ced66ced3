#!/usr/bin/env bash
# `make run`: migrate the embedded database, load the demo once, serve the app and one worker.
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never PATH="$HOME/.local/bin:$PATH"

port=${PORT:-8000}
manage() { uv run --frozen python manage.py "$@"; }

manage migrate --no-input -v0
var_dir=${TSUNAGU_VAR_DIR:-var}
if [ ! -e "$var_dir/demo-loaded" ]; then
  manage seed_demo && date -u +%FT%TZ > "$var_dir/demo-loaded"
fi

worker_pid=""
stop() {
  trap - INT TERM EXIT
  if [ -n "$worker_pid" ]; then kill -TERM "$worker_pid" 2>/dev/null || true; wait "$worker_pid" 2>/dev/null || true; fi
}
trap stop INT TERM EXIT

manage db_worker --interval 1 &
worker_pid=$!

echo "Tsunagu: http://127.0.0.1:$port  (Ctrl-C で停止 / Ctrl-C to stop)"
manage runserver "127.0.0.1:$port"
