#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on a local port for the test run.
# Usage: source .ci/postgres.sh  -> exports KONDUSIF_PG_URL and PG_STOP (a command to stop it).
set -euo pipefail
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  echo "PostgreSQL belum terpasang: apt-get install postgresql" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PGPORT=${PGPORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
PGDATA=$(mktemp -d /tmp/sikondusif-pg.XXXXXX)
as_pg() {
  if [ "$(id -u)" = "0" ]; then chown -R postgres:postgres "$PGDATA"; runuser -u postgres -- "$@"; else "$@"; fi
}
as_pg "$PGBIN/initdb" -D "$PGDATA/db" -A trust -U postgres --no-locale -E UTF8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGDATA/db" -l "$PGDATA/server.log" -w \
  -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
export KONDUSIF_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres"
export PG_STOP="as_pg $PGBIN/pg_ctl -D $PGDATA/db -m fast stop"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') berjalan di 127.0.0.1:$PGPORT"
