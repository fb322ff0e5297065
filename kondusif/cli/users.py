"""Account commands: users create | list | set-password | bulk-rt | set-phone | phones-from-registry.

Passwords are read from standard input (never from the command line, where they
would land in the shell history and the process list).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from kondusif import accounts, store
from kondusif.accounts import cards
from kondusif.accounts.auth import AuthError
from kondusif.model import Role, Viewer
from kondusif.timeutil import format_wib


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="kelola akun pengguna")
    usub = p.add_subparsers(dest="users_command", required=True, metavar="SUBPERINTAH")

    c = usub.add_parser("create", help="buat satu akun (kata sandi dibaca dari stdin)")
    c.add_argument("--username", required=True)
    c.add_argument("--role", required=True, choices=[r.value for r in Role])
    c.add_argument("--name", default="", help="nama tampilan")
    c.add_argument("--kecamatan", help="lingkup panwaslu: kode atau nama kecamatan")
    c.add_argument("--kelurahan", help="akun RT: kode atau nama kelurahan")
    c.add_argument("--rt", help="akun RT: nomor RT")
    c.add_argument("--must-change", action="store_true", help="wajib ganti kata sandi saat pertama masuk")
    c.set_defaults(func=cmd_create)

    s = usub.add_parser("set-password", help="atur kata sandi akun (pemulihan; dibaca dari stdin)")
    s.add_argument("--username", required=True)
    s.add_argument("--must-change", action="store_true")
    s.set_defaults(func=cmd_set_password)

    ls = usub.add_parser("list", help="daftar akun")
    ls.add_argument("--role", choices=[r.value for r in Role])
    ls.set_defaults(func=cmd_list)

    b = usub.add_parser("bulk-rt", help="buat akun untuk setiap RT di daftar RT, dengan PIN sekali pakai")
    b.add_argument("--out", required=True, type=Path, help="berkas CSV PIN (kartu PDF ditulis di sebelahnya)")
    b.add_argument("--reset-pins", action="store_true",
                   help="beri PIN baru juga untuk akun RT yang sudah ada (PIN lama tidak berlaku)")
    b.add_argument("--url", help="alamat aplikasi yang dicetak di kartu")
    b.add_argument("--force", action="store_true", help="timpa berkas keluaran yang sudah ada")
    b.set_defaults(func=cmd_bulk_rt)

    # Issue 15: the Ketua RT's mobile number on the RT account (an SMS from it files for that RT).
    ph = usub.add_parser("set-phone", help="daftarkan nomor HP SMS Ketua RT pada akun RT (kosong: hapus)")
    ph.add_argument("--username", required=True)
    ph.add_argument("--phone", required=True, help="mis. 0812-3456-7890; \"\" menghapus nomor")
    ph.set_defaults(func=cmd_set_phone)

    pr = usub.add_parser("phones-from-registry",
                         help="daftarkan nomor HP dari kolom telepon daftar RT ke akun RT masing-masing")
    pr.set_defaults(func=cmd_phones_from_registry)


def _actor() -> Viewer:
    """The explicit system viewer of the command line (the audit names the operator's login)."""
    try:
        name = f"cli:{getpass.getuser()}"[:64]
    except Exception:  # noqa: BLE001 - no login name in some containers
        name = "cli"
    return Viewer(name, Role.ADMIN, display_name="Baris perintah")


def _read_password(prompt: str) -> str | None:
    """From a terminal: asked twice without echo; from a pipe: the first line."""
    if sys.stdin.isatty():
        first = getpass.getpass(f"{prompt}: ")
        again = getpass.getpass("Ulangi: ")
        if first != again:
            print("Galat: kedua kata sandi tidak sama.", file=sys.stderr)
            return None
        return first
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def cmd_create(args: argparse.Namespace) -> int:
    password = _read_password("Kata sandi")
    if password is None:
        return 2
    engine = store.get_engine()
    try:
        acc = accounts.create_account(
            engine, _actor(), args.username, args.role, password, display_name=args.name,
            kecamatan=args.kecamatan, kelurahan=args.kelurahan, rt=args.rt, must_change=args.must_change,
        )
    except AuthError as exc:
        print(f"Galat: {exc}", file=sys.stderr)
        return 2
    scope = accounts.scope_label(acc["role"], acc["kecamatan"], acc["kelurahan"], acc["rt"])
    print(f"Akun «{acc['username']}» dibuat: peran {acc['role']}, lingkup {scope}.")
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    password = _read_password("Kata sandi baru")
    if password is None:
        return 2
    engine = store.get_engine()
    try:
        accounts.set_password(engine, _actor(), args.username.strip().lower(), password,
                              must_change=args.must_change)
    except AuthError as exc:
        print(f"Galat: {exc}", file=sys.stderr)
        return 2
    print(f"Kata sandi «{args.username}» diganti; kunci dibuka dan semua sesi lamanya berakhir.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    df = accounts.list_accounts(store.get_engine(), _actor(), role=args.role)
    if df.empty:
        print("Belum ada akun.")
        return 0
    header = f"{'NAMA PENGGUNA':<24} {'PERAN':<9} {'LINGKUP':<44} {'AKTIF':<6} {'GANTI':<6} TERAKHIR MASUK"
    print(header)
    for r in df.itertuples():
        last = format_wib(r.last_login) if r.last_login is not None and r.last_login == r.last_login else "-"
        print(f"{r.username:<24} {r.role:<9} {r.scope[:44]:<44} {'ya' if r.active else 'tidak':<6} "
              f"{'ya' if r.must_change else '-':<6} {last}")
    print(f"{len(df)} akun.")
    return 0


def cmd_bulk_rt(args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.suffix.lower() != ".csv":
        print("Galat: --out harus berakhiran .csv (kartu PDF ditulis dengan nama yang sama, .pdf).",
              file=sys.stderr)
        return 2
    pdf_path = out.with_suffix(".pdf")
    existing = [p for p in (out, pdf_path) if p.exists()]
    if existing and not args.force:
        print(f"Galat: {', '.join(map(str, existing))} sudah ada. Berkas itu mungkin satu-satunya salinan "
              "PIN yang sudah dibagikan; pindahkan dulu atau pakai --force.", file=sys.stderr)
        return 2
    if not out.parent.is_dir():
        print(f"Galat: folder {out.parent} tidak ada.", file=sys.stderr)
        return 2

    engine = store.get_engine()
    try:
        plan = accounts.plan_rt_accounts(engine, reset_pins=args.reset_pins)
    except AuthError as exc:
        print(f"Galat: {exc}", file=sys.stderr)
        return 2
    if plan.skipped:
        print(f"{len(plan.skipped)} akun RT sudah ada dan dilewati (PIN lamanya tetap; "
              "pakai --reset-pins untuk PIN baru).")
    if not plan.credentials:
        print("Tidak ada akun RT baru; tidak ada berkas yang ditulis.")
        return 0

    # Files first (to temporary names), then the accounts in one transaction, then the
    # files take their names: either both exist or neither does.
    tmp_csv = out.with_name(f".{out.name}.tmp")
    tmp_pdf = pdf_path.with_name(f".{pdf_path.name}.tmp")
    try:
        cards.write_csv(tmp_csv, plan.credentials)
        cards.write_pdf(tmp_pdf, plan.credentials, sample=plan.sample_registry, url=args.url)
        print(f"Membuat {len(plan.credentials)} akun RT (hash argon2id; sekitar satu menit)...", file=sys.stderr)
        n = accounts.apply_rt_accounts(engine, _actor(), plan)
        os.replace(tmp_csv, out)
        os.replace(tmp_pdf, pdf_path)
    except Exception as exc:
        for p in (tmp_csv, tmp_pdf):
            p.unlink(missing_ok=True)
        print(f"Galat: tidak ada akun yang dibuat ({exc}).", file=sys.stderr)
        return 1
    resets = sum(c.reset for c in plan.credentials)
    print(f"{n - resets} akun RT dibuat" + (f", {resets} PIN diganti" if resets else "") + ".")
    print(f"Daftar PIN : {out}")
    print(f"Kartu masuk: {pdf_path}")
    if plan.sample_registry:
        print("Catatan: daftar RT masih CONTOH (bukan data resmi Setda).")
    print("PIN hanya ada di kedua berkas ini. Simpan dengan aman dan hapus setelah kartu dibagikan.")
    return 0


def cmd_set_phone(args: argparse.Namespace) -> int:
    from kondusif.sms import senders

    try:
        number = senders.set_phone(store.get_engine(), _actor(), args.username, args.phone)
    except AuthError as exc:
        print(f"Galat: {exc}", file=sys.stderr)
        return 2
    name = args.username.strip().lower()
    print(f"Nomor HP SMS akun «{name}»: {number}." if number else f"Nomor HP SMS akun «{name}» dihapus.")
    return 0


def cmd_phones_from_registry(args: argparse.Namespace) -> int:
    from kondusif.sms import senders

    done = senders.phones_from_registry(store.get_engine(), _actor())
    for line in done.skipped:
        print(f"Dilewati: {line}", file=sys.stderr)
    print(f"Nomor HP dari daftar RT: {done.summary()}.")
    return 0
