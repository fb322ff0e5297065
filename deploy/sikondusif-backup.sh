#!/usr/bin/env bash
# Nightly backup with retention (sikondusif-backup.service). Runs `python -m kondusif backup`
# into SIKONDUSIF_BACKUP_DIR; only after it succeeded are backups older than
# SIKONDUSIF_BACKUP_KEEP_DAYS days deleted, and the newest SIKONDUSIF_BACKUP_KEEP_MIN are always kept.
set -euo pipefail
APP_DIR="${SIKONDUSIF_APP_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
PYTHON="${SIKONDUSIF_PYTHON:-$APP_DIR/.venv/bin/python}"
DIR="${SIKONDUSIF_BACKUP_DIR:-/var/backups/sikondusif}"
KEEP_DAYS="${SIKONDUSIF_BACKUP_KEEP_DAYS:-14}"
KEEP_MIN="${SIKONDUSIF_BACKUP_KEEP_MIN:-3}"
case "$KEEP_DAYS$KEEP_MIN" in *[!0-9]*|"") echo "Galat: SIKONDUSIF_BACKUP_KEEP_DAYS/KEEP_MIN harus bilangan bulat." >&2; exit 2;; esac
if [ "$KEEP_DAYS" -lt 1 ]; then echo "Galat: SIKONDUSIF_BACKUP_KEEP_DAYS paling sedikit 1." >&2; exit 2; fi

mkdir -p "$DIR"
chmod 0700 "$DIR"
case "${KONDUSIF_DB_URL:-sqlite}" in postgresql*) ext=dump;; *) ext=db;; esac
out="$DIR/sikondusif-$(date -u +%Y%m%dT%H%M%SZ).$ext"
cd "$APP_DIR"
"$PYTHON" -m kondusif backup --out "$out"

# Retention: only files this script writes, never the newest KEEP_MIN, never anything else.
mapfile -t all < <(find "$DIR" -maxdepth 1 -type f -name 'sikondusif-*Z.db' -o -maxdepth 1 -type f -name 'sikondusif-*Z.dump' | sort -r)
removed=0
for ((i = KEEP_MIN; i < ${#all[@]}; i++)); do
  f="${all[$i]}"
  if [ -n "$(find "$f" -maxdepth 0 -mtime "+$((KEEP_DAYS - 1))")" ]; then
    rm -f -- "$f"
    removed=$((removed + 1))
  fi
done
echo "Retensi: ${#all[@]} cadangan sebelum dibersihkan, $removed dihapus (lebih tua dari $KEEP_DAYS hari; $KEEP_MIN terbaru selalu disimpan)."
