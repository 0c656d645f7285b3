#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server on 127.0.0.1:${PGPORT:-55432} or the next free port (data in
# a temp dir) and prints the DATABASE_URL to use. Installs PostgreSQL from Debian's packages if missing.
# TCP logins need a password (scram-sha-256), so the tests can check a wrong one: the URL names role
# `ck` with a fresh random password. Local socket logins (this script's own) are trusted.
set -euo pipefail
port="${PGPORT:-55432}"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing postgresql…" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
bin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
dir=$(mktemp -d /tmp/ck-pg.XXXXXX)
chown postgres "$dir"
runuser -u postgres -- "$bin/initdb" -D "$dir/data" --auth-local=trust --auth-host=scram-sha-256 -U postgres >/dev/null
# A port in use (another server, another run) moves us to the next one.
for try in 0 1 2 3 4 5 6 7 8 9; do
  if runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 2>&1; then
    break
  fi
  [ "$try" = 9 ] && { cat "$dir/log" >&2; exit 1; }
  port=$((port + 1))
done
password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
runuser -u postgres -- "$bin/psql" -h "$dir" -p "$port" -U postgres -q -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE ck LOGIN SUPERUSER PASSWORD '$password'" -c "CREATE DATABASE connector_kit_test OWNER ck" >/dev/null
echo "postgres://ck:$password@127.0.0.1:$port/connector_kit_test"
