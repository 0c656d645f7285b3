#!/usr/bin/env bash
# Starts a throw-away MariaDB server on 127.0.0.1:${MYSQL_PORT:-53306} or the next free port (data
# in a temp dir), creates a database and a user with a password, and prints the URL to use
# (mysql://user:password@127.0.0.1:port/database). Installs MariaDB from Debian's packages if missing.
set -euo pipefail
port="${MYSQL_PORT:-53306}"
if ! command -v mariadbd >/dev/null 2>&1; then
  echo "installing mariadb-server…" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null
fi
dir=$(mktemp -d /tmp/ck-mariadb.XXXXXX)
chown mysql "$dir"
mariadb-install-db --no-defaults --datadir="$dir/data" --user=mysql --auth-root-authentication-method=normal \
  --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }
password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')

# A port in use (another server, another run) moves us to the next one.
for try in 0 1 2 3 4 5 6 7 8 9; do
  rm -f "$dir/sock" "$dir/log"
  # setsid + nohup: the server outlives this script (and CI's step), like pg_ctl start.
  setsid nohup mariadbd --no-defaults --datadir="$dir/data" --user=mysql --bind-address=127.0.0.1 --port="$port" \
    --socket="$dir/sock" --pid-file="$dir/pid" --log-error="$dir/log" --skip-log-bin \
    --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=0 --max-connections=200 </dev/null >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    if mariadb-admin --no-defaults --socket="$dir/sock" -uroot ping >/dev/null 2>&1; then break 2; fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.2
  done
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  [ "$try" = 9 ] && { cat "$dir/log" >&2; exit 1; }
  port=$((port + 1))
done

mariadb --no-defaults --socket="$dir/sock" -uroot <<SQL
CREATE DATABASE connector_kit_test;
CREATE USER 'ck'@'127.0.0.1' IDENTIFIED BY '$password';
CREATE USER 'ck'@'localhost' IDENTIFIED BY '$password';
GRANT ALL ON connector_kit_test.* TO 'ck'@'127.0.0.1';
GRANT ALL ON connector_kit_test.* TO 'ck'@'localhost';
SQL
echo "mysql://ck:$password@127.0.0.1:$port/connector_kit_test"
