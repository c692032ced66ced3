#!/usr/bin/env bash
# Runs a command with DATABASE_URL pointing at a throwaway PostgreSQL that lives in a temporary
# directory (socket only, no TCP port) and is stopped and removed afterwards, whatever happens.
#   scripts/with-postgres.sh COMMAND [ARGS...]
set -euo pipefail

bindir=""
if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
  bindir=$(pg_config --bindir)
fi
if [ -z "$bindir" ]; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] || {
  echo "with-postgres: PostgreSQL's initdb was not found: install the postgresql package." >&2
  exit 1
}

dir=$(mktemp -d "${TMPDIR:-/tmp}/tsunagu-pg.XXXXXX")
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  # PostgreSQL refuses to run as root: the postgres user owns the throwaway cluster.
  chown postgres: "$dir"
  as_owner=(runuser -u postgres --)
fi

cleanup() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

"${as_owner[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Durability settings are off: this cluster is thrown away after the run.
"${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s start \
  -o "-k $dir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60" \
  || { cat "$dir/server.log" >&2; exit 1; }

encoded=$(printf '%s' "$dir" | sed 's|/|%2F|g')
export DATABASE_URL="postgres://postgres@${encoded}/postgres"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on $dir"
"$@"
