"""Weekly snapshot commands: weekly-report --week | --list | --download | --verify."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tempfile
from pathlib import Path
from typing import cast

from kondusif import access, store
from kondusif.config import settings
from kondusif.model import SYSTEM, Role
from kondusif.report.week import WeekError, parse_week
from kondusif.timeutil import format_wib


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "weekly-report",
        help="buat, daftar, unduh atau periksa laporan mingguan PDF",
        description="Laporan mingguan PDF: setiap pembuatan diarsipkan sebagai versi baru.",
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--week", metavar="MINGGU", help="buat laporan untuk minggu ISO, mis. 2018-W25")
    what.add_argument("--list", action="store_true", help="daftar arsip laporan (semua atau --of MINGGU)")
    what.add_argument("--download", metavar="MINGGU", help="ambil laporan yang diarsipkan (byte yang sama)")
    what.add_argument("--verify", metavar="MINGGU",
                      help="buat ulang laporan arsip dari parameternya dan bandingkan byte-nya")
    p.add_argument("--version", type=int, help="versi arsip untuk --download/--verify (bawaan: terbaru)")
    p.add_argument("--of", metavar="MINGGU", help="dengan --list: hanya minggu ini")
    p.add_argument("--out", type=Path, help="berkas PDF keluaran")
    p.add_argument("--force", action="store_true", help="timpa berkas --out yang sudah ada")
    p.add_argument("--as", dest="as_user", metavar="PENGGUNA",
                   help="catat pembuatnya sebagai akun ini (harus aktif; admin, pejabat atau panwaslu)")
    p.add_argument("--max-rows", type=int, default=None,
                   help="baris terbanyak per daftar laporan di PDF (bawaan 60)")
    p.set_defaults(func=cmd_weekly_report)


def _err(message: str, code: int = 2) -> int:
    print(f"Galat: {message}", file=sys.stderr)
    return code


def _cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "cli"


def _actor(engine, as_user: str | None) -> tuple[str | None, str | None]:
    """(actor, error): --as must name an active account allowed to make reports."""
    if not as_user:
        return _cli_actor(), None
    from kondusif import accounts
    from kondusif.accounts.auth import AuthError, normalize_username

    try:
        name = normalize_username(as_user)
    except AuthError as exc:
        return None, f"--as: {exc}"
    acc = accounts.get_account(engine, SYSTEM, name)
    if acc is None:
        return None, f"--as: akun «{name}» tidak ada."
    if not acc.get("active", True):
        return None, f"--as: akun «{name}» tidak aktif."
    if Role(acc["role"]) not in access.roles_for("report.weekly"):
        return None, f"--as: peran akun «{name}» ({acc['role']}) tidak berhak membuat laporan mingguan."
    return name, None


def _write(path: Path, data: bytes, force: bool) -> str | None:
    """Write atomically; refuse to replace an existing file unless forced."""
    if path.exists() and not force:
        return f"{path} sudah ada; pakai --force untuk menimpanya atau pilih --out lain."
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".laporan-", suffix=".pdf", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return None


def _size(n: int) -> str:
    return f"{n / 1024:,.0f} KB".replace(",", ".")


def cmd_weekly_report(args: argparse.Namespace) -> int:
    try:
        if args.list:
            return _list(args)
        if args.download:
            return _download(args)
        if args.verify:
            return _verify(args)
        return _generate(args)
    except WeekError as exc:
        return _err(str(exc))


def _generate(args: argparse.Namespace) -> int:
    from kondusif.report import build
    from kondusif.report.data import DEFAULT_MAX_ROWS

    week = parse_week(args.week)
    if args.version is not None:
        return _err("--version hanya untuk --download atau --verify; pembuatan selalu menambah versi baru.")
    max_rows = DEFAULT_MAX_ROWS if args.max_rows is None else args.max_rows
    if max_rows < 1:
        return _err("--max-rows harus 1 atau lebih.")
    engine = store.get_engine()
    actor, problem = _actor(engine, args.as_user)
    if problem:
        return _err(problem)
    if args.out is not None and args.out.exists() and not args.force:
        return _err(f"{args.out} sudah ada; pakai --force untuk menimpanya atau pilih --out lain.")
    info, built = build.generate_snapshot(engine, week, cast(str, actor), max_rows=max_rows)  # no problem: an actor
    out = args.out or settings().data_dir / "snapshots" / info.filename
    problem = _write(out, built.pdf, force=args.force or args.out is None)
    if problem:
        return _err(problem)
    seconds = sum(built.timings.values())
    print(f"Laporan mingguan {info.week} versi {info.version} dibuat dan diarsipkan "
          f"({_size(info.size)}, {seconds:.1f} detik).")
    print(f"Periode : {week.label} (WIB)")
    print(f"Laporan : {built.data.n_week} minggu ini, {built.data.n_prev} minggu lalu; "
          f"Rawan {built.data.n_rawan}, Waspada {built.data.n_waspada}")
    print(f"SHA-256 : {info.sha256}")
    print(f"Berkas  : {out}")
    if built.data.simulated:
        print("Catatan : laporan ini berisi DATA SIMULASI.")
    return 0


def _list(args: argparse.Namespace) -> int:
    from kondusif.report import archive

    week = parse_week(args.of) if args.of else None
    rows = archive.list_snapshots(store.get_engine(), week)
    if not rows:
        print("Belum ada laporan mingguan di arsip." if week is None else f"Belum ada arsip untuk {week.key}.")
        return 0
    print(f"{'minggu':<9} {'versi':>5}  {'dibuat (WIB)':<21} {'oleh':<20} {'ukuran':>9}  sha256")
    for r in rows:
        print(f"{r.week:<9} {r.version:>5}  {format_wib(r.created_at):<21} {r.created_by[:20]:<20} "
              f"{_size(r.size):>9}  {r.sha256[:16]}…")
    print(f"{len(rows)} laporan.")
    return 0


def _download(args: argparse.Namespace) -> int:
    from kondusif.report import archive

    week = parse_week(args.download)
    if args.out is None:
        return _err("--download memerlukan --out BERKAS.")
    try:
        info, data = archive.load_snapshot(store.get_engine(), week, args.version)
    except archive.SnapshotNotFound as exc:
        return _err(str(exc), 1)
    problem = _write(args.out, data, args.force)
    if problem:
        return _err(problem)
    print(f"Laporan {info.week} versi {info.version} ({_size(info.size)}, sha256 {info.sha256}) "
          f"ditulis ke {args.out}.")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from kondusif.report import archive, build

    week = parse_week(args.verify)
    try:
        result = build.reproduce(store.get_engine(), week, args.version)
    except archive.SnapshotNotFound as exc:
        return _err(str(exc), 1)
    info = result.info
    if result.identical:
        print(f"Sama persis: {info.week} versi {info.version} dibuat ulang dengan byte yang identik "
              f"(sha256 {info.sha256}).")
        return 0
    print(f"Berbeda: {info.week} versi {info.version} dibuat ulang dengan sha256 {result.rebuilt_sha256}, "
          f"arsip {result.archived_sha256}. Isi basis data atau batas wilayah telah berubah sejak "
          f"{format_wib(info.created_at)}; arsip tetap menyimpan dokumen aslinya.")
    return 1
