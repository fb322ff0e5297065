#!/usr/bin/env bash
# PostgreSQL for SiKondusif: one database, two roles, least privileges (issue 16).
#
#   sikondusif_pemilik  owns the database and its schema; used only by `kondusif init`
#                       (sikondusif-migrate.service), `kondusif restore` and upgrades.
#                       CREATEDB only because a restore first tries the dump in a scratch database.
#   sikondusif_app      what the app processes, the SMS reader and the nightly backup use:
#                       SELECT/INSERT/UPDATE/DELETE on the tables, the sequences; no DDL,
#                       no TRUNCATE, nothing outside this database.
#
# Random passwords are generated here (never written in code) and stored in
#   $SIKONDUSIF_ETC/db.env        KONDUSIF_DB_URL for sikondusif_app
#   $SIKONDUSIF_ETC/db-admin.env  KONDUSIF_DB_URL for sikondusif_pemilik
# db.env is mode 0640, group sikondusif when that group exists (the app's user reads it);
# db-admin.env is 0600 owned by root: systemd (sikondusif-migrate.service) and the CLI
# wrapper (`sikondusif-cli.sh --pemilik`, as root) read it, the app's user cannot (issue 31).
# The app role may only INSERT into audit_log (no UPDATE, DELETE, TRUNCATE): revoked here when
# the table exists, and by `kondusif init` as the owner each time it runs. Running this again
# keeps existing passwords and re-applies the grants (idempotent).
#
# Usage (Debian, as root):  deploy/postgres-setup.sh
# Environment: PSQL (default: runuser -u postgres -- psql), SIKONDUSIF_DB (sikondusif),
#   SIKONDUSIF_ETC (/etc/sikondusif), SIKONDUSIF_PG_HOST (127.0.0.1), SIKONDUSIF_PG_PORT (5432).
set -euo pipefail
DB="${SIKONDUSIF_DB:-sikondusif}"
ETC="${SIKONDUSIF_ETC:-/etc/sikondusif}"
HOST="${SIKONDUSIF_PG_HOST:-127.0.0.1}"
PORT="${SIKONDUSIF_PG_PORT:-5432}"
OWNER=sikondusif_pemilik
APP=sikondusif_app
read -r -a PSQL_CMD <<< "${PSQL:-runuser -u postgres -- psql}"
case "$DB" in *[!a-z0-9_]*|"") echo "Galat: nama basis data hanya huruf kecil, angka dan _." >&2; exit 2;; esac

psql_admin() { "${PSQL_CMD[@]}" -v ON_ERROR_STOP=1 -q -X "$@"; }

mkdir -p "$ETC"
chmod 0750 "$ETC"

password_in() {  # the password already in an env file, else a new random one
  local file="$1"
  if [ -f "$file" ]; then
    sed -n 's|^KONDUSIF_DB_URL=postgresql+psycopg://[^:]*:\([^@]*\)@.*|\1|p' "$file"
  else
    python3 -c 'import secrets; print(secrets.token_urlsafe(32))'
  fi
}
OWNER_PW=$(password_in "$ETC/db-admin.env")
APP_PW=$(password_in "$ETC/db.env")

write_env() {  # file, role, password, readers: app (group sikondusif, 0640) or root (0600)
  local tmp
  tmp=$(mktemp "$ETC/.db.XXXXXX")
  printf 'KONDUSIF_DB_URL=postgresql+psycopg://%s:%s@%s:%s/%s\n' "$2" "$3" "$HOST" "$PORT" "$DB" > "$tmp"
  if [ "$4" = root ]; then
    chmod 0600 "$tmp"  # mktemp made it ours (root's when run as root); no group may read it
  else
    chmod 0640 "$tmp"
    if getent group sikondusif >/dev/null; then chgrp sikondusif "$tmp"; fi
  fi
  mv -f "$tmp" "$1"
}

# Roles (passwords passed as psql variables, so they never appear in a process list).
psql_admin -d postgres -v owner_pw="$OWNER_PW" -v app_pw="$APP_PW" <<SQL
SELECT format('CREATE ROLE $OWNER LOGIN') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$OWNER') \gexec
SELECT format('CREATE ROLE $APP LOGIN') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$APP') \gexec
ALTER ROLE $OWNER WITH LOGIN NOSUPERUSER NOCREATEROLE CREATEDB NOREPLICATION PASSWORD :'owner_pw';
ALTER ROLE $APP WITH LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION PASSWORD :'app_pw';
ALTER ROLE $APP SET statement_timeout = '60s';
SELECT format('CREATE DATABASE %I OWNER $OWNER ENCODING ''UTF8'' TEMPLATE template0', '$DB')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB') \gexec
REVOKE ALL ON DATABASE "$DB" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE "$DB" TO $OWNER;
GRANT CONNECT ON DATABASE "$DB" TO $APP;
SQL

# Inside the database: the owner owns schema public; the app may only read and write rows.
# PostgreSQL 15+: schema public belongs to pg_database_owner, i.e. to $OWNER (the database's
# owner); left so, pg_dump writes no SCHEMA entry and `kondusif restore` accepts the backups
# (issue 31: the restore refuses objects an empty store of its version lacks). Older servers:
# $OWNER owns it outright.
psql_admin -d "$DB" <<SQL
DO \$\$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_database_owner') THEN
    ALTER SCHEMA public OWNER TO pg_database_owner;
  ELSE
    ALTER SCHEMA public OWNER TO $OWNER;
  END IF;
END \$\$;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO $APP;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO $APP;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO $APP;
ALTER DEFAULT PRIVILEGES FOR ROLE $OWNER IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO $APP;
ALTER DEFAULT PRIVILEGES FOR ROLE $OWNER IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO $APP;
DO \$\$ BEGIN
  IF to_regclass('public.audit_log') IS NOT NULL THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON public.audit_log FROM $APP;
  END IF;
END \$\$;
SQL

write_env "$ETC/db-admin.env" "$OWNER" "$OWNER_PW" root
write_env "$ETC/db.env" "$APP" "$APP_PW" app
echo "PostgreSQL siap: basis data $DB, peran $OWNER (skema) dan $APP (aplikasi); URL di $ETC/db.env dan $ETC/db-admin.env."
