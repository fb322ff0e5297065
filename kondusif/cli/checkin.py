"""Check-in commands (issue 24): `aman` (an operator records a phone call) and `cakupan` (coverage)."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date, datetime

from kondusif import checkins, coverage, store
from kondusif.model import Role, Viewer
from kondusif.safe import clean_text, neutralise_cell
from kondusif.timeutil import as_utc, format_wib, now, to_wib
from lubuklinggau_geo import gazetteer
from lubuklinggau_geo.names import GeoNameError, find_kecamatan, find_kelurahan

CLI_VIEWER = Viewer("cli", Role.ADMIN, display_name="Baris perintah")  # the CLI's explicit operator viewer
CSV_HEADER = ["kode_kelurahan", "rt", "kabar_terakhir", "jumlah_aman", "jumlah_laporan"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("aman", help="catat laporan aman (lingkungan aman) satu RT, mis. dari telepon Ketua RT")
    p.add_argument("--kelurahan", required=True, help="nama atau kode kelurahan")
    p.add_argument("--rt", required=True, help="nomor RT")
    p.add_argument("--waktu", help="waktu laporan (ISO 8601; tanpa zona = WIB); bawaan: sekarang")
    p.set_defaults(func=cmd_aman)

    p = sub.add_parser("cakupan", help="cakupan kabar RT satu hari: RT yang memberi kabar dan yang senyap")
    p.add_argument("--tanggal", required=True, help="hari (YYYY-MM-DD, WIB)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--kelurahan", help="nama atau kode kelurahan")
    where.add_argument("--kecamatan", help="nama atau kode kecamatan")
    p.add_argument("--format", choices=["tabel", "csv"], default="tabel", help="bawaan: tabel yang mudah dibaca")
    p.set_defaults(func=cmd_cakupan)


def _err(msg: str) -> int:
    """Print an error; control characters of echoed arguments are dropped so they cannot repaint the terminal."""
    print(f"Galat: {clean_text(msg)}", file=sys.stderr)
    return 2


def _kelurahan(text: str) -> str:
    code = gazetteer.normalize_kelurahan_code(text)
    return code if code and gazetteer.is_kelurahan_code(code) else find_kelurahan(text)


def cmd_aman(args: argparse.Namespace) -> int:
    try:
        kel = _kelurahan(args.kelurahan)
    except GeoNameError as exc:
        return _err(str(exc))
    stamp = now()
    at: datetime = stamp
    if args.waktu:
        try:
            at = datetime.fromisoformat(args.waktu.strip())
        except ValueError:
            return _err(f"--waktu {args.waktu!r} bukan waktu ISO 8601 (contoh: 2018-06-27T07:05).")
    engine = store.get_engine()
    # One phone call, one check-in: the same RT and minute recorded twice is the same call.
    try:
        rt_ref = int(str(args.rt).strip())
    except ValueError:
        return _err(f"--rt {args.rt!r} bukan nomor RT (isi angka, mis. 3).")
    ref = f"{kel}:{rt_ref}:{as_utc(at):%Y%m%dT%H%MZ}"
    try:
        got = checkins.record_checkin(engine, CLI_VIEWER, kelurahan=kel, rt=args.rt, at=at, channel="cli",
                                      source_ref=ref, clock=stamp)
    except checkins.CheckinRefused as exc:
        return _err(str(exc))
    when = format_wib(got.at)
    if got.created:
        note = " (RT tidak ada di daftar RT contoh; tetap diterima dan ditandai)" if got.unlisted_rt else ""
        print(f"Laporan aman {got.place_label} pada {when} tercatat{note}.")
    else:
        print(f"Laporan aman {got.place_label} pada {when} sudah tercatat sebelumnya; tidak ada yang ditambahkan.")
    return 0


def cmd_cakupan(args: argparse.Namespace) -> int:
    try:
        day = date.fromisoformat(args.tanggal.strip())
    except ValueError:
        return _err(f"--tanggal {args.tanggal!r} bukan tanggal YYYY-MM-DD (contoh: 2018-06-27).")
    today = to_wib(now()).date()
    if day > today:  # every RT would read "senyap" for a day nobody could have reported yet
        return _err(f"--tanggal {day:%d/%m/%Y} belum tiba (hari ini {today:%d/%m/%Y} WIB): "
                    "cakupan hanya untuk hari yang sudah mulai.")
    kel = kec = None
    try:
        if args.kelurahan:
            kel = _kelurahan(args.kelurahan)
        elif args.kecamatan:
            kec = gazetteer.normalize_kecamatan_code(args.kecamatan)
            if not kec or kec not in gazetteer.kecamatan_codes():
                kec = find_kecamatan(args.kecamatan)
    except GeoNameError as exc:
        return _err(str(exc))
    start, end = coverage.day_period(day)
    cov = coverage.coverage(store.get_engine(), CLI_VIEWER, start, end, kelurahan=kel, kecamatan=kec)
    if args.format == "csv":
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(CSV_HEADER)
        for r in cov.rt.itertuples(index=False):
            out.writerow([neutralise_cell(r.kode_kelurahan), int(r.rt), coverage.wib_iso(r.kabar_terakhir),
                          int(r.jumlah_aman), int(r.jumlah_laporan)])
        return 0
    _print_table(cov, day)
    return 0


def _print_table(cov: coverage.Coverage, day: date) -> None:
    print(f"Cakupan kabar RT, {day:%d/%m/%Y} (WIB): {cov.heard} dari {cov.total} RT memberi kabar "
          f"({cov.share:.0%}).")
    for k in cov.kelurahan.itertuples(index=False):
        name = coverage.kelurahan_label(k.kode_kelurahan)
        state = "TIDAK ADA KABAR" if k.rt_heard == 0 else f"{k.share:.0%}"
        print(f"\n{name} ({k.kode_kelurahan}) — {state}")
        print(f"  {coverage.contact_sentence(int(k.rt_heard), int(k.rt_total), list(k.senyap))}")
        print(f"  {'RT':>4}  {'KABAR TERAKHIR':<22} {'AMAN':>5} {'LAPORAN':>8}")
        rows = cov.rt[cov.rt["kode_kelurahan"] == k.kode_kelurahan]
        for r in rows.itertuples(index=False):
            last = format_wib(r.kabar_terakhir.to_pydatetime()) if r.heard else "senyap"
            print(f"  {int(r.rt):>4}  {last:<22} {int(r.jumlah_aman):>5} {int(r.jumlah_laporan):>8}")
