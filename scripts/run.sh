#!/usr/bin/env bash
# `make run`: migrate the embedded database, load the demo once, serve the app and one worker.
# Ctrl-C (or SIGTERM) stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${PORT:-8000}
python=.venv/bin/python  # made by scripts/bootstrap.sh (uv sync)
manage() { "$python" manage.py "$@"; }

manage migrate --no-input -v0
var_dir=${TSUNAGU_VAR_DIR:-var}
if [ ! -e "$var_dir/demo-loaded" ]; then
  manage seed_demo && date -u +%FT%TZ > "$var_dir/demo-loaded"
fi

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do
    # The development server reloads code in a child process: stop that child too.
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  echo "Tsunagu: 停止しました / stopped."
}
trap stop INT TERM EXIT

"$python" manage.py db_worker --interval 1 &
pids+=($!)
"$python" manage.py runserver "127.0.0.1:$port" &
pids+=($!)
echo "Tsunagu: http://127.0.0.1:$port  (Ctrl-C で停止 / Ctrl-C to stop)"

# Whichever stops first (Ctrl-C, or a crash of either), both stop.
wait -n || true
