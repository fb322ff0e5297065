"""Core commands: init, demo, prepare, info."""

from __future__ import annotations

import argparse
import sys

from kondusif import accounts, demo, registry, store
from kondusif.config import settings
from kondusif.model import SYSTEM, Role
from kondusif.secrets_file import signing_key


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="buat skema basis data dan daftar RT contoh")
    p.add_argument("--produksi", action="store_true",
                   help="pemakaian sungguhan: tanpa akun/laporan demo; satu admin dengan kata sandi sekali pakai")
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
    signing_key()  # the installation's session key (0600 in the data dir) unless configured
    print(f"Basis data siap: {_safe_url(settings().db_url)} (skema versi {store.schema_version(engine)}).")
    if added:
        print(f"Daftar RT CONTOH dipasang: {added} RT (bukan data resmi; ganti dengan `rt impor BERKAS` "
              "atau di halaman Kelola akun → Daftar RT resmi).")
    if getattr(args, "produksi", False):
        return _init_production(engine)
    return 0


PRODUCTION_ADMIN = "admin"


def _init_production(engine) -> int:
    """Real use: no demo accounts, no simulated reports; one admin whose one-time password
    is printed once and must be changed at first sign-in."""
    if store.has_simulated(engine):
        print("Galat: basis data ini berisi laporan SIMULASI (demo). Untuk pemakaian sungguhan mulai dari "
              "basis data baru (KONDUSIF_DATA_DIR atau KONDUSIF_DB_URL lain).", file=sys.stderr)
        return 2
    if accounts.count_accounts(engine):
        print("Akun sudah ada; tidak ada akun baru yang dibuat. Kelola akun lewat halaman «Kelola akun» "
              "atau `python -m kondusif users`.")
        return 0
    password = accounts.generate_password(16)
    accounts.create_account(engine, SYSTEM, PRODUCTION_ADMIN, Role.ADMIN, password,
                            display_name="Operator SiKondusif", must_change=True,
                            note="Dibuat oleh init --produksi")
    print("\nAkun admin dibuat. Kata sandi SEKALI PAKAI ini hanya ditampilkan sekarang:")
    print(f"  nama pengguna: {PRODUCTION_ADMIN}")
    print(f"  kata sandi   : {password}")
    print("Saat masuk pertama kali, admin wajib mengganti kata sandi ini.\n")
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
    _seed_checkins(engine, args.seed)
    return 0


def _seed_checkins(engine, seed: int) -> None:
    """Issue 24: simulated check-ins beside the simulated reports (calm, tense and silent on the demo map)."""
    from kondusif import demo_checkins

    got = demo_checkins.seed_checkins(engine, seed)
    print(f"{got.inserted} laporan aman SIMULASI ditambahkan ({got.skipped} sudah ada); kelurahan yang sengaja "
          f"senyap: {len(got.silent_kelurahan)}.")


def cmd_prepare(args: argparse.Namespace) -> int:
    engine = store.get_engine()
    registry.ensure_rt_registry(engine)
    if store.count_incidents(engine, q=None, viewer=SYSTEM) == 0:
        result = demo.seed_demo(engine, args.n, args.seed)
        print(f"Basis data kosong: {result.inserted} laporan SIMULASI ditambahkan untuk demo.")
        _seed_checkins(engine, args.seed)
    signing_key()  # the installation's session key (0600 in the data dir) unless configured
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
    print("Nonaktifkan akun demo di halaman «Kelola akun» sebelum aplikasi dipakai sungguhan.")
    print("Untuk pemakaian sungguhan gunakan basis data baru dengan `python -m kondusif init --produksi`.\n")


def cmd_info(args: argparse.Namespace) -> int:
    engine = store.get_engine()
    print(f"Basis data : {_safe_url(settings().db_url)}")
    print(f"Skema      : versi {store.schema_version(engine)}")
    print(f"Laporan    : {store.count_incidents(engine, q=None, viewer=SYSTEM)}")
    print(f"Simulasi   : {'ya' if store.has_simulated(engine) else 'tidak'}")
    return 0
