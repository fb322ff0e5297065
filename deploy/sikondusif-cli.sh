#!/usr/bin/env bash
# `python -m kondusif ...` on the server, with the production settings, as the sikondusif user.
#   deploy/sikondusif-cli.sh health
#   deploy/sikondusif-cli.sh users list
#   deploy/sikondusif-cli.sh --pemilik init --produksi      (owner role: schema, first admin)
#   deploy/sikondusif-cli.sh --pemilik restore /var/backups/sikondusif/FILE.dump
#   deploy/sikondusif-cli.sh --pemilik --basis-data sikondusif_latihan restore FILE.dump --yes
#                                                   (latihan pemulihan ke basis data cadangan)
# Default is the app role (db.env); --pemilik uses the owner role (db-admin.env), which only root
# can read (0600): run it with sudo. The command itself always runs as the sikondusif user.
set -euo pipefail
ETC="${SIKONDUSIF_ETC:-/etc/sikondusif}"
APP_DIR="${SIKONDUSIF_APP_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
db=db.env
if [ "${1:-}" = "--pemilik" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Galat: --pemilik membaca $ETC/db-admin.env yang hanya bisa dibaca root; jalankan dengan sudo." >&2
    exit 2
  fi
  db=db-admin.env
  shift
fi
other_db=""
if [ "${1:-}" = "--basis-data" ]; then
  other_db="${2:-}"
  case "$other_db" in *[!a-z0-9_]*|"") echo "Galat: --basis-data NAMA (huruf kecil, angka, _)." >&2; exit 2;; esac
  shift 2
fi
set -a
# shellcheck disable=SC1090,SC1091
. "$ETC/sikondusif.env"
# shellcheck disable=SC1090
. "$ETC/$db"
set +a
if [ -n "$other_db" ]; then  # same server, role and password; another database (the restore drill)
  KONDUSIF_DB_URL="${KONDUSIF_DB_URL%/*}/$other_db"
  export KONDUSIF_DB_URL
fi
cd "$APP_DIR"
umask 077
PY="${SIKONDUSIF_PYTHON:-$APP_DIR/.venv/bin/python}"
if [ "$(id -u)" = 0 ]; then
  exec runuser -u "${SIKONDUSIF_USER:-sikondusif}" -- "$PY" -m kondusif "$@"
fi
exec "$PY" -m kondusif "$@"
