"""Core commands: init, demo, prepare, info."""

from __future__ import annotations

import argparse
import sys

from kondusif import accounts, demo, registry, store
from kondusif.config import settings
from kondusif.model import SYSTEM


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="buat skema basis data dan daftar RT contoh")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="isi basis data dengan laporan SIMULASI")
    p.add_argument("--n", type=int, default=3_000, help="jumlah laporan (bawaan 3000)")
    p.add_argument("--seed", type=int, default=1, help="benih acak (hasil sama untuk benih sama)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("prepare", help="siapkan basis data untuk demo (dipakai `make run`)")
    p.add_argument("--n", type=int, default=3_000)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("info", help="tampilkan basis data yang dipakai dan isinya")
    p.set_defaults(func=cmd_info)


def _safe_url(url: str) -> str:
    import sqlalchemy as sa

    return sa.engine.make_url(url).render_as_string(hide_password=True)


def cmd_init(args: argparse.Namespace) -> int:
    engine = store.get_engine()
    added = registry.ensure_rt_registry(engine)
    print(f"Basis data siap: {_safe_url(settings().db_url)} (skema versi {store.schema_version(engine)}).")
    if added:
        print(f"Daftar RT CONTOH dipasang: {added} RT (bukan data resmi; ganti lewat halaman Admin).")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    if args.n < 0:
        print("Galat: --n harus 0 atau lebih.", file=sys.stderr)
        return 2
    engine = store.get_engine()
    registry.ensure_rt_registry(engine)

    def progress(done: int) -> None:
        print(f"  {done:,} laporan simulasi tersimpan...".replace(",", "."), file=sys.stderr)

    result = demo.seed_demo(engine, args.n, args.seed, progress=progress if args.n >= 100_000 else None)
    print(
        f"{result.inserted} laporan SIMULASI ditambahkan (seed {args.seed}; {result.skipped} sudah ada) "
        f"dalam {result.seconds:.1f} detik."
    )
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    engine = store.get_engine()
    registry.ensure_rt_registry(engine)
    if store.count_incidents(engine, q=None, viewer=SYSTEM) == 0:
        result = demo.seed_demo(engine, args.n, args.seed)
        print(f"Basis data kosong: {result.inserted} laporan SIMULASI ditambahkan untuk demo.")
    _print_demo_accounts(accounts.ensure_demo_accounts(engine))
    print(f"Siap: {_safe_url(settings().db_url)}")
    return 0


def _print_demo_accounts(made: list[accounts.DemoAccount]) -> None:
    """Demo accounts exist only on a store that had none; their passwords are shown this once."""
    if not made:
        return
    print("\nAkun DEMO dibuat (HANYA untuk demo; kata sandi ini tidak akan ditampilkan lagi):")
    print(f"  {'PERAN':<9} {'NAMA PENGGUNA':<20} {'KATA SANDI':<14} LINGKUP")
    for a in made:
        print(f"  {a.role.value:<9} {a.username:<20} {a.password:<14} {a.scope}")
    print("Nonaktifkan akun demo di halaman «Kelola akun» sebelum aplikasi dipakai sungguhan.\n")
    if settings().secret_is_default:
        print("Peringatan: KONDUSIF_SECRET_KEY belum diatur; sesi masuk memakai kunci bawaan demo.")


def cmd_info(args: argparse.Namespace) -> int:
    engine = store.get_engine()
    print(f"Basis data : {_safe_url(settings().db_url)}")
    print(f"Skema      : versi {store.schema_version(engine)}")
    print(f"Laporan    : {store.count_incidents(engine, q=None, viewer=SYSTEM)}")
    print(f"Simulasi   : {'ya' if store.has_simulated(engine) else 'tidak'}")
    return 0
