#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server on 127.0.0.1:${PGPORT:-55432} or the next free port (trust
# auth, data in a temp dir) and prints the DATABASE_URL to use. Installs PostgreSQL from Debian's packages if missing.
set -euo pipefail
port="${PGPORT:-55432}"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing postgresql…" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
bin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
dir=$(mktemp -d /tmp/ck-pg.XXXXXX)
chown postgres "$dir"
runuser -u postgres -- "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
# A port in use (another server, another run) moves us to the next one.
for try in 0 1 2 3 4 5 6 7 8 9; do
  if runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 2>&1; then
    break
  fi
  [ "$try" = 9 ] && { cat "$dir/log" >&2; exit 1; }
  port=$((port + 1))
done
runuser -u postgres -- "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres connector_kit_test
echo "postgres://postgres@127.0.0.1:$port/connector_kit_test"
