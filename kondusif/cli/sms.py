"""SMS commands (issue 15): sms-gateway, the long-running reader of Gammu SMSD's tables."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from kondusif import store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sms-gateway", help="baca SMS masuk dari tabel Gammu SMSD dan kirim balasannya")
    p.add_argument("--gammu-db", required=True, metavar="URL",
                   help="basis data Gammu SMSD, mis. postgresql://smsd@localhost/smsd")
    p.add_argument("--poll", type=float, default=1.0, metavar="DETIK", help="jeda antar pemeriksaan (bawaan 1)")
    p.add_argument("--multipart-wait", type=float, default=60.0, metavar="DETIK",
                   help="berapa lama menunggu bagian SMS bersambung yang belum tiba (bawaan 60)")
    p.add_argument("--tz", default=None,
                   help="zona waktu komputer tempat gammu-smsd berjalan (Gammu menulis waktu lokalnya); bawaan: "
                        "zona komputer ini. Isi hanya bila gammu-smsd berjalan di komputer lain, mis. Asia/Jakarta")
    p.add_argument("--once", action="store_true", help="satu kali pemeriksaan lalu selesai")
    p.add_argument("--max-messages", type=int, default=None, help=argparse.SUPPRESS)  # tests: a planned restart
    p.set_defaults(func=cmd_sms_gateway)


def _offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    return f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def cmd_sms_gateway(args: argparse.Namespace) -> int:
    from kondusif.sms import gammu

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    try:
        tz = ZoneInfo(args.tz) if args.tz else None
    except (ZoneInfoNotFoundError, ValueError):
        print(f"Galat: zona waktu «{args.tz}» tidak dikenal (contoh: Asia/Jakarta).", file=sys.stderr)
        return 2
    if tz is not None:
        moment = datetime.now(UTC)
        here = moment.astimezone().utcoffset()
        if moment.astimezone(tz).utcoffset() != here:
            print(f"Peringatan: --tz {args.tz} berbeda dari zona komputer ini (UTC{_offset(here)}). Gammu menulis "
                  "waktu lokal komputer tempat gammu-smsd berjalan: bila gammu-smsd berjalan di komputer ini, "
                  "hapus --tz, atau waktu laporan SMS bergeser.", file=sys.stderr)
    if args.poll <= 0 or args.multipart_wait < 0:
        print("Galat: --poll harus lebih dari 0 dan --multipart-wait tidak boleh negatif.", file=sys.stderr)
        return 2
    try:
        url = sa.engine.make_url(args.gammu_db)
    except sa.exc.ArgumentError:
        print("Galat: --gammu-db bukan URL basis data (contoh: postgresql://smsd@localhost/smsd).", file=sys.stderr)
        return 2
    shown = url.render_as_string(hide_password=True)
    gw = gammu.Gateway(gammu.gammu_engine(args.gammu_db), store.get_engine(), tz=tz,
                       multipart_wait=args.multipart_wait)
    try:
        with gw.gammu.connect() as conn:
            conn.execute(sa.select(sa.func.count()).select_from(gammu.inbox))
    except sa.exc.SQLAlchemyError as exc:
        print(f"Galat: tabel inbox Gammu di {shown} tidak terbaca ({type(exc).__name__}). Periksa URL dan "
              "bahwa skema Gammu (pgsql.sql dari gammu-smsd) sudah dipasang.", file=sys.stderr)
        return 3
    print(f"Gateway SMS Gammu berjalan: {shown}. Hentikan dengan Ctrl+C.", flush=True)
    rc = gammu.run_gateway(gw, poll_seconds=args.poll, once=args.once, max_messages=args.max_messages,
                           out=lambda line: print(line, flush=True))
    print(f"Gateway SMS berhenti; {gw.handled} SMS diproses.", flush=True)
    return rc
