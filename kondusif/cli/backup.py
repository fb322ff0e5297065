"""backup / restore commands."""

from __future__ import annotations

import argparse
import sys

from kondusif import backup, health
from kondusif.config import settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="cadangkan seluruh basis data ke satu berkas")
    p.add_argument("--out", required=True, help="berkas tujuan")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="pulihkan basis data dari berkas cadangan (menimpa isi sekarang)")
    p.add_argument("file", help="berkas cadangan")
    p.add_argument("--yes", action="store_true", help="jangan bertanya konfirmasi")
    p.set_defaults(func=cmd_restore)


def cmd_backup(args: argparse.Namespace) -> int:
    try:
        result = backup.backup(settings().db_url, args.out)
    except backup.BackupError as exc:
        print(f"Galat: {exc}", file=sys.stderr)
        return 1
    try:
        health.record_backup(result.path, result.bytes)
    except Exception as exc:  # the backup itself is written; only the record of it failed
        print(f"Peringatan: waktu cadangan tidak tercatat ({type(exc).__name__}).", file=sys.stderr)
    print(f"Cadangan {result.backend} ditulis ke {result.path} ({result.bytes:,} byte, {result.incidents} laporan).")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    db_url = settings().db_url
    if not args.yes and not sys.stdin.isatty():
        print("Galat: pemulihan menimpa basis data; ulangi dengan --yes.", file=sys.stderr)
        return 2
    try:
        checked = backup.check_backup(db_url, args.file)
    except backup.BackupError as exc:
        print(f"Galat: {exc}", file=sys.stderr)
        return 1
    print(f"Cadangan {checked.path} utuh: {checked.describe()}.")
    if not args.yes:
        answer = input("Pemulihan akan MENIMPA seluruh isi basis data. Lanjutkan? [ya/tidak] ")
        if answer.strip().lower() not in ("ya", "y"):
            print("Dibatalkan.")
            return 1
    try:
        result = backup.restore(db_url, args.file, checked)
    except backup.BackupError as exc:
        print(f"Galat: {exc}", file=sys.stderr)
        return 1
    if result.aside is not None:
        print(f"Basis data sebelumnya disalin ke {result.aside}.")
    print(f"Basis data dipulihkan dari {result.path}: {result.incidents} laporan.")
    return 0
